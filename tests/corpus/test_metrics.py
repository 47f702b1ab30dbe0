"""The agreement figures, checked against hand-computed values."""

from __future__ import annotations

import pytest

from openimr.corpus.metrics import Outcome, agreement, by_service


def _outcome(published, ours, service="acupuncture"):
    return Outcome(letter="l", request="r", service=service, published=published, ours=ours)


def test_hand_computed_example():
    # published U,U,U,U,O,O ; ours U,U,U,O,O,U ; plus one item left to judgement.
    pairs = [("Upheld", "Upheld")] * 3 + [
        ("Upheld", "Overturned"),
        ("Overturned", "Overturned"),
        ("Overturned", "Upheld"),
        ("Overturned", None),
    ]
    result = agreement(_outcome(p, o) for p, o in pairs)
    assert result.items == 7 and result.decided_by_rule == 6 and result.physician_judgement == 1
    assert result.confusion["Upheld"] == {"Upheld": 3, "Overturned": 1, "physician_judgement": 0}
    assert result.confusion["Overturned"] == {
        "Upheld": 1,
        "Overturned": 1,
        "physician_judgement": 1,
    }
    assert result.agreed == 4
    assert result.accuracy == pytest.approx(4 / 6, abs=1e-4)
    assert result.accuracy_all == pytest.approx(4 / 7, abs=1e-4)
    # recall: upheld 3/4, overturned 1/2 -> balanced (0.75 + 0.5) / 2
    assert result.balanced_accuracy == pytest.approx(0.625)
    assert result.overturn_precision == pytest.approx(0.5)
    assert result.overturn_recall == pytest.approx(0.5)
    # kappa: po = 4/6; pe = (4/6)(4/6) + (2/6)(2/6) = 20/36 -> (24/36 - 20/36) / (16/36) = 0.25
    assert result.cohen_kappa == pytest.approx(0.25)


def test_perfect_agreement():
    result = agreement([_outcome("Upheld", "Upheld"), _outcome("Overturned", "Overturned")])
    assert result.accuracy == 1.0 and result.cohen_kappa == 1.0


def test_statistics_that_cannot_be_computed_are_none():
    only_upheld = agreement([_outcome("Upheld", "Upheld")])
    assert only_upheld.balanced_accuracy is None and only_upheld.cohen_kappa is None
    assert only_upheld.overturn_recall is None
    nothing_decided = agreement([_outcome("Upheld", None)])
    assert nothing_decided.accuracy is None and nothing_decided.accuracy_all == 0.0


def test_per_service_groups_are_sorted():
    groups = by_service(
        [_outcome("Upheld", "Upheld", "massage"), _outcome("Upheld", "Overturned", "acupuncture")]
    )
    assert list(groups) == ["acupuncture", "massage"]
    assert groups["acupuncture"].agreed == 0 and groups["massage"].agreed == 1
