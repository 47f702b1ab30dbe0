"""Golden review tests: written clinical cases, reviewed end to end by ``review_case``.

Each file in ``tests/review/golden/`` holds cases of one service family: a clinical summary
written like an IMR case summary, the decision date, the request titles as requesters write
them, and per request what the guideline (mtus-facts.md and the pack's rule) says:
the decision (Upheld, Overturned, or null for physician judgement), the rule and the status
of the criteria that matter. The expectations follow the guideline, not the engine: a case
the engine cannot yet decide correctly says why in ``known_gap`` and is a strict xfail.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from openimr.intake.case_file import intake_case
from openimr.intake.requests import parse_request
from openimr.model import Case, Patient, Record
from openimr.review.engine import CaseReview, review_case
from openimr.vocabulary import vocabulary

GOLDEN = Path(__file__).parent / "golden"
TODAY = dt.date(2026, 1, 1)
FAMILIES = (
    "physical_medicine",
    "injections",
    "diagnostics",
    "referrals",
    "medications",
    "equipment_and_care",
)
DECISIONS = {"Upheld", "Overturned", None}
STATUSES = {"met", "not_met", "not_documented"}
CASE_KEYS = {"id", "file", "decision_date", "summary", "records", "requests", "patient", "note"}


@dataclass(frozen=True)
class Item:
    case_id: str
    index: int
    title: str
    expected: dict[str, Any]
    known_gap: str | None

    @property
    def name(self) -> str:
        return f"{self.case_id}[{self.index}]"


@cache
def _cases() -> dict[str, dict[str, Any]]:
    cases: dict[str, dict[str, Any]] = {}
    for path in sorted(GOLDEN.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            assert case["id"] not in cases, f"duplicate case id {case['id']} in {path.name}"
            cases[case["id"]] = {**case, "file": path.name}
    return cases


def _items() -> list[Item]:
    return [
        Item(case_id, index, request["title"], request["expected"], request.get("known_gap"))
        for case_id, case in _cases().items()
        for index, request in enumerate(case["requests"])
    ]


def _case(case_id: str) -> Case:
    spec = _cases()[case_id]
    return Case(
        case_id=case_id,
        decision_date=spec["decision_date"],
        clinical_summary=spec.get("summary", ""),
        records=[Record(**record) for record in spec.get("records", [])],
        requests=[parse_request(request["title"]) for request in spec["requests"]],
        patient=Patient(**spec.get("patient", {})),
    )


@cache
def _review(case_id: str) -> CaseReview:
    return review_case(intake_case(_case(case_id)), today=TODAY)


def _params() -> list[Any]:
    params = []
    for item in _items():
        marks = [pytest.mark.xfail(strict=True, reason=item.known_gap)] if item.known_gap else []
        params.append(pytest.param(item, id=item.name, marks=marks))
    return params


@pytest.mark.parametrize("item", _params())
def test_golden_decision_rule_and_criteria(item: Item) -> None:
    decided = _review(item.case_id).determination.items[item.index]
    expected = item.expected
    assert decided.request == item.title
    assert decided.rule_id == expected["rule_id"], decided.rationale
    got = {c.id: c.status.value for c in decided.criteria}
    wanted = expected.get("criteria", {})
    assert {k: got.get(k) for k in wanted} == wanted
    assert decided.decision == expected["decision"], decided.rationale
    if expected["decision"] is None:
        assert decided.decided_by == "physician_judgement_required"


def _source_text(case: Case, source: str) -> str:
    if source == "clinical_summary":
        return case.clinical_summary
    assert source.startswith("records[") and source.endswith("]"), source
    return case.records[int(source[len("records[") : -1])].text


def test_every_criterion_evidence_points_at_the_quoted_text() -> None:
    checked = 0
    sources: set[str] = set()
    for case_id in _cases():
        review = _review(case_id)
        for item in review.determination.items:
            for criterion in item.criteria:
                for evidence in criterion.evidence:
                    text = _source_text(review.case, evidence.source)
                    assert text[evidence.start : evidence.end] == evidence.text, (
                        case_id,
                        item.request,
                        criterion.id,
                        evidence,
                    )
                    checked += 1
                    sources.add(evidence.source.split("[")[0])
    assert checked > 100, "the golden cases quote evidence"
    assert sources == {"clinical_summary", "records"}, "evidence from summaries and records"


def test_golden_cases_are_well_formed() -> None:
    for case_id, case in _cases().items():
        assert set(case) <= CASE_KEYS, case_id
        assert isinstance(case["decision_date"], dt.date), case_id
        assert len(case.get("summary", "")) > 200, f"{case_id}: write a real case summary"
        for request in case["requests"]:
            assert set(request) <= {"title", "expected", "known_gap"}, case_id
            expected = request["expected"]
            assert expected["decision"] in DECISIONS, case_id
            assert set(expected) <= {"decision", "rule_id", "criteria"}, case_id
            assert set(expected.get("criteria", {}).values()) <= STATUSES, case_id
            if expected["decision"] is not None:
                assert expected.get("criteria"), f"{case_id}: list the criteria that matter"


def test_golden_cases_cover_every_family_with_both_outcomes() -> None:
    assert len(_cases()) >= 40
    outcomes: Counter[tuple[str, str | None]] = Counter()
    for item in _items():
        if item.known_gap:
            continue  # coverage counts only what the engine already decides right
        service = parse_request(item.title).service
        outcomes[(vocabulary().family_of(service), item.expected["decision"])] += 1
    for family in FAMILIES:
        assert outcomes[(family, "Upheld")] >= 1, family
        assert outcomes[(family, "Overturned")] >= 1, family
    judged = sum(n for (_, decision), n in outcomes.items() if decision is None)
    assert judged >= 2, "a few items that no rule covers go to physician judgement"
