"""JSON case files as bytes: valid cases, mutated in their values and in their bytes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import generators as g
from tests.fuzz.generators import FuzzInput
from tests.fuzz.harness import run_input
from tests.fuzz.known import check
from tests.fuzz.props import Family, fuzz_settings, params, run_family


def _tree(family):
    def make(rnd):
        case, name = g.mutate_case(rnd.choice(g.valid_cases()), rnd, family)
        return FuzzInput("json", ".json", g.dump_json(case, rnd), mutation=name)

    return make


def _overflowing_date(rnd):
    case = json.loads(json.dumps(rnd.choice(g.valid_cases())))
    where = g.set_field(case, rnd.choice(g.DATE_FIELDS), rnd.choice(g.OVERFLOWING_DATES), rnd)
    return FuzzInput("json", ".json", json.dumps(case).encode(), mutation=where)


FAMILIES = [
    Family("valid", lambda r: g.gen_json(r, "valid"), 12),
    Family("values", _tree("value"), 80),
    Family("wrong-types", _tree("type"), 60),
    Family("missing-and-unknown-fields", lambda r: g.gen_json(r, "tree"), 60),
    Family("impossible-dates", _tree("date"), 60),
    Family("line-separators", _tree("separator"), 30),
    Family("byte-mutations", lambda r: g.gen_json(r, "bytes"), 150),
    Family("top-level", lambda r: g.gen_json(r, "top"), 20),
    Family("numbers", lambda r: g.gen_json(r, "number"), 40),
    Family("huge-integers", lambda r: g.gen_json(r, "huge_int"), 10, "json_huge_integer"),
    Family("lone-surrogates", _tree("surrogate"), 30, "lone_surrogate_hash"),
    Family("deep-nesting", lambda r: g.gen_json(r, "deep"), 10, "json_deep_nesting"),
    Family("overflowing-dates", _overflowing_date, 10, "date_overflow"),
]


@pytest.mark.parametrize("family", params(FAMILIES))
def test_json_case_file(family, tmp_path):
    run_family(family, tmp_path)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)  # fmt: skip


@fuzz_settings(100)
@given(field=st.sampled_from(g.FIELDS + g.STRING_FIELDS + g.DATE_FIELDS), value=JSON_VALUES)
def test_any_json_value_in_any_field(tmp_path_factory, field, value):
    case = json.loads(json.dumps(g.valid_cases()[0]))
    import random

    g.set_field(case, field, value, random.Random(0))
    data = json.dumps(case).encode()
    outcome = run_input(FuzzInput("json", ".json", data), tmp_path_factory.mktemp("json"))
    check(outcome)
