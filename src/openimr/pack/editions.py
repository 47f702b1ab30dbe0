"""Editions by date: which of the pack's rules are in force on a given day."""

from __future__ import annotations

import datetime as dt

from openimr.pack.schema import Rule


def in_force(rules: list[Rule], day: dt.date) -> list[Rule]:
    """The rules in force on ``day``, each as its edition of that day (dates and citation of
    the edition in force), by id. A review asks it several times for one day: the last few
    answers are kept (for the same list of rules, held so that it stays the same list)."""
    key = (id(rules), day)
    kept = _kept.get(key)
    if kept is None or kept[0] is not rules or kept[1] != len(rules):
        found = (edition for rule in rules if (edition := rule.on(day)) is not None)
        kept = (rules, len(rules), tuple(sorted(found, key=lambda r: r.id)))
        if len(_kept) >= KEPT:
            del _kept[next(iter(_kept))]
        _kept[key] = kept
    return list(kept[2])


KEPT = 64
_kept: dict[tuple[int, dt.date], tuple[list[Rule], int, tuple[Rule, ...]]] = {}


def earliest_edition(rules: list[Rule]) -> dt.date:
    """The first day any rule of the pack is in force (kept for the same list of rules, as
    ``in_force`` keeps its answers: every review asks)."""
    kept = _earliest.get(id(rules))
    if kept is None or kept[0] is not rules or kept[1] != len(rules):
        first = min(effective.from_ for rule in rules for effective in rule.ranges())
        if len(_earliest) >= KEPT:
            del _earliest[next(iter(_earliest))]
        kept = _earliest[id(rules)] = (rules, len(rules), first)
    return kept[2]


_earliest: dict[int, tuple[list[Rule], int, dt.date]] = {}
