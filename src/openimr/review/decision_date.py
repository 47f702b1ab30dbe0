"""Which date a case is decided on: it picks the guideline edition in force.

In order: the case's own ``decision_date``; a date the user gives (``--date``); the latest
dated event the case mentions (the UR decision, a record, a report; never the date of
injury); today only when the case has no other date. The basis is always said.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from openimr.errors import UserError
from openimr.model import Case, DatedEvent, Model


class DecisionDate(Model):
    date: dt.date
    basis: str = Field(description="Where the date came from, in words.")


def decision_date(
    case: Case, events: list[DatedEvent], given: dt.date | None, today: dt.date
) -> DecisionDate:
    if case.decision_date is not None:
        return DecisionDate(date=case.decision_date, basis="the case's decision date")
    if given is not None:
        return DecisionDate(date=given, basis="the date given with --date")
    past = [event for event in events if event.date <= today]
    if past:
        latest = max(past, key=lambda event: event.date)
        return DecisionDate(
            date=latest.date, basis=f"the latest dated event in the case: {latest.what}"
        )
    return DecisionDate(date=today, basis="today: the case mentions no date")


def check_in_range(date: DecisionDate, *, earliest: dt.date, today: dt.date) -> DecisionDate:
    """A decision date that cannot be real is refused, naming where it came from, rather
    than silently picking an edition."""
    if date.date > today:
        raise UserError(
            f"{date.basis}: {date.date.isoformat()} is in the future (today is "
            f"{today.isoformat()}); a determination is decided on or before today"
        )
    if date.date < earliest:
        raise UserError(
            f"{date.basis}: {date.date.isoformat()} is before the earliest guideline edition "
            f"in the pack ({earliest.isoformat()})"
        )
    return date
