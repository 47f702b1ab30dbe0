"""The blind per-predicate statements are well formed, and the measurement over them runs.

The figures themselves (precision and recall per predicate) are measured by
bench/predicates.py and reported, not asserted: the statements measure the engine, they do
not tune it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from bench.predicates import SETS, STATEMENTS, answer, measure, same

from openimr.review.engine import default_pack
from openimr.yamlload import load_yaml

STYLES = {"imr_summary", "pr2_note", "ur_letter", "terse", "narrative_plain", "dictated"}
FILES = sorted(STATEMENTS.glob("*.yaml"))
HELDOUT = sorted(SETS["heldout"].glob("*.yaml"))


def test_every_predicate_of_the_pack_has_statements_in_both_sets():
    assert {path.stem for path in FILES} == set(default_pack().predicates)
    assert {path.stem for path in HELDOUT} == set(default_pack().predicates)


@pytest.mark.parametrize("path", FILES + HELDOUT, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_statements_are_well_formed(path: Path):
    spec = load_yaml(path.read_text(encoding="utf-8"))
    definition = default_pack().predicates[spec["predicate"]]
    assert spec["type"] == definition.type
    ids = [s["id"] for s in spec["statements"]]
    assert len(ids) == len(set(ids)) >= (12 if path in FILES else 8)
    for statement in spec["statements"]:
        assert statement["style"] in STYLES, statement["id"]
        assert statement["text"].strip() and statement["request"].strip(), statement["id"]
        dt.date.fromisoformat(str(statement["decision_date"]))
        expected = statement["expect"]
        if expected is None:
            continue
        if definition.type == "bool":
            assert isinstance(expected, bool), statement["id"]
        elif definition.type == "number":
            assert isinstance(expected, int | float), statement["id"]
        elif definition.type == "choice":
            assert expected in definition.values, statement["id"]
        else:
            assert set(expected) <= set(definition.values), statement["id"]


def test_comparison_of_answers():
    assert same("bool", True, True) and not same("bool", True, None)
    assert same("bool", None, None) and not same("bool", None, False)
    assert same("number", 12, 12.4) and not same("number", 12, 14)
    assert same("set", ["a", "b"], ["b", "a"]) and not same("set", ["a"], ["a", "b"])


def test_the_measurement_reads_a_passage_as_a_case_would():
    statement = {
        "id": "t",
        "request": "Physical therapy 2x3 lumbar",
        "decision_date": "2015-04-10",
        "text": "He does a home exercise program every day.",
    }
    assert answer("home_exercise_program", statement) is True
    row = measure("home_exercise_program")["home_exercise_program"]
    assert row["statements"] >= 12 and row["recall"] is not None
