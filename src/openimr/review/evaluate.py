"""Three-valued evaluation of a rule against a request and the documented facts.

A pure function: the same rule, request and facts always give the same result. Facts map
predicate ids to values, or to ``openimr.model.Fact`` objects whose evidence is carried
onto the criterion. A fact that is absent, uncertain or hypothetical is *not documented*:
the criterion says what the records would have to show (a documentation gap). A predicate
the pack declares physician-assessed (``ReviewerAssessment``) is never "not documented": its
criterion *needs the reviewer*, and so does the verdict unless another criterion is not met.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from openimr.model import (
    Assertion,
    Criterion,
    CriterionStatus,
    Evidence,
    Fact,
    Measurement,
    Model,
    Request,
    ReviewerAssessment,
)
from openimr.pack.schema import Limit, Node, Rule
from openimr.vocabulary import vocabulary

MET = CriterionStatus.MET
NOT_MET = CriterionStatus.NOT_MET
NOT_DOCUMENTED = CriterionStatus.NOT_DOCUMENTED
NEEDS_REVIEWER = CriterionStatus.NEEDS_REVIEWER

# The fact a `total_with_prior` limit adds to the requested quantity.
PRIOR_SESSIONS = "prior_sessions_same_modality"
_CALENDAR = vocabulary().calendar
WEEKS_PER = {"day": 1 / _CALENDAR.days_per_week, "week": 1.0, "month": _CALENDAR.weeks_per_month}


class RuleResult(Model):
    rule_id: str
    status: CriterionStatus
    """met: the request meets the guideline (Overturned-eligible); otherwise it does not."""
    decided_by: Literal["rule", "physician_judgement_required"]
    criteria: list[Criterion] = Field(default_factory=list)
    exceptions: list[Criterion] = Field(default_factory=list)
    reason: str = ""

    def status_of(self) -> dict[str, CriterionStatus]:
        return {c.id: c.status for c in self.criteria}

    @property
    def gaps(self) -> list[str]:
        return [c.gap for c in self.criteria if c.status is NOT_DOCUMENTED and c.gap]


def combine_all(statuses: list[CriterionStatus]) -> CriterionStatus:
    # A criterion not met decides; otherwise one the reviewer must weigh comes before a gap
    # in the records, because the reviewer's reading could still meet it.
    for status in (NOT_MET, NEEDS_REVIEWER, NOT_DOCUMENTED):
        if status in statuses:
            return status
    return MET


def combine_at_least(needed: int, statuses: list[CriterionStatus]) -> CriterionStatus:
    met = statuses.count(MET)
    if met >= needed:
        return MET
    open_ = statuses.count(NOT_DOCUMENTED) + statuses.count(NEEDS_REVIEWER)
    if met + open_ >= needed:
        return NEEDS_REVIEWER if NEEDS_REVIEWER in statuses else NOT_DOCUMENTED
    return NOT_MET


def _documented_value(facts: Mapping[str, Any], key: str) -> tuple[Any, list[Evidence]]:
    """The value of a fact, or None when it is absent or not firmly asserted."""
    value = facts.get(key)
    if isinstance(value, ReviewerAssessment):
        return None, []
    if isinstance(value, Fact):
        if value.assertion is Assertion.NEGATED:
            return (False if isinstance(value.value, bool) or value.value is None else None), []
        if value.assertion is not Assertion.PRESENT and value.assertion is not Assertion.HISTORICAL:
            return None, []
        return (True if value.value is None else value.value), list(value.evidence)
    return value, []


def _compare(node: Node | Limit, value: Any) -> CriterionStatus:
    """Compare a documented value; a value of the wrong kind counts as not documented."""
    if isinstance(node, Node) and node.one_of is not None:
        chosen = set(value) if isinstance(value, list | tuple | set) else {value}
        return MET if chosen & set(node.one_of) else NOT_MET
    if node.min is not None or node.max is not None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return NOT_DOCUMENTED
        if node.min is not None and value < node.min:
            return NOT_MET
        if node.max is not None and value > node.max:
            return NOT_MET
        return MET
    if not isinstance(value, bool):
        return NOT_DOCUMENTED
    expected = True if not isinstance(node, Node) or node.expect is None else node.expect
    return MET if value is expected else NOT_MET


def _evaluate_node(node: Node, facts: Mapping[str, Any], out: list[Criterion]) -> CriterionStatus:
    if node.predicate is not None:
        value, evidence = _documented_value(facts, node.predicate)
        if isinstance(facts.get(node.predicate), ReviewerAssessment):
            status = NEEDS_REVIEWER
        else:
            status = NOT_DOCUMENTED if value is None else _compare(node, value)
            if value is None and node.unstated == "met":
                status = MET  # a bar the records would state, and do not
        gap = node.gap if status is NOT_DOCUMENTED else None
        numeric = node.min is not None or node.max is not None
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        measurement = (
            Measurement(value=number, min=node.min, max=node.max, predicate=node.predicate)
            if numeric
            else None
        )
        out.append(
            Criterion(
                id=node.id or "",
                text=node.text or "",
                status=status,
                evidence=evidence,
                gap=gap,
                measured=measurement,
            )
        )
        return status
    statuses = [_evaluate_node(child, facts, out) for child in node.children]
    if node.all is not None:
        status = combine_all(statuses)
    else:
        status = combine_at_least(node.at_least or 1, statuses)
    if node.id:
        out.append(Criterion(id=node.id, text=node.text or "", status=status))
    return status


def request_measure(limit: Limit, request: Request, facts: Mapping[str, Any]) -> float | None:
    """The number a limit compares, or None when the request or records do not state it."""
    if limit.predicate is not None:
        value, _ = _documented_value(facts, limit.predicate)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value)
    frequency = request.frequency
    if limit.of == "quantity":
        return None if request.quantity is None else float(request.quantity)
    if limit.of == "levels":
        return float(len(request.spinal_levels)) if request.spinal_levels else None
    if limit.of == "per_week":
        if frequency is None or frequency.times is None or frequency.per is None:
            return None
        return frequency.times / WEEKS_PER[frequency.per]
    if limit.of == "weeks":
        if frequency is None or frequency.duration is None or frequency.duration_unit is None:
            return None
        return frequency.duration * WEEKS_PER[frequency.duration_unit]
    # total_with_prior: a request for an initial trial has, by its own terms, no prior sessions.
    prior, _ = _documented_value(facts, PRIOR_SESSIONS)
    if prior is None and (request.phase == "initial_trial" or request.continuation is False):
        prior = 0
    if isinstance(prior, bool) or not isinstance(prior, int | float) or request.quantity is None:
        return None
    return float(prior) + request.quantity


def _evaluate_limit(
    limit: Limit, request: Request, facts: Mapping[str, Any], conditions: list[Criterion]
) -> Criterion | None:
    measured = request_measure(limit, request, facts)
    if (
        measured is None
        and limit.of == "total_with_prior"
        and request.quantity is not None
        and limit.max is not None
        and request.quantity > limit.max
    ):
        # Whatever was given before, the request alone is over the cap; IMR cannot cut a
        # request down to what is allowed ("no provision for modification"), so the limit
        # is exceeded.
        measured = float(request.quantity)
    if measured is None and limit.unstated == "skip":
        return None
    measurement = Measurement(
        value=measured,
        min=limit.min,
        max=limit.max,
        unit=limit.unit,
        of=limit.of,
        predicate=limit.predicate,
    )
    criterion = Criterion(
        id=limit.id, text=limit.text, status=NOT_DOCUMENTED, gap=limit.gap, measured=measurement
    )
    if limit.when is not None:
        applies = _evaluate_node(limit.when, facts, conditions)
        if applies is NOT_MET:
            return None
        if applies is NOT_DOCUMENTED and limit.unknown_when == "skip":
            return None
        if applies is NOT_DOCUMENTED:
            return criterion
    if measured is None:
        return criterion
    return criterion.model_copy(update={"status": _compare(limit, measured), "gap": None})


def _recommendation(rule: Rule) -> Criterion:
    if rule.recommendation == "not_recommended":
        return Criterion(id="recommendation", text=rule.statement, status=NOT_MET)
    return Criterion(id="recommendation", text=rule.statement, status=MET)


def evaluate(rule: Rule, request: Request, facts: Mapping[str, Any]) -> RuleResult:
    """Every criterion of ``rule`` for ``request``, and the rule's own verdict."""
    if rule.catch_all:
        reason = (
            f"No rule in the pack addresses {request.service!r} on this date; "
            "the physician reviewer decides under the search sequence (9792.21.1)."
        )
        return RuleResult(
            rule_id=rule.id,
            status=NOT_DOCUMENTED,
            decided_by="physician_judgement_required",
            reason=reason,
        )
    criteria = [_recommendation(rule)]
    hidden: list[Criterion] = []  # the `when` of limits: conditions, not criteria themselves
    for limit in rule.limits:
        checked = _evaluate_limit(limit, request, facts, hidden)
        if checked is not None:
            criteria.append(checked)

    exceptions: list[Criterion] = []
    by_id = {c.id: c for c in criteria}
    for exception in rule.exceptions:
        bound = [by_id[i] for i in exception.lifts if i in by_id and by_id[i].status is not MET]
        if not bound:
            continue
        parts: list[Criterion] = []
        applies = _evaluate_node(exception.when, facts, parts)
        exceptions.append(
            Criterion(
                id=exception.id,
                text=exception.text,
                status=applies,
                evidence=[e for p in parts for e in p.evidence],
                gap=exception.gap if applies is NOT_DOCUMENTED else None,
            )
        )
        for criterion in bound:
            if applies is MET:
                criterion.status, criterion.gap = MET, None
                criterion.text += f" (exception applies: {exception.text})"
            elif applies is NEEDS_REVIEWER:
                # Only the reviewer can say whether the exception lifts the limit.
                criterion.status, criterion.gap = NEEDS_REVIEWER, None
            # An exception the records leave undocumented lifts nothing: a limit the request
            # exceeds stays exceeded (the exception's own gap says what would lift it).

    status = combine_all([c.status for c in criteria])  # recommendation and limits
    if rule.criteria is not None:
        status = combine_all([status, _evaluate_node(rule.criteria, facts, criteria)])
    judged = rule.recommendation == "physician_judgement"
    return RuleResult(
        rule_id=rule.id,
        status=status,
        decided_by="physician_judgement_required" if judged else "rule",
        criteria=criteria,
        exceptions=exceptions,
        reason=_reason(rule, status),
    )


def _reason(rule: Rule, status: CriterionStatus) -> str:
    if rule.recommendation == "physician_judgement":
        return rule.judgement_reason or (
            "The guideline leaves this to clinical judgement; the physician reviewer decides."
        )
    if status is MET:
        return "Every criterion of the rule is met by the records."
    if status is NOT_MET:
        return "At least one criterion of the rule is not met."
    if status is NEEDS_REVIEWER:
        return "A criterion of the rule needs the physician reviewer's assessment."
    return "At least one criterion of the rule is not documented in the records."
