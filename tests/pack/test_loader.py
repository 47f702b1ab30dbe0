"""The loader refuses what it cannot trust, and says which file and which rule."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openimr.errors import UserError
from openimr.pack.loader import PackError, _check_overlaps, load_pack
from openimr.pack.schema import Effective

from .conftest import TinyPack


def rejection(tiny: TinyPack) -> str:
    with pytest.raises(PackError) as caught:
        load_pack(tiny.write())
    assert isinstance(caught.value, UserError)
    return "\n".join(caught.value.problems)


def test_tiny_pack_loads(tiny: TinyPack) -> None:
    pack = load_pack(tiny.write())
    assert [r.id for r in pack.rules] == ["catch_all.test", "massage.test"]
    assert pack.rule("massage.test").source == "topics/massage.yaml"
    assert pack.rule("massage.test").topic == "massage"


def test_rule_without_citation(tiny: TinyPack) -> None:
    del tiny.rule["citation"]
    message = rejection(tiny)
    assert "topics/massage.yaml: rule massage.test: citation: Field required" in message


def test_citation_without_pages_or_reason(tiny: TinyPack) -> None:
    del tiny.rule["citation"]["pages"]
    assert "citation needs pages, or pages_note" in rejection(tiny)


def test_citation_without_verification_flag(tiny: TinyPack) -> None:
    del tiny.rule["citation"]["verification"]
    assert "rule massage.test: citation.verification: Field required" in rejection(tiny)


def test_malformed_date(tiny: TinyPack) -> None:
    tiny.rule["effective"]["from"] = "2009-13-45"
    message = rejection(tiny)
    assert "topics/massage.yaml: rule massage.test: effective.from" in message
    assert "not a valid ISO date" in message


def test_date_that_is_not_text(tiny: TinyPack) -> None:
    tiny.rule["effective"]["to"] = 20160728
    assert "not an ISO date" in rejection(tiny)


def test_end_before_start(tiny: TinyPack) -> None:
    tiny.rule["effective"]["to"] = "2008-01-01"
    assert "is before 'from'" in rejection(tiny)


def test_overlapping_editions_of_one_topic(tiny: TinyPack) -> None:
    later = {**tiny.rule, "id": "massage.later", "effective": {"from": "2016-01-01"}}
    tiny.extra_rules.append(later)
    message = rejection(tiny)
    assert "topics/massage.yaml: rule massage.test: effective dates overlap" in message
    assert "rule massage.later" in message


def test_consecutive_editions_are_accepted(tiny: TinyPack) -> None:
    later = {**tiny.rule, "id": "massage.later", "effective": {"from": "2016-07-29"}}
    tiny.extra_rules.append(later)
    assert len(load_pack(tiny.write()).rules) == 3


def test_unknown_key_in_rule(tiny: TinyPack) -> None:
    tiny.rule["visits_max"] = 6
    assert "rule massage.test: visits_max: unknown key" in rejection(tiny)


def test_unknown_key_nested_in_criteria(tiny: TinyPack) -> None:
    tiny.rule["criteria"]["weight"] = 2
    assert "rule massage.test: criteria.weight: unknown key" in rejection(tiny)


def test_unknown_top_level_key_in_file(tiny: TinyPack) -> None:
    tiny.rule["topic"] = "other"
    assert "unknown key" in rejection(tiny)


def test_unknown_predicate(tiny: TinyPack) -> None:
    tiny.rule["criteria"]["predicate"] = "feels_better"
    message = rejection(tiny)
    assert "rule massage.test: criterion 'improvement' names unknown predicate" in message


def test_wrong_comparison_for_predicate_type(tiny: TinyPack) -> None:
    tiny.rule["criteria"]["min"] = 3
    assert "the wrong way" in rejection(tiny)


def test_choice_value_outside_vocabulary(tiny: TinyPack) -> None:
    tiny.rule["criteria"] = {
        "id": "dx",
        "predicate": "diagnoses",
        "one_of": ["gout"],
        "text": "Dx.",
        "gap": "Dx?",
    }
    assert "['gout'] not values of 'diagnoses'" in rejection(tiny)


def test_unknown_service_kind(tiny: TinyPack) -> None:
    tiny.rule["applies_to"]["services"] = ["reiki"]
    assert "'reiki' is not a known service kind" in rejection(tiny)


def test_leaf_without_gap_words(tiny: TinyPack) -> None:
    del tiny.rule["criteria"]["gap"]
    assert "needs id, text and gap" in rejection(tiny)


def test_exception_lifting_unknown_limit(tiny: TinyPack) -> None:
    tiny.rule["exceptions"] = [
        {
            "id": "more",
            "text": "More with improvement.",
            "gap": "Improvement?",
            "when": tiny.rule["criteria"],
            "lifts": ["visit_cap"],
        }
    ]
    assert "exception 'more' lifts unknown ['visit_cap']" in rejection(tiny)


def test_duplicate_rule_id(tiny: TinyPack) -> None:
    tiny.extra_rules.append({**tiny.rule, "applies_to": {"services": ["acupuncture"]}})
    assert "id already used" in rejection(tiny)


def test_invalid_yaml_names_the_file(tiny: TinyPack) -> None:
    root = tiny.write()
    (root / "topics" / "massage.yaml").write_text("topic: massage\nrules: [\n", encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(root)
    assert "topics/massage.yaml: not valid YAML" in str(caught.value)


def test_pack_without_catch_all(tiny: TinyPack) -> None:
    root = tiny.write()
    (root / "catch_all.yaml").unlink()
    with pytest.raises(PackError, match="no catch-all rule"):
        load_pack(root)


def test_case_expecting_unknown_rule(tiny: TinyPack) -> None:
    tiny.cases = [
        {
            "id": "c1",
            "description": "d",
            "date": "2014-01-01",
            "request": {"text": "Massage x6", "service": "massage"},
            "expect": {"rule": "massage.nope", "verdict": "met"},
        }
    ]
    assert "case c1: expects unknown rule 'massage.nope'" in rejection(tiny)


def test_case_with_unknown_fact(tiny: TinyPack) -> None:
    tiny.cases = [
        {
            "id": "c1",
            "description": "d",
            "date": "2014-01-01",
            "request": {"text": "Massage x6", "service": "massage"},
            "facts": {"happy": True},
            "expect": {"rule": "massage.test", "verdict": "met"},
        }
    ]
    assert "facts name unknown predicates ['happy']" in rejection(tiny)


def test_case_with_mistyped_fact(tiny: TinyPack) -> None:
    tiny.cases = [
        {
            "id": "c1",
            "description": "d",
            "date": "2014-01-01",
            "request": {"text": "Massage x6", "service": "massage"},
            "facts": {"functional_improvement_documented": "yes"},
            "expect": {"rule": "massage.test", "verdict": "met"},
        }
    ]
    assert "is not a bool" in rejection(tiny)


def test_first_problem_is_the_message(tiny: TinyPack) -> None:
    del tiny.rule["citation"]
    tiny.rule["visits_max"] = 6
    with pytest.raises(PackError) as caught:
        load_pack(tiny.write())
    assert str(caught.value).startswith("topics/massage.yaml: rule massage.test:")


def test_drug_names_must_be_lower_case(tiny: TinyPack) -> None:
    tiny.rule["applies_to"]["drugs"] = ["Soma"]
    assert "matched in lower case: 'Soma'" in rejection(tiny)


# --- answered_by: how a predicate is answered is pack data, validated on load ------------


def _answer(tiny: TinyPack, answered_by: object) -> None:
    tiny.predicates["predicates"][1]["answered_by"] = answered_by


def test_a_well_formed_answer_loads(tiny: TinyPack) -> None:
    _answer(tiny, {"summary_status": {"status_fact": "functional_improvement_status",
            "mention_fact": "functional_improvement", "present_when": ["present"],
            "absent_when": ["absent"]}})  # fmt: skip
    pack = load_pack(tiny.write())
    answer = pack.predicates["functional_improvement_documented"].answered_by
    assert answer is not None and answer.operator == "summary_status"


def test_an_unknown_fact_kind_in_an_answer_is_refused(tiny: TinyPack) -> None:
    _answer(tiny, {"presence": {"fact": "home_excercise"}})
    message = rejection(tiny)
    assert "predicates.yaml: predicate 'functional_improvement_documented'" in message
    assert "unknown fact kind 'home_excercise'" in message


def test_an_unknown_field_in_an_answer_is_refused(tiny: TinyPack) -> None:
    _answer(tiny, {"any_of": [{"fact": "medication", "field": "colour", "values": ["red"]}]})
    assert "fact kind 'medication' has no field 'colour'" in rejection(tiny)


def test_an_unknown_predicate_in_an_answer_is_refused(tiny: TinyPack) -> None:
    _answer(tiny, {"zero_of": "no_such_predicate"})
    assert "unknown predicate 'no_such_predicate'" in rejection(tiny)


def test_an_unknown_operator_is_refused_naming_the_entry(tiny: TinyPack) -> None:
    _answer(tiny, {"guess": {"fact": "medication"}})
    message = rejection(tiny)
    assert "functional_improvement_documented" in message or "predicates[1]" in message
    assert "guess" in message


def test_two_operators_in_one_answer_are_refused(tiny: TinyPack) -> None:
    _answer(tiny, {"presence": {"fact": "spasm"}, "mentioned": {"fact": "spasm"}})
    assert "exactly one operator" in rejection(tiny)


def test_an_unknown_term_list_is_refused(tiny: TinyPack) -> None:
    _answer(tiny, {"findings": {"terms": "no_such_terms"}})
    assert "no term list 'no_such_terms'" in rejection(tiny)


def test_every_predicate_of_the_bundled_pack_that_has_an_answer_validates() -> None:
    pack = load_pack(with_cases=False)
    answered = [p for p in pack.predicates.values() if p.answered_by is not None]
    assert len(answered) >= 52


def _every_pair(rules) -> list[str]:
    """The overlap check as first written: every rule against every later one."""
    problems = []
    for index, rule in enumerate(rules):
        for other in rules[index + 1 :]:
            if (
                rule.topic == other.topic
                and rule.applies_to.scope_key() == other.applies_to.scope_key()
                and any(a.overlaps(b) for a in rule.ranges() for b in other.ranges())
            ):
                problems.append(f"{other.id}~{rule.id}")
    return problems


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["massage", "tens"]),
            st.sampled_from([("lumbar",), ("cervical",), ()]),
            st.lists(
                st.tuples(st.integers(2000, 2030), st.integers(0, 12)), min_size=1, max_size=3
            ),
        ),
        max_size=12,
    )
)
def test_overlapping_editions_are_found_as_by_comparing_every_pair(specs):
    rules = []
    for n, (topic, regions, spans) in enumerate(specs):
        ranges = [
            Effective.model_validate(
                {"from": f"{year}-01-01", "to": f"{year + length}-01-01" if length else None}
            )
            for year, length in spans
        ]
        rules.append(
            SimpleNamespace(
                id=f"r{n}",
                source=f"topics/{topic}.yaml",
                topic=topic,
                applies_to=SimpleNamespace(scope_key=lambda regions=regions: (regions,)),
                ranges=lambda ranges=ranges: ranges,
            )
        )
    found: list[str] = []
    _check_overlaps(rules, found)
    expected = _every_pair(rules)
    assert [p.split(": ")[1].split()[1] for p in found] == [p.split("~")[0] for p in expected]
    assert [p.split("overlap rule ")[1].split()[0] for p in found] == [
        p.split("~")[1] for p in expected
    ]
