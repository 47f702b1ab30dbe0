"""Overlapping matches of several patterns, reduced to the ones that say the most."""

from __future__ import annotations

import bisect
from typing import Any


def longest_first(hits: list[tuple[int, int, Any]]) -> list[tuple[int, int, Any]]:
    """Of overlapping matches keep the longest (it says the most), in text order."""
    kept: list[tuple[int, int, Any]] = []
    spans: list[tuple[int, int]] = []  # the kept spans, disjoint, in text order
    for hit in sorted(hits, key=lambda h: (-(h[1] - h[0]), h[0])):
        # Of the kept spans that start before this one ends, the last ends latest: it is
        # the only one that can overlap this one.
        i = bisect.bisect_left(spans, (hit[1], -1))
        if i == 0 or spans[i - 1][1] <= hit[0]:
            kept.append(hit)
            spans.insert(i, (hit[0], hit[1]))
    return sorted(kept, key=lambda h: h[0])
