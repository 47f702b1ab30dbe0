"""A tiny pack written into tmp_path, so that each loader rejection has its own fixture."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

PREDICATES = {
    "predicates": [
        {
            "id": "prior_sessions_same_modality",
            "type": "number",
            "unit": "sessions",
            "description": "Prior sessions.",
            "fact": "Notes.",
        },
        {
            "id": "functional_improvement_documented",
            "type": "bool",
            "description": "Functional improvement (9792.20).",
            "fact": "Notes.",
        },
        {
            "id": "diagnoses",
            "type": "set",
            "description": "Diagnoses.",
            "fact": "Reports.",
            "values": ["myalgia_myositis"],
        },
    ]
}

RULE: dict[str, Any] = {
    "id": "massage.test",
    "title": "Massage",
    "statement": "Massage is an option, 4 to 6 visits.",
    "citation": {
        "regulation": "8 CCR 9792.24.2",
        "guideline": "CPMTG",
        "edition": "2009",
        "section": "Massage therapy",
        "pages": "60",
        "hierarchy_level": "mtus",
        "verification": "K",
    },
    "effective": {"from": "2009-07-18", "to": "2016-07-28"},
    "applies_to": {"services": ["massage"]},
    "recommendation": "option",
    "limits": [
        {
            "id": "visits",
            "text": "Up to 6 visits.",
            "gap": "Prior visits?",
            "of": "total_with_prior",
            "max": 6,
            "unit": "visits",
        }
    ],
    "criteria": {
        "id": "improvement",
        "predicate": "functional_improvement_documented",
        "text": "Functional improvement.",
        "gap": "Document functional improvement.",
    },
}

CATCH_ALL = {
    "id": "catch_all.test",
    "title": "Anything else",
    "statement": "The physician reviewer decides.",
    "citation": {**RULE["citation"], "regulation": "8 CCR 9792.21.1"},
    "effective": {"from": "2009-07-18"},
    "applies_to": {},
    "recommendation": "physician_judgement",
    "catch_all": True,
}


class TinyPack:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.rule = copy.deepcopy(RULE)
        self.extra_rules: list[dict[str, Any]] = []
        self.predicates = copy.deepcopy(PREDICATES)
        self.cases: list[dict[str, Any]] | None = None

    def write(self) -> Path:
        (self.root / "topics").mkdir(parents=True, exist_ok=True)
        self._dump("pack.yaml", {"name": "tiny", "version": "0", "title": "T", "description": "D"})
        self._dump("predicates.yaml", self.predicates)
        self._dump(
            "topics/massage.yaml", {"topic": "massage", "rules": [self.rule, *self.extra_rules]}
        )
        self._dump("catch_all.yaml", {"topic": "catch_all", "rules": [CATCH_ALL]})
        if self.cases is not None:
            self._dump("topics/massage.cases.yaml", {"cases": self.cases})
        return self.root

    def _dump(self, name: str, data: Any) -> None:
        (self.root / name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


@pytest.fixture
def tiny(tmp_path: Path) -> TinyPack:
    return TinyPack(tmp_path / "pack")
