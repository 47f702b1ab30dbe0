"""Rule files are data: every shipped file loads, and a bad one is refused naming the file."""

from __future__ import annotations

import pytest

from openimr.errors import UserError
from openimr.intake import ruleset
from openimr.intake.dates import DateRules
from openimr.intake.demographics import DemographicsRules
from openimr.intake.facts.rules import ContextRules, FactRules, context_rules, fact_kinds
from openimr.intake.lexicon import DrugRules, RegionRules, ServiceRules, lexicon
from openimr.intake.requests import RequestRules
from openimr.vocabulary import vocabulary

SHIPPED = [
    ("dates.yaml", DateRules),
    ("demographics.yaml", DemographicsRules),
    ("services.yaml", ServiceRules),
    ("drugs.yaml", DrugRules),
    ("regions.yaml", RegionRules),
    ("requests.yaml", RequestRules),
    ("facts.yaml", FactRules),
    ("context.yaml", ContextRules),
]


@pytest.mark.parametrize(("name", "model"), SHIPPED)
def test_shipped_rule_files_load(name: str, model) -> None:
    assert ruleset.load_rules(name, model)


def test_every_fact_kind_is_documented() -> None:
    kinds = fact_kinds().kinds
    assert all(k.description for k in kinds.values())
    assert {"prior_treatment", "functional_improvement", "straight_leg_raise"} <= set(kinds)


def test_every_service_kind_in_rules_is_in_the_vocabulary() -> None:
    known = vocabulary().service_kinds
    assert all(kind in known for kind, _ in lexicon().services)


def test_context_rules_map_to_assertions() -> None:
    assert set(context_rules().categories.values()) == {
        "negated",
        "uncertain",
        "historical",
        "hypothetical",
    }


def _refused(monkeypatch, name: str, model, data) -> str:
    monkeypatch.setattr(ruleset, "read_rules", lambda _name: data)
    with pytest.raises(UserError) as info:
        ruleset.load_rules(name, model)
    message = str(info.value)
    assert f"src/openimr/intake/rules/{name}" in message
    return message


def test_unknown_service_kind_is_refused(monkeypatch) -> None:
    data = {"services": [{"kind": "reiki", "patterns": ["reiki"]}]}
    assert "unknown service kind 'reiki'" in _refused(
        monkeypatch, "services.yaml", ServiceRules, data
    )


def test_unknown_body_region_is_refused(monkeypatch) -> None:
    data = {"regions": {"tail": ["tail"]}, "sides": {}, "level_regions": {}}
    assert "unknown body region 'tail'" in _refused(monkeypatch, "regions.yaml", RegionRules, data)


def test_drug_of_a_non_medication_kind_is_refused(monkeypatch) -> None:
    data = {
        "drugs": {"norco": {"kind": "massage", "generic": "x"}},
        "strength": "x",
        "forms": [],
        "count": [],
        "amount": "x",
        "dosing": {},
    }
    assert "not a medication kind" in _refused(monkeypatch, "drugs.yaml", DrugRules, data)


def test_unknown_key_is_refused(monkeypatch) -> None:
    data = {"categories": {}, "rules": [], "colour": "blue"}
    assert "colour" in _refused(monkeypatch, "context.yaml", ContextRules, data)


def test_bad_context_category_is_refused(monkeypatch) -> None:
    data = {
        "categories": {},
        "rules": [{"literal": "no", "category": "MAYBE", "direction": "FORWARD"}],
    }
    assert "rules.0.category" in _refused(monkeypatch, "context.yaml", ContextRules, data)


def test_unknown_fact_kind_is_refused(monkeypatch) -> None:
    good = ruleset.read_rules("facts.yaml")
    good["simple"][0]["kind"] = "horoscope"
    assert "unknown fact kind 'horoscope'" in _refused(monkeypatch, "facts.yaml", FactRules, good)


def test_age_pattern_without_its_group_is_refused(monkeypatch) -> None:
    data = {
        "age": ["(\\d+) years old"],
        "sex": {
            "female": [],
            "male": [],
            "pronouns": {"female": [], "male": []},
            "neutral": [],
            "age_window": 1,
        },
        "date_of_injury": [],
    }
    assert "(?P<age>" in _refused(monkeypatch, "demographics.yaml", DemographicsRules, data)


def test_bad_regular_expression_names_the_file() -> None:
    with pytest.raises(UserError, match=r"src/openimr/intake/rules/facts\.yaml: bad pattern"):
        ruleset.compile_pattern("(unclosed", "facts.yaml")


def test_invalid_yaml_names_the_file(monkeypatch) -> None:
    class Broken:
        def joinpath(self, _name):
            return self

        def read_text(self, encoding):
            return "a: [unclosed"

    monkeypatch.setattr(ruleset.resources, "files", lambda _pkg: Broken())
    with pytest.raises(UserError, match=r"rules/x\.yaml: invalid YAML"):
        ruleset.read_rules("x.yaml")
