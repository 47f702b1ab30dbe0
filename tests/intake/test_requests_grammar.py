"""The quantity grammar of request titles, as properties: whatever the numbers, the
shorthand and the words read the same."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openimr.intake.numbers import number_rules, number_value
from openimr.intake.requests import doses_per_day, parse_request

SERVICES = ["Physical therapy", "Chiropractic", "Acupuncture", "Massage therapy"]


def _words(n: int) -> str:
    """A number from 1 to 99 in words, as numbers.yaml spells it."""
    r = number_rules()
    units = {v: k for k, v in r.units.items()}
    tens = {v: k for k, v in r.tens.items()}
    if n in units:
        return units[n]
    ten, unit = divmod(n, 10)
    return tens[ten * 10] + (f"-{units[unit]}" if unit else "")


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SERVICES), st.integers(1, 5), st.integers(1, 12), st.booleans())
def test_times_by_weeks_is_their_product_in_visits(service, times, weeks, spaced) -> None:
    title = f"{service} {times} x {weeks}" if spaced else f"{service} {times}x{weeks}"
    request = parse_request(title)
    assert request.quantity == times * weeks
    assert request.frequency is not None and request.frequency.times == times


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SERVICES), st.integers(1, 99), st.sampled_from(["visits", "sessions"]))
def test_a_count_reads_the_same_in_digits_and_in_words(service, n, unit) -> None:
    digits = parse_request(f"{service} {n} {unit} lumbar spine")
    words = parse_request(f"{service} {_words(n)} {unit} lumbar spine")
    assert digits.quantity == words.quantity == n
    assert digits.unit == words.unit
    assert number_value(_words(n)) == n


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(SERVICES), st.integers(1, 30))
def test_a_count_after_x_is_the_quantity(service, n) -> None:
    assert parse_request(f"{service} x{n}").quantity == n
    assert parse_request(f"{service} x {n} visits").quantity == n


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30))
def test_a_programme_of_n_days_counts_days(n) -> None:
    request = parse_request(f"Functional restoration program {n}-day")
    assert (request.quantity, request.unit) == (n, "days")


def test_a_stated_count_in_words_and_brackets_after_the_service() -> None:
    request = parse_request("Acupuncture eight (8) visits for the neck")
    assert (request.quantity, request.unit) == (8, "visits")


@settings(max_examples=30, deadline=None)
@given(st.sampled_from([1, 2, 3, 4, 6, 8, 12, 24]))
def test_every_n_hours_is_24_over_n_doses_a_day(hours) -> None:
    assert doses_per_day(f"1 tab q{hours}h") == pytest.approx(24 / hours, abs=0.01)
    assert doses_per_day(f"one tablet every {_words(hours)} hours") == pytest.approx(
        24 / hours, abs=0.01
    )


@pytest.mark.parametrize(
    ("dosing", "per_day"),
    [("BID", 2), ("t.i.d.", 3), ("at bedtime", 1), ("2 tabs daily", 2), ("4 times a day", 4)],
)
def test_dosing_abbreviations_and_words_give_doses_a_day(dosing, per_day) -> None:
    assert doses_per_day(dosing) == per_day


def test_as_needed_gives_no_doses_a_day() -> None:
    assert doses_per_day("1 tab PRN pain") is None


def test_a_drug_title_carries_its_doses_a_day() -> None:
    drug = parse_request("Tramadol 50 mg 1 tab every 6 hours #120").drug
    assert drug is not None and (drug.count, drug.doses_per_day) == (120, 4)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40))
def test_a_programme_in_hours_counts_its_full_days(days) -> None:
    request = parse_request(f"Functional restoration program {days * 8} hours")
    assert (request.quantity, request.unit) == (days, "days")
    part_day = parse_request(f"Functional restoration program {days * 8 + 3} hours")
    assert part_day.quantity == days + 1
