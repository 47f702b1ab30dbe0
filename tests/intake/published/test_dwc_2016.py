"""The 2016-2017 layout, from a fixture written in it (invented text), and the DWC letters
of that time as an acceptance check."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from openimr.intake.case_file import case_from_record
from openimr.intake.published.reader import parse_letter_file, parse_letter_text

FIXTURE = Path(__file__).parent / "fixtures" / "layout_d_dwc_2016.txt"
DWC_2016 = Path(__file__).resolve().parents[4] / "shared" / "corpus" / "dwc-2016"


@pytest.fixture(scope="module")
def record():
    return parse_letter_file(FIXTURE)


def test_layout(record):
    assert record.layout == "dwc_2016"
    assert not record.truncated


def test_header_fields_share_lines_and_wrap(record):
    header = record.header
    assert header.case_number == "CM16-0999001"
    assert header.date_assigned == dt.date(2016, 12, 1)
    assert header.date_of_injury == dt.date(2016, 9, 14)
    assert header.decision_date == dt.date(2016, 12, 28)
    assert header.ur_denial_date == dt.date(2016, 11, 21)
    # "Priority: Standard Application" / "Received:" / "11/29/2016"
    assert header.priority == "Standard"
    assert header.application_received == dt.date(2016, 11, 29)


def test_reviewer_licensure_and_specialties(record):
    reviewer = record.reviewer
    assert reviewer.kind == "expert_reviewer"
    assert reviewer.licensure == ["Oregon", "California"]
    # The second specialty wraps over two lines.
    assert reviewer.specialties == [
        "Physical Medicine & Rehabilitation",
        "Sports Medicine & Injury Prevention",
    ]
    assert reviewer.board_certified


def test_items_decisions_and_wrapped_titles(record):
    assert [(item.request, item.decision) for item in record.items] == [
        ("Aquatic therapy six sessions for the lumbar spine", "Upheld"),
        # Title over two lines, the decision on a line of its own.
        (
            "Tramadol ER 100mg #30, dispensed on 11/02/2016 for the low back and left wrist, "
            "DOS: 11/02/2016",
            "Upheld",
        ),
        ("purchase of a wrist splint", "Overturned"),
    ]
    assert [item.number for item in record.items] == [1, 2, 3]


def test_partial_certification_remainder_authorized(record):
    partial = record.items[0].partial_certification
    assert partial.original_request == "Aquatic therapy ten sessions for the lumbar spine"
    assert partial.authorized == "Aquatic therapy four sessions for the lumbar spine"
    assert partial.remainder == "Aquatic therapy six sessions for the lumbar spine"
    assert record.items[1].partial_certification is None


def test_partial_certification_leaving_the_original_request_eligible(record):
    partial = record.items[2].partial_certification
    assert partial.original_request == "Purchase of a wrist splint"
    assert partial.authorized == "a wrist splint rental for 2 weeks"
    assert partial.remainder == "purchase of a wrist splint"


def test_the_partial_certification_appears_in_the_json(record):
    item = json.loads(record.model_dump_json())["items"][0]
    assert item["partial_certification"] == {
        "original_request": "Aquatic therapy ten sessions for the lumbar spine",
        "authorized": "Aquatic therapy four sessions for the lumbar spine",
        "remainder": "Aquatic therapy six sessions for the lumbar spine",
    }


def test_a_review_takes_the_remainder_as_the_request(record):
    case = case_from_record(record)
    assert case.requests[0].text == "Aquatic therapy six sessions for the lumbar spine"


def test_maximus_guideline_with_guideline_year_and_sections(record):
    (citation,) = record.items[0].reviewer_guideline.citations
    assert citation.basis == "mtus"
    ((cited),) = citation.guidelines
    assert cited.guideline == "Chronic Pain Medical Treatment"
    assert cited.year == 2016
    assert cited.sections == ["Aquatic therapy", "Physical medicine treatment"]
    numbered = record.items[1].reviewer_guideline.citations[0].guidelines[0]
    assert (numbered.guideline, numbered.year) == ("Opioid Treatment", 2016)
    assert numbered.sections == [
        "3.3 Opioids for Chronic Pain and Chronic Opioid Treatment: Monitoring"
    ]


def test_a_citation_of_two_guidelines(record):
    (citation,) = record.items[2].reviewer_guideline.citations
    assert [(g.guideline, g.year, g.sections) for g in citation.guidelines] == [
        ("Forearm, Wrist, and Hand Complaints", 2004, ["Initial Care"]),
        (
            "Chronic Pain Medical Treatment",
            2016,
            ["TENS, chronic pain (transcutaneous electrical nerve stimulation)"],
        ),
    ]


def test_claims_administrator_guideline_none_cited(record):
    guideline = record.items[1].claims_administrator_guideline
    assert guideline.none_cited and guideline.summary == "none cited"
    assert guideline.citations == []
    cited = record.items[0].claims_administrator_guideline
    assert cited.citations[0].guidelines[0].sections == ["Aquatic therapy"]


def test_guidelines_outside_the_mtus():
    text = FIXTURE.read_text().replace(
        "Claims Administrator guideline: The Claims Administrator did not cite any medical "
        "evidence \nfor its decision.",
        "Claims Administrator guideline: The Claims Administrator based their decision on \n"
        "recommendation(s) outside of the MTUS Guidelines. Decision based on Non-MTUS Citation \n"
        "Official Disability Guidelines (ODG), Pain.",
    )
    guideline = parse_letter_text(text).items[1].claims_administrator_guideline
    assert guideline.mtus_not_used
    assert [c.basis for c in guideline.citations] == ["non_mtus"]
    assert guideline.citations[0].text == "Official Disability Guidelines (ODG), Pain"


def test_opioid_tapering_notice_is_named_not_read_as_the_rationale(record):
    tramadol = record.items[1]
    assert tramadol.notices == ["opioid_tapering"]
    assert tramadol.rationale.endswith("The request for Tramadol ER is not medically necessary.")
    assert "Tapering" not in tramadol.rationale
    assert not tramadol.truncated
    assert record.items[0].notices == []


def test_rationales(record):
    assert record.items[0].rationale.startswith("The guidelines support aquatic therapy")
    assert record.items[2].rationale.endswith("The purchase is therefore medically necessary.")
    assert record.clinical_summary.startswith("The injured worker is a 52 year old female")


def test_the_same_letter_without_its_soft_wraps():
    """Text with no trailing spaces (a .txt file, a typeset PDF): the same items. (Without
    its soft wraps a title line ending "DOS:" reads as ended: that title keeps its last line.)"""
    text = "\n".join(line.rstrip() for line in FIXTURE.read_text().split("\n"))
    record = parse_letter_text(text)
    assert [(i.request, i.decision) for i in record.items] == [
        ("Aquatic therapy six sessions for the lumbar spine", "Upheld"),
        ("11/02/2016", "Upheld"),
        ("purchase of a wrist splint", "Overturned"),
    ]
    assert record.items[0].partial_certification.authorized == (
        "Aquatic therapy four sessions for the lumbar spine"
    )
    assert record.header.application_received == dt.date(2016, 11, 29)
    assert record.reviewer.specialties[1] == "Sports Medicine & Injury Prevention"


def _dwc_letters() -> list[dict]:
    path = DWC_2016 / "decisions.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.skipif(not _dwc_letters(), reason="shared/corpus/dwc-2016 is not here")
def test_every_dwc_2016_letter_reads_with_the_decisions_listed():
    """Decisions in order, titles (those of partially certified items are approximate in
    decisions.jsonl), case number and decision date."""
    wrong = []
    for expected in _dwc_letters():
        record = parse_letter_file(DWC_2016 / expected["file"])
        decisions = [item.decision for item in record.items]
        if decisions != [item["decision"] for item in expected["items"]]:
            wrong.append((expected["file"], decisions))
        elif any(
            item.partial_certification is None and item.request.lower() != want["title"].lower()
            for item, want in zip(record.items, expected["items"], strict=True)
        ):
            wrong.append((expected["file"], [item.request for item in record.items]))
        elif record.header.case_number != expected["case_number"]:
            wrong.append((expected["file"], record.header.case_number))
        elif str(record.header.decision_date) != expected["decision_date"]:
            wrong.append((expected["file"], record.header.decision_date))
    assert wrong == []


def test_the_fixture_typeset_as_a_pdf_reads_the_same(tmp_path, record):
    """Typeset with each line's trailing space kept, as the DWC's PDFs are: PDFium gives the
    same soft wraps back, and the letter reads as from its text."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    path = tmp_path / "letter.pdf"
    pdf = canvas.Canvas(str(path), pagesize=letter, invariant=1)
    y = letter[1] - 54
    for line in FIXTURE.read_text().split("\n"):
        if y < 54:
            pdf.showPage()
            y = letter[1] - 54
        pdf.setFont("Helvetica", 8.5)
        pdf.drawString(40, y, line)
        y -= 11
    pdf.save()
    from_pdf = parse_letter_file(path)
    assert from_pdf.model_dump(exclude={"source"}) == record.model_dump(exclude={"source"})
