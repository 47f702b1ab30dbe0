"""Rule selection: which of the rules in force governs a request on a given day.

A request is matched on service, then body region and phase; among the rules in force
the highest level of the search sequence wins, then the most specific rule. When no
rule matches, the catch-all routes the request to physician judgement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from openimr.model import Request
from openimr.pack.editions import in_force
from openimr.pack.hierarchy import rank
from openimr.pack.schema import Rule
from openimr.vocabulary import vocabulary

DIAGNOSES = "diagnoses"
NAMED_ONLY = frozenset(vocabulary().phases_named_only)


def _names_one_of(words: list[str], request: Request) -> bool:
    named = " ".join(filter(None, [request.drug.name if request.drug else None, request.text]))
    return any(word in named.lower() for word in words)


def _diagnoses(facts: Mapping[str, Any]) -> set[str] | None:
    value = facts.get(DIAGNOSES)
    value = getattr(value, "value", value)
    return set(value) if isinstance(value, list | tuple | set) else None


def matches(rule: Rule, request: Request, facts: Mapping[str, Any] | None = None) -> bool:
    scope = rule.applies_to
    if request.service not in scope.services:
        return False
    if scope.drugs and not _names_one_of(scope.drugs, request):
        return False
    if scope.names and not _names_one_of(scope.names, request):
        return False
    # A rule written for named conditions (e.g. one surgery) applies only when the records
    # document one of them; otherwise a more general rule governs.
    if scope.conditions and not set(scope.conditions) & (_diagnoses(facts or {}) or set()):
        return False
    regions = set(request.body_regions)
    if scope.body_regions and regions and not set(scope.body_regions) & regions:
        return False
    if scope.region_named and not regions:
        return False
    if scope.phases and not request.phase:
        # A request that names no phase is ordinary treatment: it is not post-surgical,
        # maintenance or a flare-up unless it says so.
        return not set(scope.phases) <= NAMED_ONLY
    return not (scope.phases and request.phase not in scope.phases)


def specificity(rule: Rule, request: Request, facts: Mapping[str, Any] | None = None) -> int:
    """How many of the request's details the rule names (drug, condition, region, phase)."""
    scope = rule.applies_to
    score = 1 if scope.drugs or scope.names else 0
    if scope.conditions and set(scope.conditions) & (_diagnoses(facts or {}) or set()):
        score += 1
    if scope.body_regions and set(scope.body_regions) & set(request.body_regions):
        score += 1
    if scope.phases and request.phase in scope.phases:
        score += 1
    # A rule narrowed to a region or phase the request does not state is a guess: prefer a
    # rule that does not need it.
    if scope.body_regions and not request.body_regions:
        score -= 1
    if scope.phases and not request.phase:
        score -= 1
    return score


def candidates(
    rules: list[Rule], request: Request, day: dt.date, facts: Mapping[str, Any] | None = None
) -> list[Rule]:
    """Matching rules in force, best first (search sequence, specificity, id)."""
    found = [r for r in in_force(rules, day) if not r.catch_all and matches(r, request, facts)]
    return sorted(
        found,
        key=lambda r: (rank(r.citation.hierarchy_level), -specificity(r, request, facts), r.id),
    )


def select_rule(
    rules: list[Rule], request: Request, day: dt.date, facts: Mapping[str, Any] | None = None
) -> Rule | None:
    """The rule that governs the request on ``day``; the catch-all if none does."""
    best = candidates(rules, request, day, facts)
    if best:
        return best[0]
    catch_all = [r for r in in_force(rules, day) if r.catch_all]
    return catch_all[0] if catch_all else None
