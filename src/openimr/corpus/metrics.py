"""Agreement between published IMR decisions and openimr's: the numbers `openimr eval` reports.

Items left to physician judgement have no decision of ours; they count in the coverage
figures and in the confusion matrix's own column, and are left out of the agreement
statistics, which compare decided items only.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

from pydantic import Field

from openimr.model import Decision, Model

DECISIONS: tuple[Decision, Decision] = ("Upheld", "Overturned")
JUDGEMENT = "physician_judgement"


class Outcome(Model):
    """One published item and what openimr decided for it."""

    letter: str
    request: str
    service: str
    published: Decision
    ours: Decision | None
    """None: left to physician judgement."""
    deciding_criterion: str | None = None
    reason: str | None = None
    facts_missing_from_summary: list[str] = Field(default_factory=list)


class Agreement(Model):
    items: int
    decided_by_rule: int
    physician_judgement: int
    confusion: dict[str, dict[str, int]]
    """published decision -> our decision (Upheld, Overturned, physician_judgement) -> count"""
    agreed: int
    accuracy: float | None
    """Share of decided items where we agree."""
    accuracy_all: float | None
    """Share of all items where we agree (an item left to judgement counts as no agreement)."""
    balanced_accuracy: float | None
    overturn_precision: float | None
    overturn_recall: float | None
    cohen_kappa: float | None


def _clean(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 4)


def agreement(outcomes: Iterable[Outcome]) -> Agreement:
    from sklearn.metrics import (
        balanced_accuracy_score,
        cohen_kappa_score,
        precision_score,
        recall_score,
    )

    outcomes = list(outcomes)
    confusion = {published: dict.fromkeys((*DECISIONS, JUDGEMENT), 0) for published in DECISIONS}
    for outcome in outcomes:
        confusion[outcome.published][outcome.ours or JUDGEMENT] += 1
    decided = [o for o in outcomes if o.ours is not None]
    truth = [o.published for o in decided]
    ours = [o.ours for o in decided]
    agreed = sum(t == p for t, p in zip(truth, ours, strict=True))
    both_classes = len(set(truth) | set(ours)) > 1

    def metric(function, **kwargs) -> float | None:
        if not decided:
            return None
        return _clean(function(truth, ours, **kwargs))

    return Agreement(
        items=len(outcomes),
        decided_by_rule=len(decided),
        physician_judgement=len(outcomes) - len(decided),
        confusion=confusion,
        agreed=agreed,
        accuracy=_clean(agreed / len(decided)) if decided else None,
        accuracy_all=_clean(agreed / len(outcomes)) if outcomes else None,
        balanced_accuracy=metric(balanced_accuracy_score) if len(set(truth)) > 1 else None,
        overturn_precision=metric(precision_score, pos_label="Overturned", zero_division=0),
        overturn_recall=metric(recall_score, pos_label="Overturned", zero_division=0)
        if "Overturned" in truth
        else None,
        cohen_kappa=metric(cohen_kappa_score) if both_classes else None,
    )


def by_service(outcomes: Iterable[Outcome]) -> dict[str, Agreement]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.service].append(outcome)
    return {service: agreement(groups[service]) for service in sorted(groups)}


def decision_counts(outcomes: Iterable[Outcome]) -> Counter[str]:
    return Counter(o.ours or JUDGEMENT for o in outcomes)
