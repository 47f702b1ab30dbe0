"""Benchmarks run on one core, so that figures compare across machines of any size."""

from __future__ import annotations

import os


def pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
