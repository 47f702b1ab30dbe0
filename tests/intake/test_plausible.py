"""Values that cannot be real (issue 8): a request title stating one raises ImplausibleValue
naming the value and why; clinical text stating one gives no count. Ranges still read."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openimr.intake import numbers
from openimr.intake.facts import extract_facts
from openimr.intake.requests import ImplausibleValue, parse_request

# --- request titles ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "quoted"),
    [
        ("-6 visits", "-6 visits"),
        ("Physical therapy -6 visits", "-6 visits"),
        ("Acupuncture (−12 visits)", "−12 visits"),
        ("Acupuncture x -6", "x -6"),
        ("Chiropractic minus 6 visits", "minus 6 visits"),
        ("Massage therapy minus six sessions", "minus six sessions"),
        ("-2x4 chiropractic", "-2x4"),
        ("PT 3x/week x -4 weeks", "x -4 weeks"),
        ("Norco 10/325 #-90", "#-90"),
    ],
)
def test_a_negative_count_in_a_title_is_refused(title: str, quoted: str) -> None:
    with pytest.raises(ImplausibleValue) as raised:
        parse_request(title)
    assert str(raised.value) == f"{quoted}: a count cannot be negative"
    assert raised.value.written == quoted


@pytest.mark.parametrize(
    ("title", "quoted", "unit", "bound"),
    [
        ("10^26 visits", "10^26 visits", "visits", 500),
        ("Acupuncture 100000000000000000000000000 visits", None, "visits", 500),
        ("PT x 10**26", "x 10**26", "visits", 500),
        ("TENS unit 1e30 units", "1e30 units", "units", 1000),
        ("Physical therapy 9999 visits", "9999 visits", "visits", 500),
        ("Massage 99999 sessions", "99999 sessions", "sessions", 500),
        ("Chiropractic 1,500 visits", "1,500 visits", "visits", 500),
        ("Norco 10/325 #90000", "#90000", "tablets", 1000),
        ("Ultram 50 mg 5000 tablets", "5000 tablets", "tablets", 1000),
        ("Functional restoration program x 400 days", "x 400 days", "days", 366),
        ("Home health aide 9000 hours", "9000 hours", "hours", 8784),
        ("Gym membership x 999 months", "x 999 months", "months", 120),
        ("PT 7x/week x 100 weeks", "7 a week for 100 weeks (700 visits)", "visits", 500),
    ],
)
def test_an_impossibly_large_count_in_a_title_is_refused(title, quoted, unit, bound) -> None:
    with pytest.raises(ImplausibleValue) as raised:
        parse_request(title)
    message = str(raised.value)
    if quoted:
        assert message.startswith(f"{quoted}: ")
    assert f"more than {bound:,} {unit} cannot be real" in message
    assert "numbers.yaml" in message  # where the bound is, and why


def test_a_count_written_as_a_power_is_refused() -> None:
    with pytest.raises(ImplausibleValue, match=r"^2\^2 visits: a count is written in digits"):
        parse_request("Acupuncture 2^2 visits")
    assert _counts("She has had 2^2 visits of PT.") == [None]


@pytest.mark.parametrize(
    ("title", "quantity"),
    [
        ("Acupuncture 6-8 visits", 8),
        ("Acupuncture 6 - 8 visits", 8),
        ("PT x6-8", 6),
        ("Chiropractic 2x4 lumbar", 8),
        # the levels are no count; a procedure named without one is one (requests.yaml)
        ("Right L4-5 transforaminal epidural steroid injection", 1),
        ("Lumbar ESI L4-L5, L5-S1", 1),
        ("Acupuncture 500 visits", 500),  # the bound itself can be real
        ("Home health 24 hours/day x 365 days", 24),
        ("Botox 400 units", 400),
        ("Twelve (12) sessions of physical therapy", 12),
        ("Acupuncture 1 x week x 4 months (16 visits)", 16),
    ],
)
def test_ranges_and_real_counts_still_read(title: str, quantity: int | None) -> None:
    assert parse_request(title).quantity == quantity


def test_a_real_drug_count_still_reads() -> None:
    assert parse_request("Norco 10/325 #90").drug.count == 90


def test_implausible_value_is_a_value_error_exported_where_titles_are_read() -> None:
    assert issubclass(ImplausibleValue, ValueError)
    assert ImplausibleValue is numbers.ImplausibleValue
    error = ImplausibleValue("-6 visits", "a count cannot be negative")
    assert (error.written, error.reason) == ("-6 visits", "a count cannot be negative")


def test_the_bounds_are_data_for_every_unit_a_count_has() -> None:
    for unit in ("visits", "sessions", "units", "days", "hours", "tablets"):
        assert numbers.most(unit) and numbers.most(unit) > 0


SHAPES = [
    "Acupuncture {} visits",
    "Physical therapy x {} sessions",
    "Chiropractic ({} visits)",
    "Massage therapy visits x {}",
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SHAPES), st.integers(min_value=-(10**30), max_value=10**30))
def test_any_number_is_read_or_refused_never_misread(shape: str, n: int) -> None:
    title = shape.format(n)
    try:
        request = parse_request(title)
    except ImplausibleValue as exc:
        assert n < 0 or n > 500, title
        assert str(n) in str(exc)
        return
    assert 0 <= n <= 500, title
    assert request.quantity == (n or None), title


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789-−^*e,.x# ()", max_size=30).map("Acupuncture {} visits".format))
def test_titles_with_any_numbers_raise_nothing_else(title: str) -> None:
    with contextlib.suppress(ImplausibleValue):  # the one error a title may raise
        parse_request(title)


# --- clinical text -------------------------------------------------------------------------


def _counts(text: str) -> list:
    return [f.value["count"] for f in extract_facts(text) if f.kind == "prior_treatment"]


@pytest.mark.parametrize(
    "text",
    [
        "She has had -6 visits of acupuncture.",
        "She has had minus six sessions of massage.",
        "She had PT x -6 to date.",
        "She has had 10^26 visits of physical therapy.",
        "She has had 10**26 visits of physical therapy.",
        "She completed 100000000000000000000000000 visits of PT.",
        "Prior PT: 1e30 sessions.",
        "She completed 1,500 visits of chiropractic care.",
        "She has had 501 visits of PT.",
    ],
)
def test_an_implausible_count_in_the_records_is_not_read(text: str) -> None:
    assert _counts(text) == [None]  # the treatment is there; its count is not


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("She has had 12 visits of acupuncture.", 12),
        ("She has had 6-8 visits of acupuncture.", 8),
        ("She has had 6 - 8 visits of physical therapy.", 8),
        ("Acupuncture x6-8 to date.", 6),
        ("She has had 500 visits of PT over the life of the claim.", 500),
        ("Completed 6 of 12 authorized PT visits.", 6),
    ],
)
def test_ranges_and_real_counts_in_the_records_still_read(text: str, count: int) -> None:
    assert _counts(text) == [count]


NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(lambda n: (str(n), n)),
    st.integers(min_value=0, max_value=10**9).map(lambda n: (f"{n:,}", n)),
    # Powers, whatever their value: no count is written so ("2^2 visits" is not 2).
    st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)).map(lambda t: (f"{t[0]}^{t[1]}", 0)),
    st.tuples(st.integers(0, 99), st.integers(0, 10**5)).map(lambda t: (f"{t[0]}e{t[1]}", 0)),
)
TAILS = ["visits of PT", "sessions of acupuncture", "prior chiropractic visits"]


@settings(max_examples=300, deadline=None)
@given(NUMBERS, st.sampled_from(TAILS))
def test_any_number_in_the_records_is_read_only_if_it_can_be_real(number, tail) -> None:
    written, value = number
    counts = _counts(f"She has had {written} {tail} to date.")
    if value == 0:
        # "0 visits" says none were had (prior_treatment_none, no count); a zero written
        # otherwise ("0^1") is a count that cannot be read.
        facts = extract_facts(f"She has had {written} {tail} to date.")
        none_had = any(f.kind == "prior_treatment_none" for f in facts)
        assert (counts == [] and none_had) or counts == [None], written
        return
    assert counts == [value if 0 < value <= 500 else None], written


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789-−^*e,.x ", min_size=1, max_size=40), st.sampled_from(TAILS))
def test_any_characters_as_a_number_never_crash_nor_read_implausibly(number, tail) -> None:
    for count in _counts(f"She has had {number} {tail} to date."):
        assert count is None or 0 < count <= 500


@pytest.mark.parametrize("digits", [5000, 100_000])
def test_a_number_too_long_to_convert_is_refused_not_a_crash(digits: int) -> None:
    # Python refuses int() of over 4,300 digits: the check never converts such a number.
    assert numbers.written_value("9" * digits) == (numbers.HUGE, False)
    assert numbers.written_value("10^" + "9" * 50) == (numbers.HUGE, False)
    with pytest.raises(ImplausibleValue):
        parse_request(f"Acupuncture {'9' * digits} visits")
    assert _counts(f"She has had {'9' * digits} visits of PT.") == [None]
