"""Editions by date: which of the pack's rules are in force on a given day."""

from __future__ import annotations

import datetime as dt

from openimr.pack.schema import Rule


def in_force(rules: list[Rule], day: dt.date) -> list[Rule]:
    return sorted((r for r in rules if r.effective.covers(day)), key=lambda r: r.id)


def earliest_edition(rules: list[Rule]) -> dt.date:
    """The first day any rule of the pack is in force."""
    return min(rule.effective.from_ for rule in rules)
