"""Letters drafted end to end (case -> review -> letter), read as a physician reviewer
reads them: the guideline's statement once per item, and a summary for a case that has
only records."""

from __future__ import annotations

import datetime as dt
import html as html_module
import io
import re

import pytest

from openimr.intake.case_file import intake_case
from openimr.intake.requests import parse_request
from openimr.letters.render import render_letter
from openimr.model import Case, Record
from openimr.review.engine import default_pack, review_case
from tests.conftest import SEEDS

TODAY = dt.date(2026, 1, 1)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _review(titles: list[str], summary: str, **fields):
    case = Case(
        case_id="letter-1",
        decision_date=dt.date(2014, 6, 1),
        clinical_summary=summary,
        requests=[parse_request(title) for title in titles],
        **fields,
    )
    return case, review_case(intake_case(case), today=TODAY)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_each_guideline_statement_appears_once_per_item_in_every_format():
    from openimr.intake.case_file import load_case

    case = load_case(SEEDS / "002_1892e1ca490f3cac.txt")
    result = review_case(intake_case(case), today=TODAY)
    determination = result.determination
    from pypdf import PdfReader

    pdf = render_letter(determination, case, case.clinical_summary, "pdf")
    pdf_text = _flat(" ".join(_body(p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages))
    text = _flat(render_letter(determination, case, case.clinical_summary, "text"))
    html = _flat(
        html_module.unescape(render_letter(determination, case, case.clinical_summary, "html"))
    )
    assert len(determination.items) == 3
    for item in determination.items:
        statement = _flat(default_pack().rule(item.rule_id).statement)
        # the statement continues "According to <guideline>," so it starts in lower case
        probe = statement[1:70]
        for name, rendered in (("text", text), ("html", html), ("pdf", pdf_text)):
            assert rendered.count(probe) == 1, (name, item.request)


def _body(page: str) -> str:
    """A PDF page's text without what every page repeats (draft marks, page numbers), nor
    the list bullets pypdf extracts out of place."""
    lines = [line for line in page.splitlines() if line.strip() not in ("DRAFT", "•")]
    text = "\n".join(lines).replace("DRAFT: not signed by a physician reviewer", "")
    return re.sub(r"page \d+ of \d+", "", text)


RECORDS = [
    Record(
        date=dt.date(2015, 4, 20),
        kind="progress note",
        text=(
            "Neck pain radiates to the left triceps and middle finger. She completed 12 "
            "sessions of physical therapy and takes naproxen without lasting benefit. Exam: "
            "diminished left triceps reflex, decreased sensation in the left middle finger."
        ),
    ),
    Record(
        date=dt.date(2015, 1, 12),
        kind="imaging report",
        text=(
            "MRI cervical spine. Impression: at C6-7 there is a left foraminal disc "
            "protrusion with moderate left neural foraminal stenosis."
        ),
    ),
]


def test_a_case_with_only_records_gets_a_summary_assembled_from_them():
    case = Case(
        case_id="records-only",
        decision_date=dt.date(2015, 5, 26),
        records=RECORDS,
        requests=[parse_request("Cervical ESI C6-7 interlaminar under fluoroscopy")],
    )
    result = review_case(intake_case(case), today=TODAY)
    text = render_letter(
        result.determination, case, case.clinical_summary, "text", facts=result.facts
    )
    summary = _flat(
        text[text.index("CLINICAL CASE SUMMARY") : text.index("IMR ISSUES, DECISIONS AND")]
    )
    assert "assembled the outline below from the records" in summary
    imaging = summary.index("Imaging report, January 12, 2015:")
    progress = summary.index("Progress note, April 20, 2015:")
    assert imaging < progress  # date order, not file order
    assert "disc protrusion" in summary[imaging:progress]
    for fact in ("12 sessions of physical therapy", "naproxen", "reduced sensation"):
        assert fact in summary[progress:], fact
    # our words, not the records' sentences
    assert "Neck pain radiates to the left triceps" not in summary
    html = render_letter(result.determination, case, case.clinical_summary, "html")
    assert '<p class="assembled">' in html


def test_a_given_summary_is_used_as_it_is():
    summary = "The injured worker is a 45 year old woman with neck pain."
    case, result = _review(["4 massage visits lumbar"], summary, records=RECORDS)
    text = render_letter(result.determination, case, summary, "text")
    assert summary in text and "assembled the outline" not in text


def test_a_cap_the_request_alone_exceeds_shows_as_such_in_the_criteria_table():
    title = "Myofascial Release 1 x week x 4 months (16 visits) for the Lumbar Spine"
    case, result = _review(
        [title],
        "A 37 year old woman with low back pain has had an unspecified number of myofascial "
        "release treatments.",
    )
    html = html_module.unescape(
        render_letter(result.determination, case, case.clinical_summary, "html")
    )
    row = html[html.index("Limited to 4 to 6 visits") :]
    cell = row[: row.index("</tr>")]
    assert f"The request alone, “{title}”, is more than the 6 allowed in all" in cell
    assert "already received is not documented" not in cell


def test_a_cap_an_exception_could_lift_names_the_exception_in_the_table():
    title = "16 additional acupuncture sessions for the lumbar spine"
    case, result = _review(
        [title], "A 40 year old man with chronic low back pain does a home exercise program."
    )
    html = html_module.unescape(
        render_letter(result.determination, case, case.clinical_summary, "html")
    )
    table = html[html.index("<table") :]
    row = table[table.index("Functional improvement should show within 3 to 6") :]
    cell = _flat(re.sub(r"<[^>]+>", " ", row[: row.index("</tr>")]))
    assert "is more than the 6 allowed in all" in cell
    assert "Unless an exception is documented: Document functional improvement" in cell


def test_an_assembled_summary_says_a_denied_flare_is_none():
    records = [
        Record(
            kind="progress_note",
            date=dt.date(2015, 4, 20),
            text="Low back pain is stable, no flare-ups since the last visit. Naproxen 500 mg BID.",
        )
    ]
    case = Case(
        case_id="records-flare",
        decision_date=dt.date(2015, 5, 26),
        records=records,
        requests=[parse_request("Physical therapy 2x4 lumbar")],
    )
    result = review_case(intake_case(case), today=TODAY)
    text = _flat(render_letter(result.determination, case, "", "text", facts=result.facts))
    assert "no flare-up" in text
    assert "; a flare-up" not in text and ": a flare-up" not in text
