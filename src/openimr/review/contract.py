"""The determination as JSON: the stable contract other tools rely on.

Keys and their order are fixed here (documented in the README). Same case and same pack
give byte-identical output: nothing in it depends on the clock or on iteration order.
"""

from __future__ import annotations

import json
from typing import Any

from openimr.model import Citation, Criterion, Determination, Evidence, ItemDecision, Measurement

CONTRACT_VERSION = "1"


def _evidence(evidence: Evidence) -> dict[str, Any]:
    return {
        "text": evidence.text,
        "start": evidence.start,
        "end": evidence.end,
        "source": evidence.source,
    }


def _criterion(criterion: Criterion) -> dict[str, Any]:
    return {
        "id": criterion.id,
        "text": criterion.text,
        "status": criterion.status.value,
        "evidence": [_evidence(e) for e in criterion.evidence],
        "gap": criterion.gap,
        "measured": _measured(criterion.measured),
    }


def _measured(measured: Measurement | None) -> dict[str, Any] | None:
    if measured is None:
        return None
    return {
        "value": measured.value,
        "min": measured.min,
        "max": measured.max,
        "unit": measured.unit,
        "of": measured.of,
        "predicate": measured.predicate,
    }


def _guideline(citation: Citation | None) -> dict[str, Any] | None:
    if citation is None:
        return None
    return {
        "hierarchy_level": citation.hierarchy_level.value if citation.hierarchy_level else None,
        "title": citation.guideline,
        "section": citation.section,
        "pages": citation.pages,
        "edition": citation.edition,
        "regulation": citation.regulation,
        "verification": citation.verification.value if citation.verification else None,
    }


def _item(item: ItemDecision) -> dict[str, Any]:
    return {
        "request": item.request,
        "service": item.service,
        "decision": item.decision,
        "medically_necessary": item.medically_necessary,
        "decided_by": item.decided_by,
        "rule_id": item.rule_id,
        "guideline": _guideline(item.guideline),
        "criteria": [_criterion(c) for c in item.criteria],
        "rationale": item.rationale,
        "documentation_gaps": list(item.documentation_gaps),
    }


def determination_json(determination: Determination, *, date_basis: str) -> dict[str, Any]:
    document = {
        "case_id": determination.case_id,
        "decision_date": determination.decision_date.isoformat()
        if determination.decision_date
        else None,
        "pack_version": determination.pack_version,
        "input_sha256": determination.input_sha256,
        "items": [_item(item) for item in determination.items],
        "decision_date_basis": date_basis,
        "signed": determination.signed,
        "contract_version": CONTRACT_VERSION,
    }
    if determination.source_texts is not None:
        # Texts read out of a PDF or a letter: the evidence offsets index these.
        document["source_texts"] = dict(determination.source_texts)
    return document


def dumps(document: dict[str, Any], *, pretty: bool = False) -> str:
    if pretty:
        return json.dumps(document, ensure_ascii=False, indent=2)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
