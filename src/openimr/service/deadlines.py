"""IMR deadlines (8 CCR 9792.10.5(a)(1); LC 4610.6(d)): when the records are due at the IMRO
and when the determination is due. Pure: the caller passes every time; nothing reads a clock.

How many days, which count (hours, calendar or business days) and the citations are data in
``rules/deadlines.yaml``. Days are counted on the California calendar (the zone is in the
data file) and a due time keeps the start's time of day on the California clock: notice
mailed Monday 10:00 Pacific, records due 15 days later at 10:00 Pacific. Keeping the time
(rather than moving to the end of the day) makes a due time a plain function of its start,
and an `hours` count is an exact duration. Results are UTC.

A missed deadline is a flag, never a block: a late IMR determination is still valid
(CHP/SCIF v. WCAB (Margaris), 2016).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays as holidays_package
from pydantic import Field

from openimr.errors import UserError
from openimr.model import Model, Verification
from openimr.service.ruledata import packaged, parsed

RULES_FILE = "deadlines.yaml"

Unit = Literal["hours", "calendar_days", "business_days"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
NoticeBy = Literal["mail", "electronic"]

_WEEKDAYS: tuple[Weekday, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


# --- the data file ---------------------------------------------------------------------


class Period(Model):
    count: int = Field(ge=1)
    unit: Unit
    citation: str
    verification: Verification


class RecordsRules(Model):
    mail: Period
    electronic: Period
    expedited: Period


class DeterminationRules(Model):
    regular: Period
    expedited: Period
    formulary: Period


class HolidaySource(Model):
    package: Literal["holidays"]
    country: str
    subdiv: str | None = None


class BusinessDayRules(Model):
    weekend: list[Weekday]
    holidays: HolidaySource
    timezone: str
    verification: Verification


class DeadlineRules(Model):
    records: RecordsRules
    determination: DeterminationRules
    business_days: BusinessDayRules


def load_rules(text: str | None = None) -> DeadlineRules:
    """The deadline rules from YAML text, or the packaged file when ``text`` is None."""
    if text is None:
        return _packaged_rules()
    return _parse_rules(text)


@cache
def _packaged_rules() -> DeadlineRules:
    return _parse_rules(packaged(RULES_FILE))


def _parse_rules(text: str) -> DeadlineRules:
    rules = parsed(DeadlineRules, text, RULES_FILE)
    try:
        ZoneInfo(rules.business_days.timezone)
    except (KeyError, ValueError) as exc:
        raise UserError(
            f"business_days.timezone: unknown zone {rules.business_days.timezone!r}",
            source=RULES_FILE,
        ) from exc
    return rules


# --- counting days ---------------------------------------------------------------------


@cache
def _holidays(country: str, subdiv: str | None, year: int) -> frozenset[dt.date]:
    return frozenset(holidays_package.country_holidays(country, subdiv=subdiv, years=year))


def is_business_day(day: dt.date, *, rules: DeadlineRules | None = None) -> bool:
    """Not a weekend day and not a holiday of the data file's holiday list."""
    bd = (rules or _packaged_rules()).business_days
    if _WEEKDAYS[day.weekday()] in bd.weekend:
        return False
    return day not in _holidays(bd.holidays.country, bd.holidays.subdiv, day.year)


def add_business_days(start: dt.date, n: int, *, rules: DeadlineRules | None = None) -> dt.date:
    """The n-th business day after ``start`` (``start`` itself never counts, as the day of an
    event is not a day of the period); ``n = 0`` is ``start``."""
    if n < 0:
        raise UserError(f"must be 0 or more, not {n}", source="n")
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if is_business_day(day, rules=rules):
            counted += 1
    return day


def _aware(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise UserError("must be a timezone-aware datetime (UTC)", source=name)
    return value


def _advance(start: dt.datetime, period: Period, rules: DeadlineRules) -> dt.datetime:
    if period.unit == "hours":
        return (start + dt.timedelta(hours=period.count)).astimezone(dt.UTC)
    local = start.astimezone(ZoneInfo(rules.business_days.timezone))
    if period.unit == "calendar_days":
        day = local.date() + dt.timedelta(days=period.count)
        # Same wall-clock time on the due day, then back to UTC.
        return dt.datetime.combine(day, local.time(), tzinfo=local.tzinfo).astimezone(dt.UTC)
    # Business days are whole days: due at the end of the last one. (The start's time of day
    # would let a start on a weekend evening fall due before one made that Friday morning.)
    day = add_business_days(local.date(), period.count, rules=rules)
    end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=local.tzinfo)
    return end.astimezone(dt.UTC)


def _words(period: Period) -> str:
    unit = {"hours": "hours", "calendar_days": "calendar days", "business_days": "business days"}
    return f"{period.count} {unit[period.unit]}"


# --- the deadlines ---------------------------------------------------------------------


class Deadlines(Model):
    records_due: dt.datetime | None
    records_basis: str
    """Why that time: the count, the event it runs from, the citation; or why none yet."""
    determination_due: dt.datetime | None
    determination_basis: str


def _records(
    assigned_at: dt.datetime, notice_by: NoticeBy, expedited: bool, rules: DeadlineRules
) -> tuple[dt.datetime, str]:
    start = _aware(assigned_at, "assigned_at")
    if expedited:
        period, how = rules.records.expedited, "the assignment notice of an expedited review"
    elif notice_by == "electronic":
        period, how = rules.records.electronic, "the assignment notice was sent electronically"
    else:
        period, how = rules.records.mail, "the assignment notice was mailed"
    return _advance(start, period, rules), f"{_words(period)} after {how} ({period.citation})"


def _determination(
    records_complete_at: dt.datetime, expedited: bool, formulary_only: bool, rules: DeadlineRules
) -> tuple[dt.datetime, str]:
    start = _aware(records_complete_at, "records_complete_at")
    after = "after the request and its supporting records were complete"
    # Expedited wins over formulary-only: the imminent threat is the tighter need.
    if expedited:
        period, what = rules.determination.expedited, "expedited review"
    elif formulary_only:
        period, what = (
            rules.determination.formulary,
            "a formulary-drug dispute; weekends and California state holidays do not count",
        )
    else:
        period, what = rules.determination.regular, "regular review"
    basis = f"{_words(period)} {after}: {what} ({period.citation})"
    return _advance(start, period, rules), basis


def records_due(
    assigned_at: dt.datetime,
    *,
    notice_by: NoticeBy,
    expedited: bool,
    rules: DeadlineRules | None = None,
) -> dt.datetime:
    """When the claims administrator's records are due at the IMRO: 15 days after a mailed
    assignment notice, 12 if sent electronically, 24 hours for expedited review."""
    return _records(assigned_at, notice_by, expedited, rules or _packaged_rules())[0]


def determination_due(
    records_complete_at: dt.datetime,
    *,
    expedited: bool,
    formulary_only: bool,
    rules: DeadlineRules | None = None,
) -> dt.datetime:
    """When the determination is due: 30 days after the records are complete, 3 days if
    expedited, 5 business days for a formulary-only dispute (expedited takes precedence)."""
    r = rules or _packaged_rules()
    return _determination(records_complete_at, expedited, formulary_only, r)[0]


def deadlines(
    *,
    assigned_at: dt.datetime | None = None,
    notice_by: NoticeBy = "mail",
    records_complete_at: dt.datetime | None = None,
    expedited: bool = False,
    formulary_only: bool = False,
    rules: DeadlineRules | None = None,
) -> Deadlines:
    """Both deadlines from what has happened so far; None where the start event has not."""
    r = rules or _packaged_rules()
    if assigned_at is None:
        rec_due, rec_basis = None, "not running: no assignment notice has been sent"
    else:
        rec_due, rec_basis = _records(assigned_at, notice_by, expedited, r)
    if records_complete_at is None:
        det_due, det_basis = None, "not running: the records are not complete"
    else:
        det_due, det_basis = _determination(records_complete_at, expedited, formulary_only, r)
    return Deadlines(
        records_due=rec_due,
        records_basis=rec_basis,
        determination_due=det_due,
        determination_basis=det_basis,
    )


def is_late(due: dt.datetime | None, *, at: dt.datetime) -> bool:
    """Whether ``at`` is past ``due`` (a due time itself is in time). A flag only: late
    determinations are valid (Margaris, 2016). No deadline running is never late."""
    _aware(at, "at")
    if due is None:
        return False
    return at > _aware(due, "due")
