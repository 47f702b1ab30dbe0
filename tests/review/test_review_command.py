"""`openimr review` as a user runs it: every case-file form, every output."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from openimr.cli import cli
from tests.conftest import SEEDS

CASE = {
    "case_id": "cmd-1",
    "decision_date": "2014-06-01",
    "clinical_summary": (
        "A 45 year old woman with chronic low back pain since a fall on May 5, 2012. She "
        "does a home exercise program every day."
    ),
    "requests": [
        {"text": "4 massage visits lumbar", "claims_administrator_guideline": "MTUS p. 60"},
        {"text": "Reiki x 6"},
    ],
}


def _run(*args: str):
    return CliRunner().invoke(cli, ["review", *args], catch_exceptions=False)


@pytest.fixture
def case_file(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(CASE))
    return path


def test_json_output_follows_the_contract(case_file):
    result = _run(str(case_file), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["case_id"] == "cmd-1" and document["decision_date"] == "2014-06-01"
    decisions = [(i["decision"], i["decided_by"]) for i in document["items"]]
    assert decisions == [("Overturned", "rule"), (None, "physician_judgement_required")]


def test_json_is_byte_identical_across_runs(case_file):
    assert (
        _run(str(case_file), "--format", "json").output
        == _run(str(case_file), "--format", "json").output
    )


def test_several_cases_give_json_lines_in_input_order(tmp_path):
    lines = []
    for index in range(3):
        lines.append(json.dumps({**CASE, "case_id": f"c{index}"}))
    batch = tmp_path / "cases.jsonl"
    batch.write_text("\n".join(lines) + "\n")
    result = _run(str(batch), "--format", "json")
    assert [json.loads(line)["case_id"] for line in result.stdout.splitlines()] == [
        "c0",
        "c1",
        "c2",
    ]


def test_text_letter_is_a_draft(case_file):
    result = _run(str(case_file))
    assert result.output.startswith("*** DRAFT")
    assert "IMR ISSUES, DECISIONS AND RATIONALES" in result.output


def test_published_letter_as_a_case():
    result = _run(str(SEEDS / "002_1892e1ca490f3cac.txt"), "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert len(document["items"]) == 3
    # the rationale text of the letter is never input: our rationale is our own
    assert "Hasson, 2004" not in result.output


def test_html_and_pdf(case_file, tmp_path):
    html = _run(str(case_file), "--format", "html").output
    assert "<html" in html and "Clinical case summary" in html
    target = tmp_path / "draft.pdf"
    result = _run(str(case_file), "--format", "pdf", "--out", str(target))
    assert result.exit_code == 0
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(target.read_bytes())).pages)
    assert "IMR ISSUES" in " ".join(text.split()).upper()


def test_bad_case_file_is_one_line_and_the_rest_still_reviewed(case_file, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = CliRunner().invoke(cli, ["review", str(broken), str(case_file), "--format", "json"])
    assert result.exit_code == 1
    assert f"openimr: error: {broken}: invalid JSON" in result.stderr
    assert json.loads(result.stdout)["case_id"] == "cmd-1"


def test_html_takes_one_case(case_file):
    result = CliRunner().invoke(cli, ["review", str(case_file), str(case_file), "--format", "html"])
    assert result.exit_code == 2
    assert "takes one case" in result.stderr
