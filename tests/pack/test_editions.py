"""Which rule governs a request on a date: edition, search sequence, specificity."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from openimr.model import CriterionStatus, Request
from openimr.pack.loader import load_pack
from openimr.review.evaluate import combine_all, combine_at_least
from openimr.review.select import candidates, select_rule

PACK = load_pack()
STATUSES = st.lists(st.sampled_from(list(CriterionStatus)), min_size=1, max_size=6)


def pick(day: dt.date, **fields) -> str:
    rule = select_rule(PACK.rules, Request(text="request", **fields), day)
    return rule.id if rule else ""


def test_dates_are_inclusive_at_both_ends() -> None:
    assert pick(dt.date(2009, 7, 18), service="massage") == "massage.cpmtg_2009"
    assert pick(dt.date(2016, 7, 28), service="massage") == "massage.cpmtg_2009"
    on_28 = select_rule(
        PACK.rules, Request(text="Massage", service="massage"), dt.date(2016, 7, 28)
    )
    on_29 = select_rule(
        PACK.rules, Request(text="Massage", service="massage"), dt.date(2016, 7, 29)
    )
    assert on_28.citation.edition == "May 2009"
    assert on_29.id == "massage.cpmtg_2009" and on_29.citation.edition.startswith("2016")
    assert pick(dt.date(2017, 11, 30), service="massage") == "massage.cpmtg_2009"
    assert pick(dt.date(2017, 12, 1), service="massage") != "massage.cpmtg_2009"


def test_opioid_editions_follow_each_other() -> None:
    cont = {"service": "opioid", "phase": "continuation"}
    assert pick(dt.date(2016, 7, 28), **cont) == "opioids.continuation_cpmtg_2009"
    assert pick(dt.date(2016, 7, 29), **cont) == "opioids.dwc_2016"
    assert pick(dt.date(2017, 11, 30), **cont) == "opioids.dwc_2016"
    assert pick(dt.date(2017, 12, 1), **cont) == "opioids.acoem_2017"


def test_mtus_comes_before_odg_in_the_search_sequence() -> None:
    request = Request(text="Chiropractic neck", service="chiropractic", body_regions=["cervical"])
    day = dt.date(2014, 1, 1)
    found = candidates(PACK.rules, request, day)
    assert [r.id for r in found] == ["chiropractic.odg_neck"]  # CPMTG section is low back


def test_the_more_specific_rule_wins() -> None:
    day = dt.date(2014, 1, 1)
    assert pick(day, service="chiropractic", body_regions=["knee"]) == (
        "chiropractic.not_recommended_regions"
    )
    assert pick(day, service="tens", phase="continuation") == "tens.purchase_cpmtg_2009"
    assert pick(day, service="tens") == "tens.trial_cpmtg_2009"


def test_drug_named_in_the_request_text_selects_its_rule() -> None:
    day = dt.date(2014, 1, 1)
    rule = select_rule(PACK.rules, Request(text="Soma 350mg #30", service="muscle_relaxant"), day)
    assert rule.id == "muscle_relaxants.carisoprodol_cpmtg_2009"


def test_postsurgical_rule_follows_the_documented_surgery() -> None:
    day = dt.date(2015, 1, 1)
    request = Request(text="Post-op PT", service="physical_therapy", phase="post_surgical")
    fusion = select_rule(PACK.rules, request, day, {"diagnoses": ["after_lumbar_fusion"]})
    unknown = select_rule(PACK.rules, request, day, {})
    assert fusion.id == "postsurgical_physical_medicine.lumbar_fusion"
    assert unknown.id == "postsurgical_physical_medicine.other_surgery"


@given(STATUSES)
def test_all_does_not_depend_on_order(statuses: list[CriterionStatus]) -> None:
    assert combine_all(statuses) is combine_all(list(reversed(statuses)))


@given(STATUSES)
def test_any_is_at_least_one(statuses: list[CriterionStatus]) -> None:
    met = CriterionStatus.MET in statuses
    result = combine_at_least(1, statuses)
    assert (result is CriterionStatus.MET) == met


@given(STATUSES)
def test_all_met_only_when_every_part_is_met(statuses: list[CriterionStatus]) -> None:
    every = all(s is CriterionStatus.MET for s in statuses)
    assert (combine_all(statuses) is CriterionStatus.MET) == every


def test_surgery_specific_rule_needs_the_surgery_documented() -> None:
    day = dt.date(2015, 1, 1)
    request = Request(
        text="Post-op PT neck",
        service="physical_therapy",
        phase="post_surgical",
        body_regions=["cervical"],
    )
    assert (
        select_rule(PACK.rules, request, day).id == "postsurgical_physical_medicine.other_surgery"
    )


def test_phase_less_request_is_not_taken_for_maintenance() -> None:
    day = dt.date(2014, 1, 1)
    assert pick(day, service="chiropractic", body_regions=["cervical"]) == "chiropractic.odg_neck"
    assert pick(day, service="physical_therapy", body_regions=["lumbar"]) == (
        "physical_therapy.cpmtg_2009"
    )
