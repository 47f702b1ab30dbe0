"""The decision rationale as a reviewer reads it: the deciding reason first (a request over
a cap by itself), and sentences whose numbers agree."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from openimr.intake.case_file import intake_case
from openimr.intake.requests import parse_request
from openimr.model import Case
from openimr.review.engine import default_pack, review_case
from openimr.review.rationale import Explanation, unit_for, write_rationale

TODAY = dt.date(2026, 1, 1)


def _review(titles: list[str], summary: str):
    case = Case(
        case_id="rationale-1",
        decision_date=dt.date(2014, 6, 1),
        clinical_summary=summary,
        requests=[parse_request(title) for title in titles],
    )
    return review_case(intake_case(case), today=TODAY)


MASSAGE = "Myofascial Release 1 x week x 4 months (16 visits) for the Lumbar Spine"


def test_a_request_over_the_cap_by_itself_is_the_first_deciding_reason():
    result = _review(
        [MASSAGE],
        "A 37 year old woman with low back pain has had an unspecified number of myofascial "
        "release treatments.",
    )
    (review,) = result.items
    item = review.decision
    assert item.decision == "Upheld"
    assert review.deciding[0].id == "visits"
    rationale = item.rationale
    cap = "16 visits requested, more than the 6 allowed in all"
    assert cap in rationale
    # The first thing said after the guideline's statement is that 16 is over the cap.
    after = rationale[rationale.index("risks dependence.") + len("risks dependence.") :]
    first_sentence = after.strip().split(").")[0]
    assert first_sentence.startswith("The request by itself goes beyond the guideline's limit")
    assert cap in first_sentence
    # The history cannot change the outcome, so it is no gap to fill.
    assert "already received is not documented" not in rationale
    assert all("already received" not in gap for gap in item.documentation_gaps)


def test_over_the_cap_unless_an_exception_is_documented_names_the_exception():
    result = _review(
        ["16 additional acupuncture sessions for the lumbar spine"],
        "A 40 year old man with chronic low back pain has had acupuncture; he does a home "
        "exercise program daily.",
    )
    item = result.determination.items[0]
    assert "whatever treatment was given before, unless an exception is documented" in (
        item.rationale
    )
    assert any("functional improvement" in gap.lower() for gap in item.documentation_gaps)
    assert result.items[0].deciding[0].id == "trial_treatments"


@pytest.mark.parametrize(
    ("number", "unit", "expected"),
    [
        (1, "times a week", "time a week"),
        (3, "times a week", "times a week"),
        (1, "visits", "visit"),
        (1, "hours/week", "hour/week"),
        (1, "prior tests in 12 months", "prior test in 12 months"),
        (1, "full-day sessions", "full-day session"),
        (1, "mg MED/day", "mg MED/day"),
        (1.5, "times a week", "times a week"),
    ],
)
def test_units_agree_with_their_number(number, unit, expected):
    assert unit_for(number, unit) == expected


def test_no_plural_guideline_name_takes_a_singular_verb_and_one_time_is_singular():
    result = _review(
        ["Acupuncture 1 x week x 4 months (16 visits) for the Lumbar Spine"],
        "A 37 year old woman with low back pain; 8 acupuncture sessions so far.",
    )
    rationale = result.determination.items[0].rationale
    assert "1 time a week requested" in rationale and "1 times" not in rationale
    for rule in default_pack().rules:
        if rule.catch_all:
            continue
        text = write_rationale(rule, Explanation(), parse_request("6 visits"), False)
        assert text.startswith("According to "), rule.id
        assert not re.search(r"Guidelines\b[^.]*\) recommends\b", text), rule.id


@pytest.mark.parametrize(
    ("count", "subject"), [(1, "This criterion is"), (2, "These criteria are")]
)
def test_criteria_sentences_agree_with_how_many_there_are(count, subject):
    rule = default_pack().rule("massage.cpmtg_2009")
    explanation = Explanation(
        not_met=["a first thing", "a second thing"][:count],
        within_limits=["a limit", "another limit"][:count],
    )
    text = write_rationale(rule, explanation, parse_request("4 massage visits"), False)
    assert f"{subject} not met: " in text
    limit = "limit" if count == 1 else "limits"
    assert f"The request is within the guideline's {limit}: " in text
