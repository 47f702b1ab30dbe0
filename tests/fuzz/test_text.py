"""Plain-text case files and published letters: random text, and seed letters mutated."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import generators as g
from tests.fuzz.generators import FuzzInput
from tests.fuzz.harness import run_input
from tests.fuzz.known import check
from tests.fuzz.props import Family, fuzz_settings, params, run_family


def _overflowing_decision_date(rnd):
    text = g._text_case(rnd).split("\n")
    text = [line for line in text if not line.startswith("Decision date:")]
    text.insert(1, "Decision date: " + rnd.choice(g.OVERFLOWING_DATES))
    return FuzzInput("text", ".txt", "\n".join(text).encode())


FAMILIES = [
    Family("case-lines", lambda r: g.gen_text(r, "case"), 60),
    Family("case-bytes", lambda r: g.gen_text(r, "bytes"), 60),
    Family("case-random-lines", lambda r: g.gen_text(r, "random"), 60),
    Family("letter-as-case", lambda r: g.gen_text(r, "letter"), 30),
    Family("letter-valid", lambda r: g.gen_letter(r, "valid"), 5),
    Family("letter-lines", lambda r: g.gen_letter(r, "lines"), 120),
    Family("letter-bytes", lambda r: g.gen_letter(r, "bytes"), 100),
    Family("letter-random-lines", lambda r: g.gen_letter(r, "random"), 60),
    Family("overflowing-decision-date", _overflowing_decision_date, 10, "date_overflow"),
]


@pytest.mark.parametrize("family", params(FAMILIES))
def test_text_file(family, tmp_path):
    run_family(family, tmp_path)


@fuzz_settings(60)
@given(text=st.text(max_size=2000), target=st.sampled_from(["case", "letter"]))
def test_any_text(tmp_path_factory, text, target):
    data = text.encode("utf-8", "surrogatepass")
    outcome = run_input(
        FuzzInput("text", ".txt", data, target=target), tmp_path_factory.mktemp("t")
    )
    check(outcome)


@fuzz_settings(60)
@given(data=st.binary(max_size=2000), target=st.sampled_from(["case", "letter"]))
def test_any_bytes(tmp_path_factory, data, target):
    outcome = run_input(
        FuzzInput("text", ".txt", data, target=target), tmp_path_factory.mktemp("b")
    )
    check(outcome)


def _huge(rnd):
    """A case file of just over 1,000,000 characters (one example: it takes seconds)."""
    size = rnd.randrange(1_000_001, 1_050_000)
    text = ("Low back pain after a fall. " * (size // 28 + 1))[:size]
    case = {"case_id": "big", "clinical_summary": text, "requests": [{"text": "MRI lumbar"}]}
    return FuzzInput("json", ".json", json.dumps(case).encode())


@pytest.mark.parametrize(
    "family", params([Family("over-1m-characters", _huge, 1, "case_over_spacy_max_length")])
)
def test_huge_case(family, tmp_path):
    run_family(family, tmp_path)
