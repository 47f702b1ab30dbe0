"""IMR deadlines: records due, determination due, business days over California holidays,
the data file driving the counts, and lateness as a flag."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openimr.errors import UserError
from openimr.service.deadlines import (
    add_business_days,
    deadlines,
    determination_due,
    is_business_day,
    is_late,
    load_rules,
    records_due,
)

UTC = dt.UTC


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


def end_of_day(year: int, month: int, day: int) -> dt.datetime:
    """A business-day deadline falls due at the end of its last day, California time."""
    pacific = ZoneInfo("America/Los_Angeles")
    return dt.datetime(year, month, day, 23, 59, 59, tzinfo=pacific).astimezone(UTC)


def packaged_yaml() -> str:
    path = resources.files("openimr.service").joinpath("rules", "deadlines.yaml")
    return path.read_text(encoding="utf-8")


# --- records due -----------------------------------------------------------------------


def test_records_are_due_15_days_after_a_mailed_notice() -> None:
    # 10:00 Pacific (PST) on 2016-02-01; due 2016-02-16 at 10:00 Pacific.
    assert records_due(at(2016, 2, 1, 18), notice_by="mail", expedited=False) == at(2016, 2, 16, 18)


def test_records_are_due_12_days_after_an_electronic_notice() -> None:
    assert records_due(at(2016, 2, 1, 18), notice_by="electronic", expedited=False) == at(
        2016, 2, 13, 18
    )


@pytest.mark.parametrize("notice_by", ["mail", "electronic"])
def test_expedited_records_are_due_in_24_hours(notice_by: str) -> None:
    start = at(2016, 11, 23, 21, 30)
    assert records_due(start, notice_by=notice_by, expedited=True) == at(2016, 11, 24, 21, 30)


def test_calendar_days_keep_the_california_time_of_day_across_daylight_saving() -> None:
    # 10:00 PST on 2016-03-01; DST starts 2016-03-13, so 10:00 PDT on 2016-03-16 is 17:00 UTC.
    assert records_due(at(2016, 3, 1, 18), notice_by="mail", expedited=False) == at(2016, 3, 16, 17)


def test_a_due_time_is_given_in_utc() -> None:
    start = dt.datetime(2016, 2, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    due = records_due(start, notice_by="mail", expedited=False)
    assert due.utcoffset() == dt.timedelta(0)
    assert due == at(2016, 2, 16, 18)


# --- determination due -----------------------------------------------------------------


def test_a_regular_determination_is_due_30_days_after_the_records() -> None:
    assert determination_due(at(2016, 5, 2, 16), expedited=False, formulary_only=False) == at(
        2016, 6, 1, 16
    )


def test_an_expedited_determination_is_due_in_3_days() -> None:
    assert determination_due(at(2016, 5, 2, 16), expedited=True, formulary_only=False) == at(
        2016, 5, 5, 16
    )


def test_a_formulary_dispute_completed_the_wednesday_before_thanksgiving() -> None:
    # Wed 2016-11-23 10:00 PST. Thanksgiving (24th) and the day after (25th) are California
    # state holidays and the 26th-27th a weekend: business days are Mon 28 .. Fri Dec 2.
    due = determination_due(at(2016, 11, 23, 18), expedited=False, formulary_only=True)
    assert due == end_of_day(2016, 12, 2)


def test_a_formulary_dispute_over_cesar_chavez_day() -> None:
    # Tue 2016-03-29; Thu 31 is Cesar Chavez Day: Wed 30, Fri 1, Mon 4, Tue 5, Wed 6.
    due = determination_due(at(2016, 3, 29, 17), expedited=False, formulary_only=True)
    assert due == end_of_day(2016, 4, 6)


def test_a_formulary_dispute_over_new_year_observed_on_monday() -> None:
    # Wed 2016-12-28; 2017-01-02 is New Year's Day observed: Thu 29, Fri 30, Tue 3, Wed 4, Thu 5.
    due = determination_due(at(2016, 12, 28, 18), expedited=False, formulary_only=True)
    assert due == end_of_day(2017, 1, 5)


def test_expedited_takes_precedence_over_formulary() -> None:
    start = at(2016, 11, 23, 18)
    both = determination_due(start, expedited=True, formulary_only=True)
    assert both == determination_due(start, expedited=True, formulary_only=False)
    assert both == at(2016, 11, 26, 18)


def test_business_days_are_counted_on_the_california_calendar() -> None:
    # Thu 2016-03-03 17:00 PST is Friday 01:00 in UTC. Counting from Thursday: Fri 4, Mon 7,
    # Tue 8, Wed 9, Thu 10 -> the end of Thu 10 in California (from Friday's date it would be
    # a day later).
    due = determination_due(at(2016, 3, 4, 1), expedited=False, formulary_only=True)
    assert due == end_of_day(2016, 3, 10)


# --- the combined view -----------------------------------------------------------------


def test_nothing_has_started() -> None:
    result = deadlines()
    assert result.records_due is None
    assert result.determination_due is None
    assert "no assignment notice" in result.records_basis
    assert "not complete" in result.determination_basis


def test_only_the_assignment_notice_has_gone() -> None:
    result = deadlines(assigned_at=at(2016, 2, 1, 18), notice_by="electronic")
    assert result.records_due == at(2016, 2, 13, 18)
    assert result.records_basis == (
        "12 calendar days after the assignment notice was sent electronically "
        "(8 CCR 9792.10.5(a)(1))"
    )
    assert result.determination_due is None


def test_both_deadlines_with_their_basis() -> None:
    result = deadlines(
        assigned_at=at(2016, 11, 1, 18),
        records_complete_at=at(2016, 11, 23, 18),
        formulary_only=True,
    )
    # 11:00 PDT on Nov 1; DST ends Nov 6, so 11:00 PST on Nov 16 is 19:00 UTC.
    assert result.records_due == at(2016, 11, 16, 19)
    assert "15 calendar days after the assignment notice was mailed" in result.records_basis
    assert result.determination_due == end_of_day(2016, 12, 2)
    assert result.determination_basis.startswith("5 business days after")
    assert "formulary" in result.determination_basis
    assert "LC 4610.6(d)" in result.determination_basis


def test_an_expedited_case_combined() -> None:
    result = deadlines(
        assigned_at=at(2016, 5, 2, 16), records_complete_at=at(2016, 5, 3, 9), expedited=True
    )
    assert result.records_due == at(2016, 5, 3, 16)
    assert result.records_basis.startswith("24 hours after")
    assert result.determination_due == at(2016, 5, 6, 9)
    assert "expedited" in result.determination_basis


@pytest.mark.parametrize("name", ["assigned_at", "records_complete_at"])
def test_a_naive_time_is_an_error_naming_it(name: str) -> None:
    with pytest.raises(UserError, match=f"^{name}: must be a timezone-aware"):
        deadlines(**{name: dt.datetime(2016, 5, 2, 16)})


# --- lateness --------------------------------------------------------------------------


def test_late_is_after_the_due_time() -> None:
    due = at(2016, 6, 1, 16)
    assert not is_late(due, at=due)
    assert not is_late(due, at=due - dt.timedelta(days=3))
    assert is_late(due, at=due + dt.timedelta(seconds=1))


def test_no_deadline_running_is_never_late() -> None:
    assert not is_late(None, at=at(2030, 1, 1))


def test_is_late_wants_an_aware_time() -> None:
    with pytest.raises(UserError, match=r"^at:"):
        is_late(at(2016, 6, 1), at=dt.datetime(2016, 6, 2))


# --- the data file drives the counts ---------------------------------------------------


def test_a_changed_count_in_the_yaml_changes_the_due_date() -> None:
    text = packaged_yaml()
    assert "    count: 30\n" in text
    rules = load_rules(text.replace("    count: 30\n", "    count: 45\n"))
    due = determination_due(at(2016, 5, 2, 16), expedited=False, formulary_only=False, rules=rules)
    assert due == at(2016, 6, 16, 16)


def test_the_weekend_is_data() -> None:
    rules = load_rules(packaged_yaml().replace("weekend: [saturday, sunday]", "weekend: [sunday]"))
    # Fri 2016-03-04 + 1 business day: Monday normally, Saturday with a one-day weekend.
    assert add_business_days(dt.date(2016, 3, 4), 1) == dt.date(2016, 3, 7)
    assert add_business_days(dt.date(2016, 3, 4), 1, rules=rules) == dt.date(2016, 3, 5)


def test_the_packaged_rules_cite_their_sources() -> None:
    rules = load_rules()
    assert rules.records.mail.count == 15
    assert rules.records.expedited.unit == "hours"
    assert rules.determination.formulary.unit == "business_days"
    assert rules.records.mail.citation == "8 CCR 9792.10.5(a)(1)"
    assert rules.determination.expedited.verification == "K"


def test_a_bad_data_file_is_an_error_naming_the_field() -> None:
    with pytest.raises(UserError, match=r"deadlines.yaml: records\.mail\.unit"):
        load_rules(packaged_yaml().replace("unit: calendar_days", "unit: fortnights", 1))
    with pytest.raises(UserError, match=r"business_days\.timezone"):
        load_rules(packaged_yaml().replace("America/Los_Angeles", "Mars/Olympus_Mons"))


# --- business days ---------------------------------------------------------------------


def test_add_business_days_examples() -> None:
    assert add_business_days(dt.date(2016, 12, 23), 1) == dt.date(2016, 12, 27)  # 26th observed
    assert add_business_days(dt.date(2016, 11, 23), 1) == dt.date(2016, 11, 28)
    assert add_business_days(dt.date(2016, 3, 7), 5) == dt.date(2016, 3, 14)
    assert add_business_days(dt.date(2016, 11, 24), 0) == dt.date(2016, 11, 24)


def test_a_negative_count_is_an_error() -> None:
    with pytest.raises(UserError, match=r"^n: must be 0 or more"):
        add_business_days(dt.date(2016, 3, 7), -1)


def test_is_business_day() -> None:
    assert is_business_day(dt.date(2016, 11, 23))
    assert not is_business_day(dt.date(2016, 11, 24))  # Thanksgiving
    assert not is_business_day(dt.date(2016, 11, 25))  # the day after, a CA state holiday
    assert not is_business_day(dt.date(2016, 11, 26))  # Saturday


dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


@given(start=dates, n=st.integers(min_value=1, max_value=60))
def test_a_business_day_result_is_never_a_weekend_or_holiday(start: dt.date, n: int) -> None:
    end = add_business_days(start, n)
    assert end.weekday() < 5
    assert end not in holidays.country_holidays("US", subdiv="CA", years=end.year)
    # Exactly n business days lie in (start, end].
    span = [start + dt.timedelta(days=k) for k in range(1, (end - start).days + 1)]
    assert sum(is_business_day(day) for day in span) == n


@given(start=dates, n=st.integers(min_value=0, max_value=40), k=st.integers(1, 20))
def test_add_business_days_is_strictly_monotone_in_n(start: dt.date, n: int, k: int) -> None:
    assert add_business_days(start, n) < add_business_days(start, n + k)


@given(start=dates, days=st.integers(min_value=1, max_value=10), n=st.integers(0, 30))
def test_add_business_days_is_monotone_in_the_start(start: dt.date, days: int, n: int) -> None:
    assert add_business_days(start, n) <= add_business_days(start + dt.timedelta(days=days), n)


times = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1), timezones=st.just(UTC)
)


@given(
    start=times,
    later=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=20)),
    expedited=st.booleans(),
    formulary=st.booleans(),
)
def test_a_later_start_never_gives_an_earlier_deadline(
    start: dt.datetime, later: dt.timedelta, expedited: bool, formulary: bool
) -> None:
    first = determination_due(start, expedited=expedited, formulary_only=formulary)
    second = determination_due(start + later, expedited=expedited, formulary_only=formulary)
    # A wall-clock time in the hour lost or doubled at a DST change may move by that hour.
    assert second >= first - dt.timedelta(hours=1)
    if formulary and not expedited:
        assert second >= first  # whole business days: a later start is never due earlier
    assert first > start
    if not expedited and not formulary:
        assert abs((first - start) - dt.timedelta(days=30)) <= dt.timedelta(hours=1)
