"""From a Case to the determination: rule, criteria with evidence, decision, gaps."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.intake.case_file import intake_case
from openimr.intake.requests import parse_request
from openimr.model import Case, Record
from openimr.review.contract import determination_json, dumps
from openimr.review.engine import review_case

TODAY = dt.date(2026, 1, 1)

SUMMARY = (
    "The injured worker is a 52 year old man who hurt his low back lifting a pallet on "
    "March 3, 2013. He has completed 12 sessions of physical therapy and 8 acupuncture "
    "treatments. Acupuncture gave 50% pain relief, and he has been able to return to "
    "full duty and reduce his use of Norco. He performs a home exercise program daily. "
    "Straight leg raise is positive on the left. An MRI of the lumbar spine showed a "
    "disc protrusion at L5-S1 contacting the left S1 nerve root."
)


def _review(titles, summary=SUMMARY, **case_fields):
    from openimr.intake.requests import parse_request

    case = Case(
        case_id="written-1",
        clinical_summary=summary,
        requests=[parse_request(title) for title in titles],
        **case_fields,
    )
    return case, review_case(intake_case(case), today=TODAY)


def test_decision_date_comes_from_the_case_then_from_its_latest_event():
    _, result = _review(["6 massage visits lumbar"], decision_date=dt.date(2014, 2, 1))
    assert result.date.date == dt.date(2014, 2, 1)
    assert result.date.basis == "the case's decision date"
    _, result = _review(["6 massage visits lumbar"])
    assert result.date.date == dt.date(2013, 3, 3)
    assert "latest dated event" in result.date.basis
    _, result = _review(["6 massage visits lumbar"], summary="Low back pain.")
    assert result.date.date == TODAY and result.date.basis.startswith("today")


def test_the_date_of_injury_never_becomes_the_decision_date():
    summary = "Date of injury: 03/03/2013. Low back pain with spasm; no other history given."
    _, result = _review(["6 massage visits lumbar"], summary=summary)
    assert result.date.date == TODAY and result.date.basis.startswith("today")
    later = summary + " Seen again on 04/05/2014."
    _, result = _review(["6 massage visits lumbar"], summary=later)
    assert result.date.date == dt.date(2014, 4, 5)


def test_a_date_of_injury_given_by_the_case_file_is_a_fact():
    case = Case(
        case_id="doi",
        clinical_summary="Low back pain.",
        requests=[],
        patient={"date_of_injury": dt.date(2012, 1, 5)},
    )
    facts = intake_case(case).facts
    (doi,) = [f for f in facts if f.kind == "date_of_injury"]
    assert doi.value == dt.date(2012, 1, 5) and doi.evidence == []


def test_every_item_is_decided_or_sent_to_physician_judgement():
    _, result = _review(
        ["6 massage visits lumbar", "Reiki sessions x 4"], decision_date=dt.date(2014, 6, 1)
    )
    massage, reiki = result.determination.items
    assert massage.decided_by == "rule" and massage.decision in ("Upheld", "Overturned")
    assert reiki.decision is None and reiki.decided_by == "physician_judgement_required"
    assert reiki.medically_necessary is None
    assert "physician reviewer decides" in reiki.rationale


def test_massage_as_an_adjunct_within_the_limit_is_overturned_with_evidence():
    case, result = _review(["4 massage therapy visits lumbar"], decision_date=dt.date(2014, 6, 1))
    (item,) = result.determination.items
    assert item.decision == "Overturned" and item.medically_necessary is True
    assert item.rule_id.startswith("massage.")
    assert item.rationale.endswith("is medically necessary and appropriate.")
    assert item.documentation_gaps == []
    quoted = [e for c in item.criteria for e in c.evidence]
    assert quoted, "a met criterion carries its evidence"
    for evidence in quoted:
        assert case.clinical_summary[evidence.start : evidence.end] == evidence.text


def test_an_upheld_item_names_its_gaps():
    _, result = _review(
        ["Lumbar epidural steroid injection L5-S1"],
        summary="The patient has chronic low back pain since 2012. No imaging is available.",
        decision_date=dt.date(2014, 6, 1),
    )
    (item,) = result.determination.items
    assert item.decision == "Upheld"
    assert item.documentation_gaps
    assert "not medically necessary and appropriate." in item.rationale


def test_records_are_read_and_evidence_points_into_them():
    record = Record(
        date=dt.date(2014, 5, 1), kind="progress note", text="Home exercise program daily."
    )
    _, result = _review(["4 massage visits lumbar"], summary="Low back pain.", records=[record])
    assert result.date.date == dt.date(2014, 5, 1)
    (item,) = result.determination.items
    evidence = [e for c in item.criteria for e in c.evidence if e.source == "records[0]"]
    assert evidence and record.text[evidence[0].start : evidence[0].end] == evidence[0].text


def test_same_case_same_pack_byte_identical_json():
    case, first = _review(["8 acupuncture sessions lumbar"])
    second = review_case(intake_case(case), today=TODAY)
    one = dumps(determination_json(first.determination, date_basis=first.date.basis))
    two = dumps(determination_json(second.determination, date_basis=second.date.basis))
    assert one == two
    assert first.determination.input_sha256 == second.determination.input_sha256


def test_json_contract_keys():
    _, result = _review(["8 acupuncture sessions lumbar"], decision_date=dt.date(2014, 6, 1))
    document = determination_json(result.determination, date_basis=result.date.basis)
    assert list(document)[:5] == [
        "case_id",
        "decision_date",
        "pack_version",
        "input_sha256",
        "items",
    ]
    item = document["items"][0]
    assert list(item) == [
        "request",
        "service",
        "decision",
        "medically_necessary",
        "decided_by",
        "rule_id",
        "guideline",
        "criteria",
        "rationale",
        "documentation_gaps",
    ]
    assert {"hierarchy_level", "title", "section", "pages", "edition"} <= set(item["guideline"])
    for criterion in item["criteria"]:
        assert criterion["status"] in ("met", "not_met", "not_documented")
        assert {"id", "text", "status", "evidence"} <= set(criterion)


@pytest.mark.parametrize(
    ("day", "edition_word"), [(dt.date(2014, 6, 1), "2009"), (dt.date(2018, 6, 1), "2017")]
)
def test_the_edition_in_force_on_the_decision_date_is_used(day, edition_word):
    _, result = _review(["8 acupuncture sessions lumbar"], decision_date=day)
    (item,) = result.determination.items
    assert edition_word in item.guideline.edition


@pytest.mark.parametrize(
    ("surgery", "postsurgical"), [("April 20, 2014", True), ("April 20, 2011", False)]
)
def test_physical_therapy_soon_after_surgery_is_read_as_postsurgical(surgery, postsurgical):
    summary = (
        "A 61 year old woman underwent a right total knee arthroplasty on "
        f"{surgery}. She walks with a cane and has limited knee flexion."
    )
    _, result = _review(["PT 2x6 right knee"], summary=summary, decision_date=dt.date(2014, 6, 1))
    (item,) = result.determination.items
    assert item.rule_id.startswith("postsurgical") is postsurgical


def test_an_item_waiting_on_a_physician_assessed_criterion_goes_to_the_reviewer():
    import dataclasses

    from openimr.review.engine import default_pack

    pack = default_pack()
    # Every predicate of the acupuncture rule's indication is left to the reviewer.
    assessed = {
        name: definition.model_copy(
            update={"answered_by": None, "physician_assessed": "for this test"}
        )
        for name, definition in pack.predicates.items()
        if name in {"medication_reduced_or_not_tolerated", "active_therapy_concurrent"}
    }
    judged = dataclasses.replace(pack, predicates={**pack.predicates, **assessed})
    case = Case(
        case_id="reviewer-1",
        decision_date=dt.date(2014, 2, 1),
        clinical_summary="Low back pain since a fall at work. No acupuncture so far.",
        requests=[parse_request("6 acupuncture sessions lumbar")],
    )
    item = review_case(intake_case(case), pack=judged, today=TODAY).determination.items[0]
    assert item.decision is None and item.decided_by == "physician_judgement_required"
    assert "the physician reviewer assesses" in item.rationale
    statuses = {c.id: c.status.value for c in item.criteria}
    assert statuses["indication"] == "needs_reviewer"
    # Over the trial limit, the item is Upheld whatever the reviewer would find.
    case = case.model_copy(update={"requests": [parse_request("12 acupuncture sessions lumbar")]})
    item = review_case(intake_case(case), pack=judged, today=TODAY).determination.items[0]
    assert item.decision == "Upheld"
