"""The other published layouts, from fixtures written in those layouts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from openimr.intake.published.reader import detect_layout, parse_letter_file, parse_letter_text

FIXTURES = Path(__file__).parent / "fixtures"


def test_header_block_layout():
    record = parse_letter_file(FIXTURES / "layout_a_header_block.txt")
    assert record.layout == "header_block"
    header = record.header
    assert header.case_number == "CM14-0087412"
    assert header.date_assigned == dt.date(2014, 6, 30)
    assert header.ur_denial_date == dt.date(2014, 6, 9)
    assert header.application_received == dt.date(2014, 6, 20)
    assert header.claim_number == "WC-55-01923"
    assert [(i.request, i.decision) for i in record.items] == [
        ("Post-operative physical therapy 2 x 6 for the right shoulder", "Overturned"),
        ("TENS unit purchase", "Upheld"),
    ]
    assert record.items[1].non_mtus_citations == [
        "Official Disability Guidelines (ODG) Shoulder, TENS"
    ]
    assert record.reviewer.specialties == ["Orthopaedic Surgery"]
    assert record.patient.age == 48 and record.patient.sex == "male"
    assert not record.truncated


def test_maximus_notice_layout():
    record = parse_letter_file(FIXTURES / "layout_b_maximus_notice.txt")
    assert record.layout == "maximus_notice"
    assert record.header.case_number == "CM13-0031877"
    assert record.header.letter_date == dt.date(2013, 10, 14)
    assert record.header.date_of_injury == dt.date(2012, 4, 2)
    # Each item is named twice (decision list, then details); it is one item.
    assert [(i.request, i.decision) for i in record.items] == [
        ("12 sessions of chiropractic care for the lumbar spine", "Upheld"),
        ("MRI of the lumbar spine", "Overturned"),
    ]
    chiropractic = record.items[0]
    assert chiropractic.claims_administrator_guideline.citations[0].pages == "58-60"
    assert chiropractic.rationale.startswith("For low back pain")
    assert record.reviewer.kind == "physician_reviewer"
    assert record.reviewer.specialties == ["Physical Medicine and Rehabilitation", "Pain Medicine"]
    assert record.reviewer.licensure == ["California"]
    assert "Utilization Review Determination" in record.documents_reviewed
    assert record.clinical_summary.startswith("The applicant is a 34-year-old woman")
    assert not record.truncated


def test_issue_at_dispute_layout():
    record = parse_letter_file(FIXTURES / "layout_c_issue_at_dispute.txt")
    assert record.layout == "issue_at_dispute"
    assert record.header.case_number == "CM13-0004410"
    assert record.header.ur_denial_date == dt.date(2013, 6, 27)
    (item,) = record.items
    assert item.request == "aquatic therapy, 2 times a week for 6 weeks, for the low back"
    assert item.decision == "Upheld"
    assert item.reviewer_guideline.citations[0].pages == "22"
    assert item.rationale.endswith("not medically necessary for him.")
    assert record.reviewer.licensure == ["California", "Arizona"]
    assert record.reviewer.specialties == ["Family Medicine"]
    assert "1. Application for Independent Medical Review" in record.documents_reviewed
    assert record.patient.date_of_injury == dt.date(2010, 1, 7)


def test_compact_and_double_spaced_forms_give_the_same_items():
    compact = (FIXTURES / "layout_a_header_block.txt").read_text()
    double_spaced = "\n\n".join(compact.split("\n"))
    a, b = parse_letter_text(compact), parse_letter_text(double_spaced)
    assert [(i.request, i.decision, i.rationale) for i in a.items] == [
        (i.request, i.decision, i.rationale) for i in b.items
    ]


@pytest.mark.parametrize(
    "title_line, title, decision",
    [
        ("Lidoderm 5% patch #30:  Upheld", "Lidoderm 5% patch #30", "Upheld"),
        ("1. Norco 10/325 #120 - OVERTURNED", "Norco 10/325 #120", "Overturned"),
        ("Retrospective request for a urine drug screen: Overturned.", None, "Overturned"),
    ],
)
def test_item_header_forms(title_line, title, decision):
    text = (
        "HOW THE IMR FINAL DETERMINATION WAS MADE\nboilerplate\n"
        "IMR ISSUES, DECISIONS AND RATIONALES\n"
        f"{title_line}\nDecision rationale: The request is not medically necessary.\n"
    )
    (item,) = parse_letter_text(text).items
    assert item.decision == decision
    if title:
        assert item.request == title


def test_layout_detection_falls_back():
    assert detect_layout("nothing here") == "unrecognised"
    assert detect_layout("HOW THE IMR FINAL DETERMINATION WAS MADE") == "standard"


LONG_TITLE = (
    "Retrospective request for Lidoderm 5% patches #30 dispensed on 03/04/2014 for the lumbar"
)


@pytest.mark.parametrize("blank_lines", [True, False])
def test_a_title_wrapped_over_two_lines_is_one_title(blank_lines):
    text = (FIXTURES / "layout_a_header_block.txt").read_text()
    text = text.replace("TENS unit purchase:  Upheld", f"{LONG_TITLE}\nspine:  Upheld")
    if not blank_lines:  # as a PDF's text comes: no blank lines at all
        text = "\n".join(line for line in text.split("\n") if line.strip())
    record = parse_letter_text(text)
    assert [item.request for item in record.items] == [
        "Post-operative physical therapy 2 x 6 for the right shoulder",
        f"{LONG_TITLE} spine",
    ]
    assert record.items[0].rationale.endswith("medically necessary and appropriate.")
    assert not record.truncated


def test_a_truncated_rationale_does_not_lend_its_end_to_the_next_title():
    text = (FIXTURES / "layout_a_header_block.txt").read_text()
    text = text.replace(
        "period. The further 12 visits stay within the general course. Therefore, the request for\n"
        "post-operative physical therapy 2 x 6 for the right shoulder is medically necessary and\n"
        "appropriate.\n",
        "period. The further 12 visits stay within the general course. Therefore, the request is\n",
    )
    text = "\n".join(line for line in text.split("\n") if line.strip())
    record = parse_letter_text(text)
    assert record.items[1].request == "TENS unit purchase"
    assert record.items[0].truncated
