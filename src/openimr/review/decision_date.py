"""Which date a case is decided on: it picks the guideline edition in force.

In order: the case's own ``decision_date``; a date the user gives (``--date``); the latest
dated event the case mentions (the UR decision, a record, a report); today only when the
case has no date at all. The basis is always said.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from openimr.errors import UserError
from openimr.intake.dates import find_dates
from openimr.model import Case, Fact, Model


class DecisionDate(Model):
    date: dt.date
    basis: str = Field(description="Where the date came from, in words.")


def decision_date(
    case: Case, facts: list[Fact], given: dt.date | None, today: dt.date
) -> DecisionDate:
    if case.decision_date is not None:
        return DecisionDate(date=case.decision_date, basis="the case's decision date")
    if given is not None:
        return DecisionDate(date=given, basis="the date given with --date")
    events: list[tuple[dt.date, str]] = []
    for fact in facts:
        if fact.kind == "ur_history" and isinstance(fact.value, dict) and fact.value.get("date"):
            events.append((dt.date.fromisoformat(fact.value["date"]), "the utilization review"))
    for index, record in enumerate(case.records):
        if record.date is not None:
            events.append((record.date, f"record {index + 1} ({record.kind or 'record'})"))
        events += [(d, f"a date in record {index + 1}") for _, _, d in find_dates(record.text)]
    events += [
        (d, "a date in the clinical summary") for _, _, d in find_dates(case.clinical_summary)
    ]
    events = [(d, why) for d, why in events if d <= today]
    if events:
        latest, why = max(events, key=lambda event: event[0])
        return DecisionDate(date=latest, basis=f"the latest dated event in the case: {why}")
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
