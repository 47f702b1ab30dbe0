"""Items that follow another: care that exists for an operation in dispute, and drugs asked
for without their quantity (review/dependent.py, review/supply.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.intake.case_file import intake_case
from openimr.intake.requests import parse_request
from openimr.model import Case
from openimr.review.engine import review_case

TODAY = dt.date(2026, 1, 1)
DAY = dt.date(2017, 2, 10)

KNEE = (
    "The injured worker is a 50-year-old man who twisted his right knee at work on "
    "11/20/2016. He has had rest and medications; no physical therapy has been tried. The "
    "surgeon recommends arthroscopy. Utilization review denied the requests on 1/5/2017."
)
SHOULDER = (
    "The injured worker is a 38-year-old woman who dislocated her left shoulder at work in "
    "August 2016. It has slipped out of the socket four more times since, and eight sessions "
    "of physical therapy have not helped. On examination of the left shoulder the "
    "apprehension and relocation tests are positive. The surgeon plans an arthroscopic "
    "stabilisation. Utilization review denied the requests on 1/5/2017."
)


def _items(summary: str, titles: list[str]):
    case = Case(
        case_id="t",
        decision_date=DAY,
        clinical_summary=summary,
        requests=[parse_request(t) for t in titles],
    )
    return review_case(intake_case(case), today=TODAY).determination.items


def test_care_for_an_operation_that_is_upheld_is_upheld_with_it():
    operation, therapy, assistant = _items(
        KNEE,
        [
            "Right knee arthroscopic partial meniscectomy",
            "Post-operative physical therapy right knee x12",
            "Assistant surgeon",
        ],
    )
    assert operation.decision == "Upheld"
    for item in (therapy, assistant):
        assert item.decision == "Upheld"
        assert item.criteria[0].id == "operation_necessary"
        assert item.criteria[0].status == "not_met"
        assert "goes with the operation" in item.rationale


def test_care_for_an_operation_that_is_overturned_keeps_its_own_rule():
    operation, therapy = _items(
        SHOULDER,
        [
            "Left shoulder arthroscopic Bankart repair",
            "Associated surgical service: physical therapy, times 12",
        ],
    )
    assert operation.decision == "Overturned"
    assert therapy.decision == "Overturned"
    assert all(c.id != "operation_necessary" for c in therapy.criteria)


def test_the_same_care_without_an_operation_in_dispute_is_decided_by_its_rule():
    (therapy,) = _items(KNEE, ["Post-operative physical therapy right knee x12"])
    assert all(c.id != "operation_necessary" for c in therapy.criteria)


@pytest.mark.parametrize(
    ("title", "stated"),
    [
        ("Post-op Percocet 5/325mg", False),
        ("Naproxen 550mg", False),
        ("Naproxen 550mg #60", True),
        ("Ketoprofen 20% cream 240 grams", True),
        ("Norco 10/325mg 1 tab q6h x 30 days", True),
    ],
)
def test_a_drug_asked_for_without_its_quantity_is_upheld(title, stated):
    summary = (
        "The injured worker is a 45-year-old man with low back pain since a lifting injury on "
        "10/1/2016. Utilization review denied the request on 1/5/2017."
    )
    (item,) = _items(summary, [title])
    missing = [c for c in item.criteria if c.id == "supply_stated"]
    if stated:
        assert missing == []
    else:
        assert item.decision == "Upheld"
        assert missing and missing[0].status == "not_documented"
        assert any("quantity" in gap for gap in item.documentation_gaps)


def test_care_for_an_operation_the_reviewer_decides_waits_for_that_decision():
    summary = (
        "The injured worker is a 59-year-old man with an umbilical hernia from lifting at work "
        "on 10/12/2016. Repair is scheduled. Utilization review denied the requests on "
        "12/21/2016."
    )
    operation, opioid = _items(summary, ["Umbilical hernia repair", "Post-op Norco 5/325mg #40"])
    assert operation.decision is None
    assert opioid.decision is None
    assert opioid.decided_by == "physician_judgement_required"
    assert opioid.criteria[0].status == "needs_reviewer"
