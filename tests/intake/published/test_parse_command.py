"""`openimr parse` as a user runs it."""

from __future__ import annotations

import json

from click.testing import CliRunner

from openimr.cli import cli
from tests.conftest import SEEDS, text_to_pdf


def _run(*args: str):
    return CliRunner().invoke(cli, ["parse", *args], catch_exceptions=False)


def test_table_has_one_row_per_item():
    result = _run(str(SEEDS), "--format", "table")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith("│ 00")]
    assert len(rows) == 10
    assert sum("Overturned" in row for row in rows) == 4


def test_json_is_a_list_of_records():
    result = _run(str(SEEDS), "--format", "json")
    records = json.loads(result.stdout)
    assert [len(r["items"]) for r in records] == [2, 1, 3, 2, 2]
    assert records[2]["truncated"] is True
    assert records[0]["patient"] == {"age": 37, "sex": "female", "date_of_injury": "2010-08-10"}


def test_jsonl_to_a_file(tmp_path):
    out = tmp_path / "letters.jsonl"
    result = _run(str(SEEDS), "--format", "jsonl", "--out", str(out))
    assert result.exit_code == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 5
    assert json.loads(lines[3])["items"][1]["request"] == "NEUROSURGICAL CONSULTATION"


def test_output_is_deterministic():
    assert (
        _run(str(SEEDS), "--format", "json").output == _run(str(SEEDS), "--format", "json").output
    )


def test_folders_are_searched_recursively_for_txt_and_pdf(tmp_path):
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    text = (SEEDS / "001_8220bf60ca375ac6.txt").read_text()
    (tmp_path / "a" / "one.txt").write_text(text)
    text_to_pdf(text, nested / "two.pdf")
    (nested / "notes.md").write_text("ignored")
    result = _run(str(tmp_path), "--format", "jsonl")
    assert result.exit_code == 0
    sources = [json.loads(line)["source"] for line in result.stdout.splitlines()]
    # In path order, so that the same folder always gives the same output.
    assert sources == [str(nested / "two.pdf"), str(tmp_path / "a" / "one.txt")]


def test_bad_files_are_reported_and_the_rest_parsed(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    result = CliRunner().invoke(
        cli, ["parse", str(empty), str(SEEDS / "001_8220bf60ca375ac6.txt"), "--format", "jsonl"]
    )
    assert result.exit_code == 1
    assert f"openimr: error: {empty}: the file is empty" in result.stderr
    assert len(result.stdout.splitlines()) == 1
    assert "Traceback" not in result.output


def test_nothing_to_parse(tmp_path):
    result = CliRunner().invoke(cli, ["parse", str(tmp_path)])
    assert result.exit_code != 0
    assert "no .txt or .pdf letters found" in str(result.exception) + result.output


def test_help_teaches():
    result = _run("--help")
    assert "Examples:" in result.output and "--format" in result.output


def test_each_bad_pdf_is_one_line_and_the_rest_parsed(tmp_path):
    text = (SEEDS / "001_8220bf60ca375ac6.txt").read_text()
    good = text_to_pdf(text, tmp_path / "good.pdf")
    locked = text_to_pdf(text, tmp_path / "locked.pdf", encrypt="secret")
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(good.read_bytes()[:2000])
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\nnot a PDF body\n%%EOF\n")
    paths = [str(p) for p in (locked, cut, good, damaged)]
    result = CliRunner().invoke(cli, ["parse", *paths, "--format", "jsonl"])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("openimr: error:")]
    assert errors == [
        f"openimr: error: {locked}: the PDF is encrypted and needs a password",
        f"openimr: error: {cut}: not a readable PDF (truncated: it stops before its "
        "end-of-file marker)",
        f"openimr: error: {damaged}: not a readable PDF (damaged: PDFium data format error)",
    ]
    assert len(result.stdout.splitlines()) == 1
    assert "Traceback" not in result.output
