"""YAML case files: valid cases mutated, and YAML's own traps (timestamps, anchors, tags)."""

from __future__ import annotations

import pytest
import yaml

from tests.fuzz import generators as g
from tests.fuzz.generators import FuzzInput
from tests.fuzz.props import Family, params, run_family


def _tree(family):
    def make(rnd):
        case, name = g.mutate_case(rnd.choice(g.valid_cases()), rnd, family)
        text = yaml.safe_dump(case, allow_unicode=rnd.random() < 0.5)
        return FuzzInput("yaml", ".yaml", text.encode("utf-8", "surrogatepass"), mutation=name)

    return make


def _special(rnd):
    """The YAML traps of YAML_DOCS but for the impossible timestamps (their own family)."""
    docs = [d for d in g.YAML_DOCS if not any(day in d for day in g.IMPOSSIBLE_DATES)]
    return FuzzInput("yaml", ".yaml", rnd.choice(docs).encode("utf-8", "surrogatepass"))


def _possible_timestamps(rnd):
    item = g.gen_yaml(rnd, "date")
    return item if b"2014-06-01" in item.data or b"2001-12-14" in item.data else _special(rnd)


def _impossible_timestamps(rnd):
    field = rnd.choice(["case_id", "decision_date", "date_of_injury", "records[0].date"])
    day = rnd.choice(["2014-13-01", "2014-02-30", "2014-00-01", "2014-06-31", "2013-02-29"])
    lines = {"case_id": f"case_id: {day}" if field == "case_id" else "case_id: x"}
    text = lines["case_id"] + "\n"
    if field in ("decision_date", "date_of_injury"):
        text += f"{field}: {day}\n"
    if field == "records[0].date":
        text += f"records:\n  - date: {day}\n    text: note\n"
    text += "requests:\n  - text: MRI lumbar\n"
    return FuzzInput("yaml", ".yaml", text.encode(), mutation=f"{day} in {field}")


FAMILIES = [
    Family("valid", lambda r: g.gen_yaml(r, "valid"), 10),
    Family("values", _tree("value"), 60),
    Family("wrong-types", _tree("type"), 40),
    Family("impossible-dates-quoted", _tree("date"), 40),
    Family("lone-surrogates-in-fields", _tree("surrogate"), 30, "lone_surrogate_hash"),
    Family("line-separators", _tree("separator"), 20),
    Family("anchors-aliases-tags", _special, 60),
    Family("possible-timestamps", _possible_timestamps, 20),
    Family("billion-laughs", lambda r: g.gen_yaml(r, "laughs"), 10),
    Family("tokens", lambda r: g.gen_yaml(r, "token"), 80),
    Family("byte-mutations", lambda r: g.gen_yaml(r, "bytes"), 100),
    Family("impossible-timestamps", _impossible_timestamps, 20, "yaml_impossible_date"),
    Family("deep-nesting", lambda r: g.gen_yaml(r, "deep"), 10, "yaml_deep_nesting"),
]


@pytest.mark.parametrize("family", params(FAMILIES))
def test_yaml_case_file(family, tmp_path):
    run_family(family, tmp_path)
