"""Run golden cases: select the rule for the case's date, evaluate, compare with expectations."""

from __future__ import annotations

from openimr.pack.loader import Pack
from openimr.pack.schema import GoldenCase
from openimr.review.evaluate import RuleResult, evaluate
from openimr.review.select import select_rule


def run_case(pack: Pack, case: GoldenCase) -> tuple[RuleResult | None, list[str]]:
    """The result and every way it differs from what the case expects (empty: it passes)."""
    where = f"{case.source}: case {case.id}"
    rule = select_rule(pack.rules, case.request, case.date, case.facts)
    if rule is None:
        return None, [f"{where}: no rule (not even the catch-all) is in force on {case.date}"]
    if rule.id != case.expect.rule:
        return None, [f"{where}: selected rule {rule.id}, expected {case.expect.rule}"]
    result = evaluate(rule, case.request, case.facts)
    problems = []
    if result.status != case.expect.verdict:
        problems.append(f"{where}: verdict {result.status}, expected {case.expect.verdict}")
    if result.decided_by != case.expect.decided_by:
        problems.append(
            f"{where}: decided by {result.decided_by}, expected {case.expect.decided_by}"
        )
    actual = result.status_of()
    for criterion, expected in sorted(case.expect.criteria.items()):
        got = actual.get(criterion)
        if got != expected:
            problems.append(f"{where}: criterion {criterion} is {got}, expected {expected}")
    return result, problems


MIN_CASES_PER_RULE = 2


def run_all(pack: Pack) -> list[str]:
    """Every golden case, and every rule with fewer than two cases to show it works."""
    problems = [problem for case in pack.cases for problem in run_case(pack, case)[1]]
    counts = {rule.id: 0 for rule in pack.rules}
    for case in pack.cases:
        counts[case.expect.rule] = counts.get(case.expect.rule, 0) + 1
    for rule in pack.rules:
        if counts[rule.id] < MIN_CASES_PER_RULE:
            problems.append(
                f"{rule.source}: rule {rule.id}: {counts[rule.id]} golden case(s), "
                f"needs at least {MIN_CASES_PER_RULE}"
            )
    return problems
