"""Which date a case is decided on: it picks the guideline edition in force.

In order: the case's own ``decision_date``; a date the user gives (``--date``); the latest
dated event the case mentions (the UR decision, a record, a report; never the date of
injury); today only when the case has no other date. The basis is always said.

The guideline edition is picked by the day the request was decided, not by the day of the
IMR: the 2009 and 2016 editions apply to requests by their UR decision (RFA) date, and the
ACOEM-based MTUS to services from 2017-12-01, for which the request's day is the nearest date
a case gives. So when the case gives the UR decision date, the edition is the one in force
that day (``edition_day``); otherwise the decision date picks it.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from openimr.errors import UserError
from openimr.model import Case, DatedEvent, Model


class DecisionDate(Model):
    date: dt.date
    basis: str = Field(description="Where the date came from, in words.")
    edition_date: dt.date | None = None
    """The day that picks the guideline edition, when it is not ``date`` (the UR decision)."""
    edition_basis: str | None = None

    @property
    def edition_day(self) -> dt.date:
        return self.edition_date or self.date


UR_DATE_BASIS = "the utilization review decision date (the edition in force for the request)"


def _with_ur_date(case: Case, date: DecisionDate) -> DecisionDate:
    """The UR decision date picks the edition, when the case gives one no later than the
    decision itself (a later one cannot be the decision in dispute)."""
    ur = case.ur_denial_date
    if ur is None or ur > date.date or ur == date.date:
        return date
    basis = f"{date.basis}; guideline edition of {ur.isoformat()}, {UR_DATE_BASIS}"
    return date.model_copy(
        update={"basis": basis, "edition_date": ur, "edition_basis": UR_DATE_BASIS}
    )


def decision_date(
    case: Case, events: list[DatedEvent], given: dt.date | None, today: dt.date
) -> DecisionDate:
    return _with_ur_date(case, _decision_date(case, events, given, today))


def _decision_date(
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
    if date.edition_day < earliest:
        raise UserError(
            f"{date.edition_basis}: {date.edition_day.isoformat()} is before the earliest "
            f"guideline edition in the pack ({earliest.isoformat()})"
        )
    return date
