"""The edition in force on the request's day decides the rule, its citation and the letter:
the UR decision date picks it when the case gives one, and a request over a limit is
decided whole (IMR cannot modify it)."""

from __future__ import annotations

import datetime as dt

from openimr.intake.case_file import intake_case
from openimr.intake.requests import parse_request
from openimr.letters.render import render_letter
from openimr.model import Case
from openimr.review.engine import review_case

TODAY = dt.date(2026, 1, 1)
SUMMARY = (
    "A 45 year old warehouse worker strained his low back lifting boxes. He has had no "
    "therapy yet. He has spasm and limited flexion and is on modified duty."
)


def _review(titles: list[str], **dates: dt.date):
    case = Case(
        case_id="editions-1",
        clinical_summary=SUMMARY,
        requests=[parse_request(title) for title in titles],
        **dates,
    )
    return case, review_case(intake_case(case), today=TODAY)


def test_a_2016_request_cites_the_2016_edition_of_a_carried_over_rule() -> None:
    _, result = _review(["Physical therapy 2x4 lumbar"], decision_date=dt.date(2017, 1, 20))
    (item,) = result.determination.items
    assert item.rule_id == "physical_therapy.cpmtg_2009"
    assert item.guideline.edition.startswith("2016")
    assert item.guideline.section == "Physical medicine treatment"
    assert item.guideline.verification.value == "V"
    assert "Chronic Pain Medical Treatment Guidelines" in item.rationale


def test_the_ur_decision_date_picks_the_edition_not_the_imr_decision() -> None:
    _, before = _review(
        ["Physical therapy 2x4 lumbar"],
        decision_date=dt.date(2016, 9, 1),
        ur_denial_date=dt.date(2016, 7, 20),
    )
    _, after = _review(
        ["Physical therapy 2x4 lumbar"],
        decision_date=dt.date(2016, 9, 1),
        ur_denial_date=dt.date(2016, 8, 2),
    )
    assert before.determination.items[0].guideline.edition == "May 2009"
    assert after.determination.items[0].guideline.edition.startswith("2016")
    assert before.determination.decision_date == dt.date(2016, 9, 1)
    assert "utilization review decision date" in before.date.basis


def test_the_acoem_era_routes_an_unencoded_topic_to_the_reviewer_with_the_reason() -> None:
    _, result = _review(["Massage therapy x6 lumbar"], decision_date=dt.date(2018, 3, 1))
    (item,) = result.determination.items
    assert item.rule_id == "massage.acoem_2017"
    assert item.decision is None and item.decided_by == "physician_judgement_required"
    assert "2017 ACOEM text for this topic is not encoded" in item.rationale


def test_the_letter_cites_the_edition_of_the_day_with_its_flag() -> None:
    case, result = _review(["Massage therapy x4 lumbar"], decision_date=dt.date(2017, 1, 20))
    letter = render_letter(result.determination, case, SUMMARY, "text")
    assert "Massage therapy" in letter
    assert "edition: 2016" in letter
    assert "verification: U, uncertain" in letter
    earlier = render_letter(
        _review(["Massage therapy x4 lumbar"], decision_date=dt.date(2015, 1, 20))[1].determination,
        case,
        SUMMARY,
        "text",
    )
    assert "edition: May 2009" in earlier and "verification: K" in earlier


def test_a_request_over_the_limit_is_upheld_whole() -> None:
    """Massage is limited to 6 visits: 12 requested are not cut to 6, the request is upheld
    whatever was given before."""
    _, result = _review(["12 massage visits lumbar"], decision_date=dt.date(2017, 1, 20))
    (item,) = result.determination.items
    assert item.decision == "Upheld"
    assert "goes beyond the guideline's limit" in item.rationale
    _, within = _review(["4 massage visits lumbar"], decision_date=dt.date(2017, 1, 20))
    assert "goes beyond" not in within.determination.items[0].rationale
