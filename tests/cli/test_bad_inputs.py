"""Inputs fuzzing found to crash the commands: each is now one line naming the file or field."""

from __future__ import annotations

import json
import re
import time
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from openimr.cli import cli
from openimr.intake import case_file, limits
from tests.fuzz.generators import raw_pdf

CASE = {
    "case_id": "c1",
    "decision_date": "2014-06-01",
    "clinical_summary": "Low back pain for 6 months after a lifting injury.",
    "requests": [{"text": "Massage therapy x 4 lumbar"}],
}


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def one_line_error(result, *needles: str) -> str:
    assert "Traceback" not in result.output, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("openimr: error")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


@pytest.mark.parametrize(
    ("field", "yaml_line"),
    [
        ("decision_date", "decision_date: 2014-02-30"),
        ("decision_date", "decision_date: 2014-13-01"),
        ("records[0].date", "records:\n  - date: 2014-13-01\n    text: Seen today."),
        ("ur_denial_date", "ur_denial_date: 2014-02-30"),
    ],
)
def test_impossible_yaml_dates_name_their_field(tmp_path, field, yaml_line):
    path = tmp_path / "c.yaml"
    path.write_text(f"case_id: y\n{yaml_line}\nrequests:\n  - text: Acupuncture x6\n")
    result = run("review", str(path), "--format", "json")
    assert result.exit_code == 2
    one_line_error(result, str(path), field)


def test_a_date_shaped_case_id_in_yaml_is_just_an_identifier(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "case_id: 2014-13-01\ndecision_date: 2014-06-01\nrequests:\n  - text: Acupuncture x6\n"
    )
    result = run("review", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["case_id"] == "2014-13-01"


def test_a_lone_surrogate_is_refused_naming_the_field(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(CASE).replace("Low back", "Low \\ud800 back"))
    result = run("review", str(path), "--format", "json")
    assert result.exit_code == 2
    one_line_error(result, "clinical_summary", "surrogate")


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_deep_nesting_is_refused(tmp_path, suffix):
    path = tmp_path / f"deep{suffix}"
    path.write_text("[" * 1000 + "]" * 1000)
    result = run("review", str(path))
    assert result.exit_code == 2
    one_line_error(result, str(path))


def test_deep_nesting_inside_a_field_is_refused(tmp_path):
    nested: object = "x"
    for _ in range(200):
        nested = {"a": nested}
    path = tmp_path / "deep.json"
    path.write_text(json.dumps({**CASE, "extra": nested}))
    result = run("review", str(path))
    one_line_error(result, "nested more than")


def test_a_case_over_the_character_limit_is_refused_quickly(tmp_path):
    big = "Low back pain. " * (limits.MAX_CASE_CHARACTERS // 15 + 10)
    path = tmp_path / "big.json"
    path.write_text(json.dumps({**CASE, "clinical_summary": big}))
    started = time.perf_counter()
    result = run("review", str(path))
    assert time.perf_counter() - started < 10
    one_line_error(result, "characters of text, over the limit")


def test_a_text_case_over_the_character_limit_is_refused(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("Request: PT x6\n" + "Neck pain. " * (limits.MAX_CASE_CHARACTERS // 11 + 10))
    one_line_error(run("review", str(path)), "over the limit")


def test_too_many_requests_are_refused(tmp_path):
    path = tmp_path / "many.json"
    requests = [{"text": "Acupuncture x6"}] * (limits.MAX_REQUESTS + 1)
    path.write_text(json.dumps({**CASE, "requests": requests}))
    one_line_error(run("review", str(path)), "requests", "over the limit")


def test_an_over_long_json_lines_line_is_one_error_and_the_next_line_read(tmp_path, monkeypatch):
    monkeypatch.setattr(case_file, "MAX_JSONL_LINE_BYTES", 2000)
    long_case = {**CASE, "case_id": "long", "clinical_summary": "pain " * 1000}
    batch = tmp_path / "b.jsonl"
    batch.write_text(json.dumps(long_case) + "\n" + json.dumps(CASE) + "\n")
    result = run("review", str(batch), "--format", "json")
    one_line_error(result, f"{batch}:1", "over the limit")
    assert [json.loads(x)["case_id"] for x in result.stdout.splitlines()] == ["c1"]


def test_a_json_lines_file_over_its_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(case_file, "MAX_JSONL_BYTES", 100)
    batch = tmp_path / "b.jsonl"
    batch.write_text(json.dumps(CASE) + "\n" + json.dumps(CASE) + "\n")
    one_line_error(run("review", str(batch), "--format", "json"), "over the limit")


def _page_pdf(content: bytes, stream_dict: bytes = b"", font: bytes = b"") -> bytes:
    font = font or b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d %s >>\nstream\n" % (len(content), stream_dict)
            + content
            + b"\nendstream",
            font,
        ]
    )


TEXT = b"BT /F1 12 Tf 72 700 Td (Request: Acupuncture x6) Tj ET"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("unsupported_filter", _page_pdf(TEXT, b"/Filter /NoSuchDecode")),
        ("bad_flate", _page_pdf(b"not compressed at all", b"/Filter /FlateDecode")),
        ("missing_object", _page_pdf(TEXT).replace(b"/Contents 4 0 R", b"/Contents 9 0 R")),
        ("broken_xref", _page_pdf(TEXT).replace(b"xref", b"xref\n0 zz")),
        ("truncated", _page_pdf(TEXT)[:200]),
        ("not_a_pdf", b"%PDF-1.4\n\x00\x01\x02 garbage"),
        (
            "long_tounicode",
            _page_pdf(
                TEXT,
                font=b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
            )[:-6]
            + b"",
        ),
        ("compressed_garbage", _page_pdf(zlib.compress(b"\xff" * 5000), b"/Filter /FlateDecode")),
    ],
)
def test_damaged_pdfs_are_one_line_for_every_command(tmp_path, name, data):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    for command in (["parse"], ["review"], ["facts"], ["eval"]):
        result = run(*command, str(path))
        assert result.exit_code in (0, 1, 2), (command, result.output)
        assert "Traceback" not in result.output
        assert "internal error" not in result.output, (command, result.output)
        for line in result.stderr.splitlines():
            assert line.startswith("openimr:") or re.match(r"\d+ read, \d+ failed", line)


def test_a_pdf_with_no_text_suggests_ocr(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(_page_pdf(b"0 0 m 100 100 l S"))
    one_line_error(run("parse", str(path)), "no text layer", "OCR")


def test_a_case_note_that_mentions_final_determination_is_a_case_file(tmp_path):
    path = tmp_path / "case.txt"
    path.write_text(
        "Decision date: 2014-06-01\nThe worker asks about the final determination of his "
        "prior claim. Low back pain for 6 months.\nRequest: Massage therapy x 4 lumbar\n"
    )
    result = run("review", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["items"][0]["request"] == "Massage therapy x 4 lumbar"


@pytest.mark.parametrize(
    ("date", "needle"), [("2099-01-01", "in the future"), ("2001-01-01", "earliest guideline")]
)
def test_decision_dates_that_cannot_be_real_are_refused(tmp_path, date, needle):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({**CASE, "decision_date": date}))
    one_line_error(run("review", str(path)), "decision date", needle)
    result = run("review", str(tmp_path / "c.json"), "--format", "json")
    assert result.exit_code == 2


def test_a_date_given_on_the_command_line_is_checked_too(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({k: v for k, v in CASE.items() if k != "decision_date"}))
    one_line_error(run("review", str(path), "--date", "2099-01-01"), "--date", "in the future")


def test_bytes_that_are_not_text_are_refused(tmp_path):
    path = tmp_path / "c.json"
    path.write_bytes(b"\xff\xfe\x00{")
    one_line_error(run("review", str(path)), "not UTF-8")


def test_the_fixtures_folder_is_not_touched():
    # The damaged PDFs above are built in temporary folders; nothing is written beside tests.
    assert not list(Path(__file__).parent.glob("*.pdf"))


@pytest.mark.parametrize(
    ("title", "needle"),
    [
        ("Physical therapy -6 visits lumbar", "-6 visits: a count cannot be negative"),
        ("Acupuncture 100000000000000000000000000 visits", "cannot be real"),
    ],
)
def test_a_count_that_cannot_be_real_is_refused_naming_the_field(tmp_path, title, needle):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({**CASE, "requests": [{"text": "PT x6"}, {"text": title}]}))
    one_line_error(run("review", str(path)), "requests[1].text", needle)
    text_case = tmp_path / "c.txt"
    text_case.write_text(f"Decision date: 2014-06-01\nBack pain.\nRequest: {title}\n")
    one_line_error(run("review", str(text_case)), "Request line 1", needle)
