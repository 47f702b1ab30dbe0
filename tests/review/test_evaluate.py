"""Three-valued criteria: met / not met / not documented, combined by all, any, at least N."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from openimr.model import (
    Assertion,
    CriterionStatus,
    Evidence,
    Fact,
    Request,
    ReviewerAssessment,
)
from openimr.pack.loader import load_pack
from openimr.pack.schema import Node
from openimr.review.evaluate import combine_all, combine_at_least, evaluate
from openimr.review.select import select_rule

MET, NOT_MET, GAP = CriterionStatus.MET, CriterionStatus.NOT_MET, CriterionStatus.NOT_DOCUMENTED
PACK = load_pack()


def test_all_is_not_met_when_any_part_is_not_met() -> None:
    assert combine_all([MET, GAP, NOT_MET]) is NOT_MET
    assert combine_all([MET, GAP]) is GAP
    assert combine_all([MET, MET]) is MET


def test_at_least_counts_what_could_still_be_met() -> None:
    assert combine_at_least(2, [MET, MET, NOT_MET]) is MET
    assert combine_at_least(2, [MET, GAP, NOT_MET]) is GAP
    assert combine_at_least(2, [MET, NOT_MET, NOT_MET]) is NOT_MET
    assert combine_at_least(1, [GAP, NOT_MET]) is GAP


def test_fact_objects_carry_their_evidence_onto_the_criterion() -> None:
    rule = PACK.rule("acupuncture.amtg_2009")
    request = Request(
        text="Acupuncture x6", service="acupuncture", quantity=6, phase="initial_trial"
    )
    words = Evidence(text="continues home exercise and PT", start=10, end=40)
    facts = {"active_therapy_concurrent": Fact(kind="active_therapy", value=True, evidence=[words])}
    result = evaluate(rule, request, facts)
    adjunct = next(c for c in result.criteria if c.id == "adjunct_to_rehabilitation")
    assert adjunct.status is MET
    assert adjunct.evidence == [words]


def test_negated_and_uncertain_facts() -> None:
    rule = PACK.rule("acupuncture.amtg_2009")
    request = Request(
        text="Acupuncture x6", service="acupuncture", quantity=6, phase="initial_trial"
    )
    negated = {"active_therapy_concurrent": Fact(kind="x", assertion=Assertion.NEGATED)}
    uncertain = {"active_therapy_concurrent": Fact(kind="x", assertion=Assertion.UNCERTAIN)}
    status = {c.id: c.status for c in evaluate(rule, request, negated).criteria}
    assert status["adjunct_to_rehabilitation"] is NOT_MET
    status = {c.id: c.status for c in evaluate(rule, request, uncertain).criteria}
    assert status["adjunct_to_rehabilitation"] is GAP


def test_gaps_say_what_to_document() -> None:
    rule = PACK.rule("acupuncture.amtg_2009")
    request = Request(
        text="Acupuncture x6", service="acupuncture", quantity=6, phase="initial_trial"
    )
    result = evaluate(rule, request, {})
    assert result.status is GAP
    assert "Document the concurrent physical rehabilitation or exercise program." in result.gaps


def test_evaluation_is_deterministic() -> None:
    rule = PACK.rule("acupuncture.amtg_2009")
    request = Request(
        text="Acupuncture x8", service="acupuncture", quantity=8, phase="continuation"
    )
    facts = {"prior_sessions_same_modality": 6, "functional_improvement_documented": True}
    assert evaluate(rule, request, facts) == evaluate(rule, request, facts)


def test_edition_by_date() -> None:
    request = Request(text="Acupuncture x6", service="acupuncture", body_regions=["lumbar"])
    assert select_rule(PACK.rules, request, dt.date(2017, 11, 30)).id == "acupuncture.amtg_2009"
    assert select_rule(PACK.rules, request, dt.date(2017, 12, 1)).id == "acupuncture.acoem_2017"


def test_catch_all_routes_to_physician_and_says_why() -> None:
    request = Request(text="Shockwave", service="unknown")
    rule = select_rule(PACK.rules, request, dt.date(2014, 1, 1))
    result = evaluate(rule, request, {})
    assert result.decided_by == "physician_judgement_required"
    assert "physician reviewer decides" in result.reason


def test_a_value_of_the_wrong_kind_is_not_documented() -> None:
    rule = PACK.rule("acupuncture.amtg_2009")
    request = Request(text="Acupuncture x6", service="acupuncture", quantity=6)
    facts = {"active_therapy_concurrent": "yes", "prior_sessions_same_modality": "twelve"}
    status = {c.id: c.status for c in evaluate(rule, request, facts).criteria}
    assert status["adjunct_to_rehabilitation"] is GAP
    assert status["trial_treatments"] is GAP


def test_limit_on_a_fact_compares_the_documented_number() -> None:
    rule = PACK.rule("opioids.continuation_cpmtg_2009")
    request = Request(text="Norco", service="opioid", phase="continuation")
    within = {
        c.id: c.status
        for c in evaluate(rule, request, {"morphine_equivalent_mg_per_day": 90}).criteria
    }
    above = {
        c.id: c.status
        for c in evaluate(
            rule,
            request,
            {"morphine_equivalent_mg_per_day": 200, "pain_management_consultation": False},
        ).criteria
    }
    assert within["dose_ceiling"] is MET
    assert above["dose_ceiling"] is NOT_MET


REVIEWER = CriterionStatus.NEEDS_REVIEWER


def test_a_criterion_only_the_reviewer_can_assess_outranks_a_gap_but_not_a_failure() -> None:
    assert combine_all([MET, GAP, REVIEWER]) is REVIEWER
    assert combine_all([REVIEWER, NOT_MET]) is NOT_MET
    assert combine_at_least(1, [GAP, REVIEWER]) is REVIEWER
    assert combine_at_least(2, [MET, REVIEWER, NOT_MET]) is REVIEWER
    assert combine_at_least(2, [REVIEWER, NOT_MET, NOT_MET]) is NOT_MET


def _sacroiliac(facts: dict) -> tuple[dict[str, CriterionStatus], CriterionStatus]:
    rule = PACK.rule("sacroiliac_joint_injection.odg")
    request = Request(
        text="Right SI joint injection under fluoroscopy",
        service="sacroiliac_joint_injection",
        quantity=1,
        body_regions=["lumbar"],
    )
    result = evaluate(rule, request, facts)
    return {c.id: c.status for c in result.criteria}, result.status


def test_a_physician_assessed_predicate_is_never_reported_as_not_documented() -> None:
    assessed = ReviewerAssessment(predicate="other_pain_generators_excluded", reason="judgement")
    statuses, verdict = _sacroiliac({"other_pain_generators_excluded": assessed})
    assert statuses["other_generators_excluded"] is REVIEWER and verdict is not GAP
    # The same criterion with a plain absence is a documentation gap.
    statuses, _ = _sacroiliac({})
    assert statuses["other_generators_excluded"] is GAP


def test_an_exception_the_records_leave_open_does_not_soften_an_exceeded_limit() -> None:
    rule = PACK.rule("acupuncture.amtg_2009")
    request = Request(
        text="Acupuncture x8", service="acupuncture", quantity=8, phase="continuation"
    )
    facts = {"prior_sessions_same_modality": 6, "active_therapy_concurrent": True}
    result = evaluate(rule, request, facts)
    trial = next(c for c in result.criteria if c.id == "trial_treatments")
    assert trial.status is NOT_MET and result.status is NOT_MET
    lifted = evaluate(rule, request, {**facts, "functional_improvement_documented": True})
    assert lifted.status is MET


def test_a_bar_the_records_do_not_state_is_met_and_one_they_state_is_not() -> None:
    rule = PACK.rule("work_conditioning.cpmtg_2009")
    request = Request(text="Work conditioning x10", service="work_conditioning", quantity=10)
    silent = {c.id: c.status for c in evaluate(rule, request, {}).criteria}
    assert silent["not_repeated"] is MET
    assert silent["able_to_participate"] is GAP  # an ordinary criterion is still a gap
    done = {"prior_same_program": Fact(kind="prior_program", value=True)}
    assert {c.id: c.status for c in evaluate(rule, request, done).criteria}[
        "not_repeated"
    ] is NOT_MET


def test_only_a_bar_may_be_met_by_silence() -> None:
    with pytest.raises(ValidationError, match="is for a bar"):
        Node(id="x", text="x", gap="x", predicate="prior_same_program", unstated="met")
    assert Node(id="x", text="x", gap="x", predicate="p", expect=False, unstated="met")
