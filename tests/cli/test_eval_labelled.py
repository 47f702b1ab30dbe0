"""`openimr eval` on labelled case files: the report, bad lines, letters alongside, and the
same figures as shared/eval/score.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from openimr.cli import cli
from tests.conftest import seed_paths

SCORE_PY = Path(__file__).resolve().parents[3] / "shared" / "eval" / "score.py"
SOURCE = Path(__file__).resolve().parents[2] / "src"

CASES = [
    {
        "case_id": "w1",
        "decision_date": "2014-06-01",
        "style": "brief",
        "clinical_summary": "Lumbar strain lifting boxes at work, six months of pain. "
        "Never had massage.",
        "requests": [
            {"text": "Massage therapy x 4 lumbar", "expected": "Overturned", "rule": "r"},
        ],
    },
    {
        "case_id": "w2",
        "decision_date": "2015-03-02",
        "style": "long",
        "clinical_summary": "Neck pain since a fall at work in 2014; six acupuncture visits so "
        "far without any documented functional gain.",
        "requests": [
            {"text": "Acupuncture 6 visits cervical", "expected": "Upheld", "service": "acu"},
            {"text": "Hyperbaric oxygen therapy", "expected": "Overturned", "uncertain": True},
        ],
    },
]


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def _cases(tmp_path: Path, *extra: str) -> Path:
    path = tmp_path / "labelled.jsonl"
    lines = [json.dumps(case) for case in CASES] + list(extra)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_json_report_of_labelled_cases(tmp_path):
    result = run("eval", str(_cases(tmp_path)), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["cases"] == 2 and report["overall"]["items"] == 3
    assert set(report["styles"]) == {"brief", "long"}
    assert "acu" in report["services"]
    assert len(report["misses"]) == 3 - report["overall"]["as_expected"]
    for miss in report["misses"]:
        assert miss["case_id"] in ("w1", "w2") and miss["expected"] != miss["ours"]
        assert miss["deciding_criterion"] or miss["reason"]
    last = result.stderr.strip().splitlines()[-1]
    agreed = report["overall"]["as_expected"]
    assert last == f"2 read, 0 failed; {agreed} of 3 labelled items as expected"


def test_text_report_of_labelled_cases(tmp_path):
    result = run("eval", str(_cases(tmp_path)))
    assert result.exit_code == 0, result.output
    for heading in ("Scored 2 labelled case(s), 3 item(s)", "By writing style", "By service",
                    "Misses", "recall of Overturned", "left to physician judgement"):  # fmt: skip
        assert heading in result.stdout
    assert "Confusion matrix" not in result.stdout  # no letters, no letters' report


def test_a_bad_line_is_one_line_and_the_rest_is_measured(tmp_path):
    wrong = json.loads(json.dumps(CASES[0]))
    wrong["requests"][0]["expected"] = "approved"
    path = _cases(tmp_path, "not json at all", json.dumps(wrong))
    result = run("eval", str(path), "--format", "json")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("openimr: error")]
    assert errors == [
        f"openimr: error: {path}:3: not JSON: Expecting value (column 1)",
        f"openimr: error: {path}:4: requests[0].expected: 'approved' is not Upheld or Overturned",
    ]
    report = json.loads(result.stdout)
    assert report["cases"] == 2 and len(report["failed"]) == 2
    assert result.stderr.strip().splitlines()[-1].startswith("4 read, 2 failed;")


def test_letters_and_labelled_cases_are_reported_apart(tmp_path):
    letter = seed_paths()[0]
    result = run("eval", str(letter), str(_cases(tmp_path)), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"letters", "labelled"}
    assert report["letters"]["letters"] == 1 and report["labelled"]["cases"] == 2
    text = run("eval", str(letter), str(_cases(tmp_path))).stdout
    assert "Confusion matrix" in text and "By writing style" in text


def test_help_shows_a_labelled_example():
    result = run("eval", "--help")
    assert ".jsonl" in result.output and "expected" in result.output


def test_figures_equal_score_py(tmp_path):
    """score.py, run on the same file with this checkout's openimr, prints the same figures."""
    if not SCORE_PY.is_file():
        pytest.skip("shared/eval/score.py is not here")
    command = tmp_path / "openimr"
    command.write_text(
        f"#!/bin/sh\nPYTHONPATH='{SOURCE}' exec '{sys.executable}' -m openimr.cli \"$@\"\n",
        encoding="utf-8",
    )
    command.chmod(0o755)
    path = _cases(tmp_path)
    env = {**os.environ, "OPENIMR": str(command)}
    printed = subprocess.run([sys.executable, str(SCORE_PY), str(path)], capture_output=True,
                             text=True, env=env, check=True).stdout  # fmt: skip
    lines = {line.split()[0]: line.split()[1:] for line in printed.splitlines()}
    report = json.loads(run("eval", str(path), "--format", "json").stdout)
    names = {"balanced": "balanced_accuracy", "kappa": "cohen_kappa"}

    def figures(words: list[str]) -> dict:
        pairs = (word.split("=") for word in words)
        return {names.get(k, k): None if v in ("None", "nan") else float(v) for k, v in pairs}

    def ours(scores: dict) -> dict:
        return {k: None if scores[k] is None else float(scores[k]) for k in figures(lines["ALL"])}

    assert figures(lines["ALL"]) == ours(report["overall"])
    for style, scores in report["styles"].items():
        assert figures(lines[style]) == ours(scores)
