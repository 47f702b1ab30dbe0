"""From a Case to the determination a physician reviewer would sign.

For each request: the rule in force on the decision date (MTUS first, then the lower levels
of the search sequence), every criterion checked against the facts, the decision, the
rationale and the documentation gaps. Items no rule covers, and items whose records
contradict themselves, go to physician judgement with the reason said.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from openimr.model import (
    OVERTURNED,
    UPHELD,
    Case,
    Criterion,
    CriterionStatus,
    Determination,
    Fact,
    Intake,
    ItemDecision,
    Request,
)
from openimr.pack.answers import Predicates
from openimr.pack.editions import earliest_edition, in_force
from openimr.pack.hierarchy import rank
from openimr.pack.loader import Pack, load_pack
from openimr.pack.schema import ImpliedPhase, Rule
from openimr.review.decision_date import DecisionDate, check_in_range, decision_date
from openimr.review.dependent import CRITERION, follow_operations
from openimr.review.evaluate import RuleResult, evaluate
from openimr.review.rationale import explain, write_rationale
from openimr.review.select import candidates, select_rule
from openimr.review.supply import require_supply


@cache
def default_pack() -> Pack:
    return load_pack(with_cases=False)


def pack_version(pack: Pack) -> str:
    return f"{pack.info.name} {pack.info.version}"


def source_texts(case: Case) -> dict[str, str] | None:
    if case.text_origin == "input":
        return None
    texts = {"clinical_summary": case.clinical_summary}
    texts |= {f"records[{i}]": record.text for i, record in enumerate(case.records)}
    return texts


@dataclass
class ItemReview:
    """Everything behind one item's decision, for reports that need more than the letter."""

    decision: ItemDecision
    rule: Rule | None
    result: RuleResult | None
    passed_over: list[str] = field(default_factory=list)
    """Why higher levels of the search sequence were not used."""
    deciding: list[Criterion] = field(default_factory=list)
    """The criteria that decided an Upheld item (not met or not documented)."""


@dataclass
class CaseReview:
    determination: Determination
    case: Case
    facts: list[Fact]
    date: DecisionDate
    items: list[ItemReview]
    pack: Pack


def _passed_over(pack: Pack, rule: Rule | None, request: Request, day: dt.date) -> list[str]:
    if rule is None or rule.catch_all:
        return [
            "No rule at any level of the search sequence (MTUS; ACOEM or ODG; other "
            "guidelines) in this pack addresses the service on this date."
        ]
    level = rank(rule.citation.hierarchy_level)
    if level == 0:
        return []
    higher = [
        r for r in candidates(pack.rules, request, day) if rank(r.citation.hierarchy_level) < level
    ]
    if higher:
        return []
    return [
        f"The MTUS in force on {day.isoformat()} does not address this service, so the "
        f"{rule.citation.guideline} applies (8 CCR 9792.21.1)."
    ]


@dataclass
class Selection:
    """Step 1: the request as read, the predicates that answer it, the rule that governs it,
    and that rule evaluated (once)."""

    request: Request
    predicates: Predicates
    rule: Rule | None
    result: RuleResult | None


def select(
    pack: Pack,
    request: Request,
    facts: list[Fact],
    day: dt.date,
    edition_day: dt.date | None = None,
) -> Selection:
    """The rule in force for the request, trying first the phases the pack implies for a
    request that names none (care after an operation is post-surgical). Facts are read as of
    ``day``; the edition is the one in force on ``edition_day`` (the request's UR decision
    date when the case gives it; else ``day``)."""
    edition_day = edition_day or day
    if request.phase is None:
        for implied in pack.info.implied_phases:
            selection = _implied(pack, request, facts, day, implied, edition_day)
            if selection is not None:
                return selection
    predicates = Predicates(pack, facts, request, day)
    rule = select_rule(pack.rules, request, edition_day, predicates)
    result = evaluate(rule, request, predicates) if rule is not None else None
    return Selection(request, predicates, rule, result)


def _implied(
    pack: Pack,
    request: Request,
    facts: list[Fact],
    day: dt.date,
    implied: ImpliedPhase,
    edition_day: dt.date,
) -> Selection | None:
    """The request read in ``implied.phase``, if a rule for it applies and every limit of
    that rule on the period is met."""
    if not any(
        implied.phase in rule.applies_to.phases and request.service in rule.applies_to.services
        for rule in in_force(pack.rules, edition_day)
    ):
        return None
    reading = request.model_copy(update={"phase": implied.phase})
    predicates = Predicates(pack, facts, reading, day)
    if predicates.get(implied.period) is None:
        return None
    rule = select_rule(pack.rules, reading, edition_day, predicates)
    if rule is None or implied.phase not in rule.applies_to.phases:
        return None
    periods = [limit.id for limit in rule.limits if limit.predicate == implied.period]
    if not periods:
        return None
    result = evaluate(rule, reading, predicates)
    statuses = result.status_of()
    if all(statuses.get(limit) is CriterionStatus.MET for limit in periods):
        return Selection(reading, predicates, rule, result)
    return None


def _judgement_reason(selection: Selection) -> str:
    """Why the physician reviewer must decide, or "" when the rule decides."""
    result = selection.result
    request = selection.request
    if request.also_names:
        named = " and ".join([request.service.replace("_", " "), *request.also_names])
        return (
            f"The title asks for more than one item ({named}); IMR decides each item on its "
            "own, so the physician reviewer splits the request and decides each part."
        )
    if selection.rule is None or result is None:
        return "No rule in the guideline pack covers this service."
    if result.decided_by == "physician_judgement_required":
        return result.reason
    if result.status is CriterionStatus.NEEDS_REVIEWER:
        # The leaves asking a physician-assessed predicate (groups above them also wait).
        waiting = {c.id: c for c in result.criteria if c.status is CriterionStatus.NEEDS_REVIEWER}
        rule = selection.rule
        nodes = [
            rule.criteria,
            *(e.when for e in rule.exceptions),
            *(lim.when for lim in rule.limits),
        ]
        leaves = [leaf for node in nodes if node for leaf in node.leaves() if leaf.id in waiting]
        texts = [waiting[leaf.id].text.rstrip(".") for leaf in leaves if leaf.predicate]
        return (
            "The records cannot settle this item: the physician reviewer assesses "
            + "; ".join(dict.fromkeys(texts or [c.text.rstrip(".") for c in waiting.values()]))
            + "."
        )
    contradictions = selection.predicates.contradictions
    if contradictions:
        return (
            "The records contradict themselves: "
            + "; ".join(
                f"{name.replace('_', ' ')}: {why}" for name, why in sorted(contradictions.items())
            )
            + "."
        )
    return ""


def review_request(
    pack: Pack,
    request: Request,
    facts: list[Fact],
    day: dt.date,
    edition_day: dt.date | None = None,
) -> ItemReview:
    """select -> evaluate (in select) -> explain -> decide, each once. ``edition_day`` picks
    the guideline edition (default ``day``)."""
    edition_day = edition_day or day
    selection = select(pack, request, facts, day, edition_day)
    request, rule, result = selection.request, selection.rule, selection.result
    passed_over = _passed_over(pack, rule, request, edition_day)
    judgement_reason = _judgement_reason(selection)
    if judgement_reason or result is None:
        necessary, decision = None, None
    else:
        necessary = result.status is CriterionStatus.MET
        decision = OVERTURNED if necessary else UPHELD
    criteria = list(result.criteria) if result else []
    explanation = explain(rule, result, request) if rule and result else None
    rationale = write_rationale(rule, explanation, request, necessary, judgement_reason)
    by_id = {criterion.id: criterion for criterion in criteria}
    deciding = (
        [by_id[i] for i in dict.fromkeys(explanation.deciding) if i in by_id]
        if explanation and decision == UPHELD
        else []
    )
    item = ItemDecision(
        request=request.text,
        service=request.service,
        decision=decision,
        medically_necessary=necessary,
        decided_by="physician_judgement_required" if judgement_reason else "rule",
        rule_id=rule.id if rule else None,
        guideline=rule.citation.as_citation() if rule else None,
        criteria=criteria,
        rationale=rationale,
        documentation_gaps=explanation.gaps if explanation and decision == UPHELD else [],
    )
    checked = require_supply(request, item, pack.info.supply_required)
    if checked is not item:
        item, deciding = checked, [checked.criteria[0]]
    return ItemReview(item, rule, result, passed_over, deciding)


def review_case(
    intake: Intake,
    *,
    pack: Pack | None = None,
    on: dt.date | None = None,
    today: dt.date | None = None,
) -> CaseReview:
    """Review what intake read: each request against the rule in force on the decision date."""
    pack = pack or default_pack()
    case, facts = intake.case, intake.facts
    today = today or dt.date.today()
    date = check_in_range(
        decision_date(case, intake.events, on, today),
        earliest=earliest_edition(pack.rules),
        today=today,
    )
    items = [
        review_request(pack, request, facts, date.date, date.edition_day)
        for request in case.requests
    ]
    followed = follow_operations(
        list(case.requests),
        [item.decision for item in items],
        pack.info.follows_operation,
    )
    for item, decision in zip(items, followed, strict=True):
        if decision is not item.decision:
            item.decision = decision
            item.deciding = [c for c in decision.criteria if c.id == CRITERION][:1]
    determination = Determination(
        case_id=case.case_id,
        decision_date=date.date,
        pack_version=pack_version(pack),
        input_sha256=case.input_sha256 or "",
        items=[item.decision for item in items],
        reviewer=case.reviewer,
        source_texts=source_texts(case),
    )
    return CaseReview(determination, case, facts, date, items, pack)
