"""From a case's stored documents to the engine's draft, and from the reviewer's decisions
to the signed determination and its letters. The engine itself is unchanged: the service
builds the case file it reads."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openimr.errors import UserError
from openimr.intake.case_file import case_from_data, intake_case
from openimr.intake.documents import raw_document_text
from openimr.letters.render import render_letter
from openimr.model import OVERTURNED, Determination, ItemDecision, Reviewer
from openimr.review.contract import determination_json
from openimr.review.engine import CaseReview, review_case
from openimr.service.tables import CaseRow
from openimr.service.workflow import workflow

TEXT_TYPES = {"text/plain": ".txt", "application/pdf": ".pdf"}


def document_text(content: bytes, filename: str, media_type: str) -> str:
    """The text of an uploaded document, read as intake reads a file of that kind (PDF text by
    PDFium, plain text as UTF-8 else Windows-1252); its kind by name, else by media type."""
    suffix = Path(filename).suffix.lower()
    if suffix not in (".txt", ".pdf"):
        suffix = TEXT_TYPES.get(media_type.split(";")[0].strip(), "")
    if not suffix:
        raise UserError(
            f"file: {filename!r} ({media_type}) is neither text nor PDF; upload .txt or .pdf"
        )
    try:
        return raw_document_text(content, suffix, filename)
    except UserError as exc:
        raise UserError(f"file: {exc}") from None


def documents_sha256(row: CaseRow) -> str:
    """What the draft depends on: the documents (by content, kind and date), the items and the
    dates the application gives. The same inputs give the same draft."""
    application = row.applications[0].payload if row.applications else {}
    key = {
        "documents": sorted(
            (d.sha256, d.kind, d.date.isoformat() if d.date else "") for d in row.documents
        ),
        "items": [i.request for i in row.items],
        "date_of_injury": application.get("date_of_injury"),
        "ur_decision_date": application.get("ur_decision_date"),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def case_file(row: CaseRow) -> dict[str, Any]:
    """The case file the engine reads: the clinical documents as records, a prepared case
    summary as the clinical summary, the items as requests."""
    application = row.applications[0].payload if row.applications else {}
    clinical = set(workflow().clinical_document_kinds)
    summaries = [d.text for d in row.documents if d.kind == "case_summary"]
    records = [
        {"date": d.date.isoformat() if d.date else None, "kind": d.kind, "text": d.text}
        for d in row.documents
        if d.kind in clinical and d.kind != "case_summary"
    ]
    return {
        "case_id": row.id,
        "ur_denial_date": application.get("ur_decision_date"),
        "date_of_injury": application.get("date_of_injury"),
        "clinical_summary": "\n\n".join(summaries),
        "records": records,
        "requests": [{"text": i.request} for i in row.items],
    }


def service_kinds(requests: list[str]) -> list[str]:
    """The service kinds of item titles, as the engine reads them."""
    case = case_from_data({"case_id": "-", "requests": [{"text": r} for r in requests]})
    return sorted({r.service for r in case.requests})


def review(row: CaseRow, on: dt.date) -> CaseReview:
    data = case_file(row)
    case = case_from_data(data, f"case {row.id}", sha256=documents_sha256(row))
    return review_case(intake_case(case), on=on, today=on)


def draft(row: CaseRow, on: dt.date) -> dict[str, Any]:
    result = review(row, on)
    return determination_json(result.determination, date_basis=result.date.basis)


@dataclass
class Decided:
    """A reviewer's decision on one item: what they decided and, if it differs from the
    draft, why."""

    decision: str
    reason: str | None


def signed_determination(
    result: CaseReview, decisions: list[Decided], reviewer: Reviewer
) -> Determination:
    """The engine's determination with each item decided by the physician reviewer. Where the
    reviewer changed the draft, the reason is the rationale and the draft's is kept after it."""
    items: list[ItemDecision] = []
    for item, decided in zip(result.determination.items, decisions, strict=True):
        changed = decided.decision != item.decision
        rationale = item.rationale
        if changed:
            drafted = item.decision or "left to the physician reviewer"
            rationale = (
                f"{decided.reason} (The physician reviewer decided this item; openimr's draft "
                f"was {drafted}: {item.rationale})"
            )
        elif decided.reason:
            rationale = f"{item.rationale} {decided.reason}".strip()
        items.append(
            item.model_copy(
                update={
                    "decision": decided.decision,
                    "medically_necessary": decided.decision == OVERTURNED,
                    "decided_by": "physician_reviewer",
                    "rationale": rationale,
                    "documentation_gaps": item.documentation_gaps if not changed else [],
                }
            )
        )
    return result.determination.model_copy(
        update={"items": items, "reviewer": reviewer, "signed": True}
    )


@dataclass
class Letters:
    text: str
    html: str
    pdf: bytes


def render(result: CaseReview, output: str) -> str | bytes:
    """The draft letter (unsigned) of a review."""
    case = result.case
    return render_letter(
        result.determination, case, case.clinical_summary, output, facts=result.facts
    )


def letters(determination: Determination, result: CaseReview) -> Letters:
    case, summary = result.case, result.case.clinical_summary
    text = render_letter(determination, case, summary, "text", facts=result.facts)
    html = render_letter(determination, case, summary, "html", facts=result.facts)
    pdf = render_letter(determination, case, summary, "pdf", facts=result.facts)
    assert isinstance(text, str) and isinstance(html, str) and isinstance(pdf, bytes)
    return Letters(text, html, pdf)
