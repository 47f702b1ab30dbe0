"""Nothing a user has is lost, and a batch survives its bad inputs (issue 8, first section)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from openimr.cli import cli
from tests.conftest import SEEDS, seed_paths

CASE = {
    "case_id": "c1",
    "decision_date": "2014-06-01",
    "clinical_summary": "Low back pain for 6 months after a lifting injury. No prior massage.",
    "requests": [{"text": "Massage therapy x 4 lumbar"}],
}


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def openimr(
    *args: str, stdin: str | None = None, shell_tail: str = ""
) -> subprocess.CompletedProcess:
    """The real command in a process: exit codes and the streams as a user sees them."""
    command = [sys.executable, "-m", "openimr.cli", *args]
    if shell_tail:
        line = " ".join(f"'{part}'" for part in command) + " " + shell_tail
        return subprocess.run(["bash", "-o", "pipefail", "-c", line], capture_output=True,
                              text=True, check=False)  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, input=stdin, check=False)


def write_case(folder: Path, name: str, **changes) -> Path:
    path = folder / name
    path.write_text(json.dumps({**CASE, **changes}), encoding="utf-8")
    return path


# --- --out is checked first and written only on success ----------------------------------


def test_out_that_is_also_the_input_is_refused_and_the_input_kept(tmp_path):
    letter = tmp_path / "a.txt"
    letter.write_text(seed_paths()[0].read_text(encoding="utf-8"), encoding="utf-8")
    before = letter.read_bytes()
    result = run("parse", str(letter), "--out", str(letter))
    assert result.exit_code == 2
    assert "is also an input" in result.output
    assert letter.read_bytes() == before


def test_out_inside_an_input_folder_is_refused(tmp_path):
    letter = tmp_path / "a.txt"
    letter.write_text(seed_paths()[0].read_text(encoding="utf-8"), encoding="utf-8")
    before = letter.read_bytes()
    result = run("eval", str(tmp_path), "--out", str(letter))
    assert result.exit_code == 2 and letter.read_bytes() == before


def test_a_missing_input_leaves_an_existing_out_file_untouched(tmp_path):
    old = tmp_path / "old.jsonl"
    old.write_text('{"kept": true}\n', encoding="utf-8")
    result = run("parse", str(tmp_path / "missing.txt"), "--out", str(old), "--format", "jsonl")
    assert result.exit_code == 1
    assert "no such file" in result.stderr
    assert old.read_text(encoding="utf-8") == '{"kept": true}\n'


def test_review_with_no_readable_case_leaves_out_untouched(tmp_path):
    old = tmp_path / "old.jsonl"
    old.write_text("precious\n", encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    run("review", str(bad), str(bad), "--format", "json", "--out", str(old))
    assert old.read_text(encoding="utf-8") == "precious\n"


def test_a_symlink_at_out_is_replaced_and_its_target_left_alone(tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("do not overwrite me", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    result = run("parse", str(seed_paths()[0]), "--format", "jsonl", "--out", str(link))
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == "do not overwrite me"
    assert not link.is_symlink()
    assert json.loads(link.read_text(encoding="utf-8"))["items"]


def test_out_in_a_missing_folder_is_refused_before_any_work(tmp_path):
    missing = tmp_path / "no" / "such" / "x.json"
    result = run("review", str(write_case(tmp_path, "c.json")), "--out", str(missing))
    assert result.exit_code == 2
    assert "does not exist" in result.output and "Traceback" not in result.output
    result = run("eval", str(SEEDS), "--out", str(missing))
    assert result.exit_code == 2 and "does not exist" in result.output


def test_out_that_is_a_folder_is_refused(tmp_path):
    result = run("parse", str(seed_paths()[0]), "--out", str(tmp_path))
    assert result.exit_code == 2


def test_out_keeps_no_temporary_files_behind(tmp_path):
    out = tmp_path / "x.jsonl"
    assert run("parse", str(SEEDS), "--format", "jsonl", "--out", str(out)).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.jsonl"]


def test_standard_output_full_is_one_line_and_exit_1(tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    proc = openimr("schema", "case", shell_tail="> /dev/full")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("openimr: error: cannot write the output")


def test_a_reader_that_goes_away_is_not_an_error():
    proc = openimr("parse", str(SEEDS), "--format", "jsonl", shell_tail="| head -c 10")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


# --- each input is isolated; a summary ends the batch --------------------------------------


def test_one_impossible_yaml_date_does_not_stop_a_batch(tmp_path):
    good = [write_case(tmp_path, f"c{i}.json", case_id=f"c{i}") for i in range(2)]
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "case_id: y\ndecision_date: 2014-02-30\nrequests:\n  - text: Acupuncture x6\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = run("review", str(good[0]), str(bad), str(good[1]), "--format", "json",
                 "--out", str(out))  # fmt: skip
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "decision_date" in errors[0] and str(bad) in errors[0]
    assert result.stderr.strip().endswith("3 read, 1 failed")
    cases = [json.loads(line)["case_id"] for line in out.read_text().splitlines()]
    assert cases == ["c0", "c1"]


def test_a_bad_line_in_json_lines_is_named_and_every_other_line_reviewed(tmp_path):
    lines = [json.dumps({**CASE, "case_id": f"c{i}"}) for i in range(1, 6)]
    lines[3] = '{"case_id": "c4", "requests": ['  # line 4 is broken
    batch = tmp_path / "b.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("review", str(batch), "--format", "json")
    assert result.exit_code == 1
    assert [json.loads(x)["case_id"] for x in result.stdout.splitlines()] == [
        "c1",
        "c2",
        "c3",
        "c5",
    ]
    assert f"{batch}:4: invalid JSON" in result.stderr
    assert "5 read, 1 failed" in result.stderr


def test_json_lines_split_on_newlines_only(tmp_path):
    summary = "Neck pain\u2028since the fall\u0085with spasm. No prior acupuncture."
    batch = tmp_path / "b.jsonl"
    batch.write_text(json.dumps({**CASE, "clinical_summary": summary}, ensure_ascii=False) + "\n",
                     encoding="utf-8")  # fmt: skip
    result = run("review", str(batch), "--format", "json")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 1


def test_json_output_shape_depends_on_the_input_not_on_the_count(tmp_path):
    single = write_case(tmp_path, "c.json")
    document = run("review", str(single), "--format", "json").stdout
    assert json.loads(document)["case_id"] == "c1" and document.count("\n") > 1
    batch = tmp_path / "one.jsonl"
    batch.write_text(json.dumps(CASE) + "\n", encoding="utf-8")
    lines = run("review", str(batch), "--format", "json").stdout
    assert lines.count("\n") == 1 and json.loads(lines)["case_id"] == "c1"
    assert run("review", str(single), "--format", "jsonl").stdout.count("\n") == 1


def test_encrypted_pdf_in_a_folder_is_one_error_and_the_rest_replayed(tmp_path):
    from tests.conftest import text_to_pdf

    for path in seed_paths()[:2]:
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    text_to_pdf(seed_paths()[2].read_text(encoding="utf-8"), tmp_path / "locked.pdf",
                encrypt="a real password")  # fmt: skip
    result = run("eval", str(tmp_path), "--format", "json")
    assert result.exit_code == 1
    assert "locked.pdf: the PDF is encrypted and needs a password" in result.stderr
    assert json.loads(result.stdout)["letters"] == 2
    assert "3 read, 1 failed" in result.stderr


def test_a_pdf_encrypted_with_an_empty_password_is_read(tmp_path):
    from pypdf import PdfReader, PdfWriter

    from tests.conftest import text_to_pdf

    plain = text_to_pdf(seed_paths()[0].read_text(encoding="utf-8"), tmp_path / "plain.pdf")
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-256")
    locked = tmp_path / "aes.pdf"
    with locked.open("wb") as f:
        writer.write(f)
    result = run("parse", str(locked), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["items"]


def test_review_of_a_folder_says_it_is_a_folder(tmp_path):
    result = run("review", str(tmp_path))
    assert result.exit_code == 2
    assert "is a folder" in result.output


def test_facts_reads_json_lines_one_line_per_case(tmp_path):
    batch = tmp_path / "b.jsonl"
    batch.write_text(
        "\n".join(json.dumps({**CASE, "case_id": f"c{i}"}) for i in range(2)) + "\n",
        encoding="utf-8",
    )
    result = run("facts", str(batch), "--format", "json")
    assert result.exit_code == 0, result.output
    assert [json.loads(x)["case"]["case_id"] for x in result.stdout.splitlines()] == ["c0", "c1"]


def test_eval_skips_openimr_drafts_with_a_note(tmp_path):
    case = write_case(tmp_path, "c.json")
    drafts = tmp_path / "work"
    drafts.mkdir()
    assert run("review", str(case), "--out", str(drafts / "draft.txt")).exit_code == 0
    (drafts / "published.txt").write_text(seed_paths()[0].read_text(encoding="utf-8"),
                                          encoding="utf-8")  # fmt: skip
    result = run("eval", str(drafts), "--format", "json")
    report = json.loads(result.stdout)
    assert report["letters"] == 1 and report["skipped"] == [str(drafts / "draft.txt")]
    assert "an openimr draft, not a published letter; skipped" in result.stderr


def test_eval_ends_with_its_summary_line():
    result = run("eval", str(SEEDS), "--format", "json")
    assert result.stderr.strip().splitlines()[-1].startswith("5 read, 0 failed")


def test_help_says_how_json_output_is_shaped():
    result = run("review", "--help")
    assert "JSON Lines" in result.output and "one JSON" in result.output


def test_permissions_of_an_existing_out_file_are_kept(tmp_path):
    out = tmp_path / "x.json"
    out.write_text("{}", encoding="utf-8")
    os.chmod(out, 0o640)
    assert run("parse", str(seed_paths()[0]), "--format", "json", "--out", str(out)).exit_code == 0
    assert out.stat().st_mode & 0o777 == 0o640
