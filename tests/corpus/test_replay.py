"""Replay of the seed letters: agreement, and every disagreement explained."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from openimr.cli import cli
from openimr.corpus.replay import replay
from tests.conftest import seed_paths


@pytest.fixture(scope="module")
def report():
    return replay(seed_paths())


def test_at_least_seven_of_ten_published_decisions(report):
    assert report.overall.items == 10
    assert report.overall.agreed >= 7


def test_each_disagreement_names_the_criterion_that_decided_it(report):
    for outcome in report.disagreements:
        assert outcome.deciding_criterion


def test_the_summary_lacking_functional_improvement_is_found(report):
    acupuncture = next(o for o in report.outcomes if o.request.startswith("Acupuncture 1 x week"))
    if acupuncture.ours != acupuncture.published:
        assert any("functional improvement" in f for f in acupuncture.facts_missing_from_summary)


def test_eval_command_json():
    result = CliRunner().invoke(
        cli, ["eval", str(seed_paths()[0].parent), "--format", "json"], catch_exceptions=False
    )
    document = json.loads(result.stdout)
    assert document["overall"]["items"] == 10
    assert set(document["overall"]["confusion"]) == {"Upheld", "Overturned"}
    assert "acupuncture" in document["services"]


def test_eval_command_text():
    result = CliRunner().invoke(cli, ["eval", str(seed_paths()[0].parent)], catch_exceptions=False)
    assert "Confusion matrix" in result.output and "Cohen's kappa" in result.output
