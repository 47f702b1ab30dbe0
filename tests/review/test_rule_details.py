"""Rule details the guideline sets and the QA report found stricter or looser (P11, P12):
each checked end to end, from a title and a short passage to the criteria."""

from __future__ import annotations

import datetime as dt

import pytest
from bench.predicates import answer

from openimr.intake.case_file import intake_case
from openimr.intake.requests import parse_request
from openimr.model import Case
from openimr.review.engine import review_case

TODAY = dt.date(2026, 1, 1)


def _item(title: str, summary: str, day: str = "2015-06-01"):
    case = Case(
        case_id="detail",
        decision_date=dt.date.fromisoformat(day),
        clinical_summary=summary,
        requests=[parse_request(title)],
    )
    return review_case(intake_case(case), today=TODAY).determination.items[0]


@pytest.mark.parametrize(
    ("title", "service"),
    [
        ("Physical therapy 2x4 lumbar per RFA dated 3/2/2015", "physical_therapy"),
        ("RFA for chiropractic manipulation x6", "chiropractic"),
        ("Lumbar RFA at L4-5 and L5-S1", "radiofrequency_neurotomy"),
        ("Paroxetine 20 mg #30", "antidepressant"),
    ],
)
def test_rfa_as_a_request_form_is_not_radiofrequency_ablation(title: str, service: str) -> None:
    assert parse_request(title).service == service


def test_an_ssri_is_held_to_the_ssri_rule_not_the_tricyclic_one() -> None:
    item = _item(
        "Paroxetine 20 mg #30", "Chronic low back pain for two years, radiating to the leg."
    )
    assert item.rule_id == "antidepressants.ssri_cpmtg_2009"
    assert item.decision == "Upheld"


@pytest.mark.parametrize(
    "text",
    [
        "Urine drug screen on 04/02/2015 was consistent with the prescribed hydrocodone.",
        "CURES report reviewed today: single prescriber, no early refills.",
    ],
)
def test_a_consistent_screen_or_clean_cures_report_is_no_reason_to_stop(text: str) -> None:
    statement = {"id": "t", "request": "Norco 10/325 #90", "decision_date": "2015-06-01"}
    assert answer("opioid_discontinuation_reason", {**statement, "text": text}) is False
    assert answer("opioid_aberrant_behaviour_monitored", {**statement, "text": text}) is True


def test_cures_showing_other_prescribers_is_a_reason_to_stop() -> None:
    statement = {"id": "t", "request": "Norco 10/325 #90", "decision_date": "2015-06-01"}
    text = "The CURES report shows multiple prescribers over the last quarter."
    assert answer("opioid_discontinuation_reason", {**statement, "text": text}) is True


def test_a_diagnosis_allowance_does_not_apply_to_a_diagnosis_it_does_not_name() -> None:
    item = _item(
        "Physical therapy 6 visits for the right knee",
        "Right knee patellofemoral pain after a fall. Exam: quadriceps strength 4/5 and knee "
        "flexion to 100 degrees. No physical therapy so far.",
    )
    ids = {c.id for c in item.criteria}
    assert not {"course_myalgia", "course_neuralgia", "course_crps"} & ids


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Twenty physical therapy visits before the operation; none since the arthroscopy.", 0),
        ("She had PT x18 last year. Post-op PT: 4 visits so far after the repair.", 4),
        ("Pre-operative therapy x12 failed. He has not started therapy after surgery.", 0),
    ],
)
def test_a_postsurgical_course_counts_the_therapy_since_the_operation(text: str, expected) -> None:
    statement = {"id": "t", "request": "Post-op physical therapy 2x6 right shoulder",
                 "decision_date": "2015-06-01", "text": text}  # fmt: skip
    assert answer("prior_sessions_same_modality", statement) == expected


def test_outside_a_postsurgical_course_every_visit_counts() -> None:
    statement = {"id": "t", "request": "Physical therapy 2x6 right shoulder",
                 "decision_date": "2015-06-01",
                 "text": "She had PT x18 in 2014 and post-op PT x4 after the repair."}  # fmt: skip
    assert answer("prior_sessions_same_modality", statement) == 22


@pytest.mark.parametrize(
    ("title", "also"),
    [
        ("MRI and EMG of the lumbar spine", ["EMG"]),
        ("Acupuncture/chiropractic x6 for the neck", ["chiropractic"]),
        ("Norco 10/325 #60 and Soma 350 mg #30", ["Soma"]),
        ("Hydrocodone/acetaminophen 10/325 #90", []),
        ("Hand surgeon consultation for carpal tunnel release", []),
        ("Right L5-S1 transforaminal ESI under fluoroscopy", []),
        ("TENS unit with supplies, purchase", []),
        ("PT/OT 12 sessions for the left hand", []),
    ],
)
def test_a_title_naming_several_items_is_read_as_such(title: str, also: list[str]) -> None:
    assert parse_request(title).also_names == also


def test_a_title_asking_for_several_items_goes_to_the_reviewer_to_split() -> None:
    item = _item("Physical therapy and acupuncture for the low back", "Low back pain.")
    assert item.decision is None and item.decided_by == "physician_judgement_required"
    assert "splits the request" in item.rationale
