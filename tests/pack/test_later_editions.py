"""A rule carried unchanged into a later edition states that edition instead of being copied:
it is in force over the union of its ranges and cites the edition of the day."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from openimr.cli import cli
from openimr.model import Case, Request
from openimr.pack.editions import earliest_edition, in_force
from openimr.pack.loader import PackError, load_pack
from openimr.review.decision_date import decision_date
from openimr.review.select import select_rule

from .conftest import TinyPack

LATER = {
    "effective": {"from": "2016-07-29", "to": "2017-11-30"},
    "citation": {
        "regulation": "8 CCR 9792.24.2 (July 28, 2016)",
        "guideline": "CPMTG",
        "edition": "2016",
        "section": "Massage therapy (2016)",
        "pages_note": "Cited by section name; the 2016 pages are not known.",
        "hierarchy_level": "mtus",
        "verification": "U",
    },
    "notes": ["Carry-over believed, not confirmed."],
}


def _pack(tiny: TinyPack, *editions: dict):
    tiny.rule["editions"] = list(editions)
    return load_pack(tiny.write())


def _pick(pack, day: dt.date):
    return select_rule(pack.rules, Request(text="Massage x4", service="massage"), day)


def test_the_rule_is_in_force_over_each_of_its_ranges_and_not_between(tiny: TinyPack) -> None:
    later = {**LATER, "effective": {"from": "2017-01-01", "to": "2017-11-30"}}
    pack = _pack(tiny, later)
    assert _pick(pack, dt.date(2016, 7, 28)).id == "massage.test"
    assert _pick(pack, dt.date(2016, 9, 1)).id == "catch_all.test"
    assert _pick(pack, dt.date(2017, 1, 1)).id == "massage.test"
    assert _pick(pack, dt.date(2017, 11, 30)).id == "massage.test"
    assert _pick(pack, dt.date(2017, 12, 1)).id == "catch_all.test"


def test_the_edition_of_the_day_is_cited(tiny: TinyPack) -> None:
    pack = _pack(tiny, LATER)
    first = _pick(pack, dt.date(2015, 1, 1))
    later = _pick(pack, dt.date(2016, 7, 29))
    assert (first.citation.edition, first.citation.pages) == ("2009", "60")
    assert (later.citation.edition, later.citation.section) == ("2016", "Massage therapy (2016)")
    assert later.citation.verification.value == "U"
    assert later.effective.from_ == dt.date(2016, 7, 29)
    assert "Carry-over believed, not confirmed." in later.notes
    assert later.limits == first.limits and later.criteria == first.criteria
    # the pack's own rule is left as written
    assert pack.rule("massage.test").citation.edition == "2009"


def test_in_force_lists_each_rule_once_as_its_edition(tiny: TinyPack) -> None:
    pack = _pack(tiny, LATER)
    on = in_force(pack.rules, dt.date(2017, 3, 1))
    assert [(r.id, r.citation.edition) for r in on] == [
        ("catch_all.test", "2009"),
        ("massage.test", "2016"),
    ]


def test_earliest_edition_counts_every_range(tiny: TinyPack) -> None:
    tiny.rule["effective"] = {"from": "2016-07-29", "to": "2016-12-31"}
    early = {**LATER, "effective": {"from": "2007-01-01", "to": "2008-12-31"}}
    pack = _pack(tiny, early)
    assert earliest_edition(pack.rules) == dt.date(2007, 1, 1)


def test_editions_of_one_rule_may_not_overlap(tiny: TinyPack) -> None:
    clash = {**LATER, "effective": {"from": "2016-01-01", "to": "2017-11-30"}}
    with pytest.raises(PackError) as caught:
        _pack(tiny, clash)
    assert "editions overlap: 2009-07-18..2016-07-28 and 2016-01-01..2017-11-30" in str(
        caught.value.problems
    )


def test_an_edition_may_not_overlap_another_rule_of_the_same_scope(tiny: TinyPack) -> None:
    other = {**tiny.rule, "id": "massage.later", "effective": {"from": "2017-01-01"}}
    tiny.extra_rules.append(other)
    with pytest.raises(PackError) as caught:
        _pack(tiny, LATER)
    assert any("effective dates overlap rule" in p for p in caught.value.problems)


def test_an_edition_needs_its_own_citation(tiny: TinyPack) -> None:
    with pytest.raises(PackError) as caught:
        _pack(tiny, {"effective": LATER["effective"]})
    assert "editions.0.citation: Field required" in caught.value.problems[0]


def test_list_and_show_name_every_edition(tiny: TinyPack) -> None:
    tiny.rule["editions"] = [LATER]
    path = str(tiny.write())
    runner = CliRunner()
    listed = runner.invoke(cli, ["guidelines", "list", "--pack", path]).output
    assert "massage.test" in listed and "2009-07-18..2017-11-30" in listed and "[K,U]" in listed
    on_day = runner.invoke(cli, ["guidelines", "list", "--pack", path, "--date", "2017-01-05"])
    assert "2016-07-29..2017-11-30" in on_day.output and "[U]" in on_day.output
    shown = runner.invoke(cli, ["guidelines", "show", "--pack", path, "massage.test"]).output
    assert "Later edition, in force 2016-07-29 to 2017-11-30:" in shown
    assert "Section: Massage therapy (2016)" in shown
    assert "Carry-over believed, not confirmed." in shown


def test_the_ur_decision_date_picks_the_edition() -> None:
    case = Case(
        case_id="c",
        decision_date=dt.date(2016, 8, 20),
        ur_denial_date=dt.date(2016, 7, 20),
        requests=[Request(text="Massage x4")],
    )
    date = decision_date(case, [], None, dt.date(2020, 1, 1))
    assert date.date == dt.date(2016, 8, 20)
    assert date.edition_day == dt.date(2016, 7, 20)
    assert "utilization review decision date" in date.basis
    without = decision_date(case.model_copy(update={"ur_denial_date": None}), [], None,
                            dt.date(2020, 1, 1))  # fmt: skip
    assert without.edition_day == dt.date(2016, 8, 20)


def test_a_ur_date_after_the_decision_is_not_used() -> None:
    case = Case(
        case_id="c",
        decision_date=dt.date(2016, 8, 20),
        ur_denial_date=dt.date(2016, 9, 1),
        requests=[Request(text="x")],
    )
    assert decision_date(case, [], None, dt.date(2020, 1, 1)).edition_day == dt.date(2016, 8, 20)


def test_show_says_why_a_judgement_rule_leaves_the_item_to_the_reviewer() -> None:
    shown = CliRunner().invoke(cli, ["guidelines", "show", "massage.acoem_2017"]).output
    assert "Why the physician reviewer decides: The 2017 ACOEM text for this topic is not" in shown


def test_in_force_asked_again_answers_for_the_rules_given(tiny: TinyPack) -> None:
    pack = _pack(tiny, LATER)
    day = dt.date(2017, 3, 1)
    first = in_force(pack.rules, day)
    assert in_force(pack.rules, day) == first  # kept for the same rules and day
    assert in_force(pack.rules, dt.date(2015, 1, 1))[1].citation.edition == "2009"
    fewer = [r for r in pack.rules if r.id != "massage.test"]
    assert [r.id for r in in_force(fewer, day)] == ["catch_all.test"]
    fewer.append(pack.rule("massage.test"))  # the same list, changed: read afresh
    assert [r.id for r in in_force(fewer, day)] == ["catch_all.test", "massage.test"]
