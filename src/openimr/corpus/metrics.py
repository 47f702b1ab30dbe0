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


# --- labelled cases: the figures of shared/eval/score.py ------------------------------------


class Scores(Model):
    """How openimr's decisions compare with labelled (expected) ones, computed as
    ``shared/eval/score.py`` computes them: every item counts, and an item left to physician
    judgement counts as a miss (in the accuracy, in each recall, and in the kappa as a third
    answer, "none"). Figures are rounded to three places; a figure that cannot be computed
    (a kappa whose chance agreement is 1) is None."""

    items: int
    as_expected: int
    accuracy: float | None
    balanced_accuracy: float | None
    """The mean of the recalls of the outcomes that occur among the expected."""
    recall_upheld: float | None
    """Share of the items expected Upheld that we upheld."""
    recall_overturned: float | None
    cohen_kappa: float | None
    physician_judgement: int


_NONE = "none"


def _kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Cohen's kappa of (expected, ours) answers, as score.py computes it."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    chance = sum(first[k] * second[k] for k in set(first) | set(second)) / (n * n)
    return (observed - chance) / (1 - chance) if chance < 1 else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def scores(pairs: Iterable[tuple[Decision, Decision | None]]) -> Scores:
    """Scores of (expected, ours) pairs; ours None: left to physician judgement."""
    pairs = list(pairs)
    n = len(pairs)
    if not n:
        return Scores(
            items=0,
            as_expected=0,
            accuracy=None,
            balanced_accuracy=None,
            recall_upheld=None,
            recall_overturned=None,
            cohen_kappa=None,
            physician_judgement=0,
        )
    recall: dict[str, float | None] = {}
    for outcome in DECISIONS:
        ours = [got for expected, got in pairs if expected == outcome]
        recall[outcome] = sum(got == outcome for got in ours) / len(ours) if ours else None
    present = [value for value in recall.values() if value is not None]
    as_expected = sum(got == expected for expected, got in pairs)
    return Scores(
        items=n,
        as_expected=as_expected,
        accuracy=_round(as_expected / n),
        balanced_accuracy=_round(sum(present) / len(present)),
        recall_upheld=_round(recall["Upheld"]),
        recall_overturned=_round(recall["Overturned"]),
        cohen_kappa=_round(_kappa([(expected, got or _NONE) for expected, got in pairs])),
        physician_judgement=sum(got is None for _, got in pairs),
    )
