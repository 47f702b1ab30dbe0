"""Editions by date: which of the pack's rules are in force on a given day."""

from __future__ import annotations

import datetime as dt

from openimr.pack.schema import Rule


def in_force(rules: list[Rule], day: dt.date) -> list[Rule]:
    """The rules in force on ``day``, each as its edition of that day (dates and citation of
    the edition in force), by id."""
    found = (edition for rule in rules if (edition := rule.on(day)) is not None)
    return sorted(found, key=lambda r: r.id)


def earliest_edition(rules: list[Rule]) -> dt.date:
    """The first day any rule of the pack is in force."""
    return min(effective.from_ for rule in rules for effective in rule.ranges())
