"""The letter keeps the seeds' structure, and says it is a draft until signed."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from openimr.letters.render import DRAFT_NOTICE, render_letter
from openimr.model import (
    Case,
    Citation,
    Criterion,
    Determination,
    Evidence,
    ItemDecision,
    Request,
    Reviewer,
)

SUMMARY = "The worker is a 50 year old woman with neck pain.\n\nShe had <12> sessions & more."
SECTIONS = (
    "HOW THE IMR FINAL DETERMINATION WAS MADE",
    "CLINICAL CASE SUMMARY",
    "IMR ISSUES, DECISIONS AND RATIONALES",
)


def _determination(signed: bool = False, reviewer: Reviewer | None = None) -> Determination:
    return Determination(
        case_id="case-7",
        decision_date=dt.date(2015, 3, 2),
        pack_version="mtus 0.1.0",
        input_sha256="a" * 64,
        signed=signed,
        reviewer=reviewer,
        items=[
            ItemDecision(
                request="6 Additional Acupuncture Sessions",
                service="acupuncture",
                decision="Upheld",
                medically_necessary=False,
                decided_by="rule",
                rule_id="acupuncture.amtg_2009",
                guideline=Citation(guideline="MTUS Acupuncture Medical Treatment Guidelines"),
                criteria=[
                    Criterion(
                        id="functional_improvement",
                        text="Functional improvement is documented.",
                        status="not_documented",
                        gap="Document functional improvement.",
                    ),
                    Criterion(
                        id="prior",
                        text="Sessions so far.",
                        status="met",
                        evidence=[Evidence(text="12 sessions", start=0, end=11)],
                    ),
                ],
                rationale="Therefore, the request is not medically necessary and appropriate.",
                documentation_gaps=["Document functional improvement."],
            ),
            ItemDecision(
                request="Reiki x4",
                service="unknown",
                decision=None,
                medically_necessary=None,
                decided_by="physician_judgement_required",
                rationale="No rule covers this service.",
            ),
        ],
    )


CASE = Case(
    case_id="case-7",
    clinical_summary=SUMMARY,
    requests=[
        Request(
            text="6 Additional Acupuncture Sessions",
            claims_administrator_guideline="MTUS Acupuncture Medical Treatment Guidelines",
        ),
        Request(text="Reiki x4"),
    ],
)


def test_text_letter_has_every_section_and_item():
    text = render_letter(_determination(), CASE, SUMMARY, "text")
    positions = [text.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    assert "1. 6 Additional Acupuncture Sessions:  Upheld" in text
    assert "2. Reiki x4:  Referred for physician judgement" in text
    assert "Claims Administrator guideline: MTUS Acupuncture" in text
    assert "Not stated in the case file." in text
    assert "Document functional improvement." in text


def test_unsigned_letters_say_they_are_drafts_and_signed_ones_do_not():
    draft = render_letter(_determination(), CASE, SUMMARY, "text")
    assert draft.startswith("*** DRAFT") and "not signed by a physician reviewer" in draft
    signed = render_letter(_determination(signed=True), CASE, SUMMARY, "text")
    assert "DRAFT" not in signed and DRAFT_NOTICE.split()[0] not in signed.split("\n")[0]


def test_reviewer_credentials_appear_when_given():
    reviewer = Reviewer(
        kind="physician_reviewer",
        specialties=["Occupational Medicine"],
        licensure=["California"],
        board_certified=True,
    )
    text = render_letter(_determination(reviewer=reviewer), CASE, SUMMARY, "text")
    assert "board certified in Occupational Medicine" in " ".join(text.split())
    assert "licensed to practise in California" in " ".join(text.split())


def test_html_escapes_case_text_and_lists_criteria():
    html = render_letter(_determination(), CASE, SUMMARY, "html")
    assert "&lt;12&gt; sessions &amp; more" in html
    assert '<tr class="not_documented">' in html and "<q>12 sessions</q>" in html
    assert 'class="draft"' in html


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_pdf_holds_every_section():
    from pypdf import PdfReader

    pdf = render_letter(_determination(), CASE, SUMMARY, "pdf")
    assert pdf[:5] == b"%PDF-"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.split()).lower()
    for section in SECTIONS:
        assert section.lower() in flat
    assert "draft" in flat and "6 additional acupuncture sessions" in flat
