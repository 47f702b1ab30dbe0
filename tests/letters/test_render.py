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
    Record,
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
    assert '<tr class="not_documented depth-0">' in html and "<q>12 sessions</q>" in html
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


# What a physician reviewer sees (issue 8) -------------------------------------------------


def test_a_printed_html_letter_marks_every_page_as_a_draft():
    html = render_letter(_determination(), CASE, SUMMARY, "html")
    # A fixed element is printed on every page by browsers: shown in print, not on screen.
    assert '<div class="draft-watermark" aria-hidden="true">DRAFT</div>' in html
    print_rules = html[html.index("@media print") :]
    assert ".draft-watermark { display: block; position: fixed;" in print_rules
    signed = render_letter(_determination(signed=True), CASE, SUMMARY, "html")
    assert 'class="draft-watermark"' not in signed and "@top-center" not in signed


def _cells(html: str) -> dict[str, str]:
    """Criterion text -> its evidence cell, from the HTML criteria table."""
    import re

    rows = re.findall(r"<tr class=\"[a-z_]+ depth-\d\">(.*?)</tr>", html, re.DOTALL)
    cells = {}
    for row in rows:
        columns = re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)
        cells[columns[0]] = columns[2]
    return cells


def _item_with(criteria: list[Criterion]) -> Determination:
    determination = _determination()
    first = determination.items[0].model_copy(update={"criteria": criteria})
    return determination.model_copy(update={"items": [first, *determination.items[1:]]})


def test_evidence_column_quotes_met_and_not_met_criteria_and_gives_gaps_only_when_undocumented():
    quote = Evidence(text="home exercise program daily", start=0, end=27)
    criteria = [
        Criterion(id="a", text="Met with a quote.", status="met", evidence=[quote], gap="Stray."),
        Criterion(id="b", text="Not met, quoted.", status="not_met", evidence=[quote]),
        Criterion(
            id="c",
            text="Not documented.",
            status="not_documented",
            evidence=[Evidence(text="a partial mention", start=0, end=17)],
            gap="Document the home program.",
        ),
        Criterion(id="d", text="Met, no quote.", status="met", gap="Stray gap text."),
    ]
    cells = _cells(render_letter(_item_with(criteria), CASE, SUMMARY, "html"))
    assert "<q>home exercise program daily</q>" in cells["Met with a quote."]
    assert "Stray" not in cells["Met with a quote."]
    assert "<q>home exercise program daily</q>" in cells["Not met, quoted."]
    assert (
        "Gap:" in cells["Not documented."]
        and "Document the home program." in cells["Not documented."]
    )
    assert "a partial mention" not in cells["Not documented."]
    assert (
        "Stray gap text." not in cells["Met, no quote."] and "Gap:" not in cells["Met, no quote."]
    )


def test_a_quote_from_a_record_names_the_record():
    case = CASE.model_copy(
        update={"records": [Record(date=dt.date(2015, 4, 20), kind="progress note", text="x")]}
    )
    quote = Evidence(text="home exercise program", start=0, end=21, source="records[0]")
    criteria = [Criterion(id="a", text="Quoted.", status="met", evidence=[quote])]
    cells = _cells(render_letter(_item_with(criteria), case, SUMMARY, "html"))
    assert "(Progress note, April 20, 2015)" in cells["Quoted."]


def test_the_guideline_recommendation_is_not_a_criterion_row():
    statement = "Acupuncture is an option when pain medication is reduced or not tolerated."
    criteria = [
        Criterion(id="recommendation", text=statement, status="met"),
        Criterion(id="frequency", text="Treatments are given 1 to 3 times a week.", status="met"),
    ]
    html = render_letter(_item_with(criteria), CASE, SUMMARY, "html")
    assert statement not in _cells(html)
    assert list(_cells(html)) == ["Treatments are given 1 to 3 times a week."]


HEADED = Case(
    case_id="CM15-0101234",
    decision_date=dt.date(2015, 5, 26),
    ur_denial_date=dt.date(2015, 5, 4),
    patient={"date_of_injury": dt.date(2014, 9, 22)},
    clinical_summary=SUMMARY,
    records=[
        Record(date=dt.date(2015, 4, 20), kind="progress note", text="Neck pain."),
        Record(date=dt.date(2015, 1, 12), kind="imaging report", text="MRI."),
        Record(text="A note without a date or kind."),
    ],
    requests=[Request(text="6 Additional Acupuncture Sessions"), Request(text="Reiki x4")],
)


def test_the_header_gives_case_number_injury_and_ur_dates_and_the_documents_reviewed():
    text = render_letter(_determination(), HEADED, SUMMARY, "text")
    head = text[: text.index("HOW THE IMR FINAL DETERMINATION WAS MADE")]
    for line in (
        "Case number: CM15-0101234",
        "Date of injury: September 22, 2014",
        "UR denial date: May 4, 2015",
        "Decision date: March 2, 2015",
        "DOCUMENTS REVIEWED",
        "- Case file CM15-0101234, as submitted: the clinical case summary and the 2 disputed "
        "items",
        "- Imaging report, January 12, 2015",
        "- Progress note, April 20, 2015",
        "- Record (kind not stated), date not stated in the case file",
    ):
        assert line in " ".join(head.split()), line
    # in date order, undated last
    assert head.index("Imaging report") < head.index("Progress note") < head.index("Record (")
    html = render_letter(_determination(), HEADED, SUMMARY, "html")
    assert "<dt>Case number</dt><dd>CM15-0101234</dd>" in html
    assert "<dt>UR denial date</dt><dd>May 4, 2015</dd>" in html
    assert "<li>Progress note, April 20, 2015</li>" in html


def test_missing_header_values_say_so_rather_than_vanish():
    text = render_letter(_determination(), CASE, SUMMARY, "text")
    assert "Date of injury: Not stated in the case file" in text
    assert "UR denial date: Not stated in the case file" in text
    html = render_letter(_determination(), CASE, SUMMARY, "html")
    assert (
        '<dt>Date of injury</dt><dd><span class="not-stated">Not stated in the case file</span>'
        in html
    )
