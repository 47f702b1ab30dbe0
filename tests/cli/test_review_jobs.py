"""`openimr review --jobs N`: the same bytes as one process, bad lines isolated, workers that
end with the command, and a batch read only a few chunks ahead of its output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from openimr.cli import cli
from openimr.corpus.pool import AHEAD, run_many

SUMMARIES = [
    "Neck pain since a rear-end collision {n} months ago. Six chiropractic visits helped a "
    "little. Pain is {p}/10. No arm numbness.",
    "Right shoulder pain after lifting a crate; {n} physical therapy visits so far with "
    "better reach overhead. Pain {p}/10 at night.",
    "Low back pain for {n} months. She takes naproxen 500 mg twice daily and walks daily. "
    "Straight leg raise negative. Pain rated {p} of 10.",
    "Left knee swelling since a twisting fall {n} weeks ago. MRI not yet done. He limps and "
    "rates pain {p}/10.",
]
TITLES = ["Acupuncture x{n}", "Physical therapy 2x3 lumbar", "MRI left knee", "Tramadol 50 mg #60"]


def case_lines(count: int) -> list[str]:
    lines = []
    for i in range(count):
        case = {
            "case_id": f"jobs-{i}",
            "decision_date": f"2015-{1 + i % 12:02d}-15",
            "clinical_summary": SUMMARIES[i % 4].format(n=2 + i % 9, p=3 + i % 6),
            "requests": [{"text": TITLES[(i // 4) % 4].format(n=4 + i % 5)}],
        }
        lines.append(json.dumps(case))
    return lines


def review(*args: str):
    return CliRunner().invoke(cli, ["review", *args])


def test_two_processes_write_the_same_bytes_errors_and_counts_as_one(tmp_path):
    lines = case_lines(9)
    lines.insert(4, '{"case_id": "broken", "requests": [')  # line 5: not JSON
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    one = review(str(path), "--format", "jsonl", "--jobs", "1")
    two = review(str(path), "--format", "jsonl", "--jobs", "2")

    assert one.exit_code == two.exit_code == 1
    assert two.stdout_bytes == one.stdout_bytes
    assert two.stderr_bytes == one.stderr_bytes
    written = [json.loads(line)["case_id"] for line in one.stdout.splitlines()]
    assert written == [f"jobs-{i}" for i in range(9)]  # input order, the bad line left out
    errors = one.stderr.splitlines()
    assert errors[0].startswith(f"openimr: error: {path}:5: invalid JSON")
    assert errors[1:] == ["10 read, 1 failed"]


def _session_processes(session: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == session and fields[0] != "Z":  # fields: state, ppid, pgrp, session
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_reader_that_goes_away_ends_the_workers(tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(case_lines(400)) + "\n", encoding="utf-8")
    command = [sys.executable, "-m", "openimr.cli", "review", str(path), "--format", "jsonl"]
    line = " ".join(f"'{part}'" for part in command) + " --jobs 2 | head -c 10"
    shell = subprocess.Popen(
        ["bash", "-o", "pipefail", "-c", line],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    out, err = shell.communicate(timeout=60)
    assert shell.returncode == 0, err
    assert out == '{"case_id"'
    assert "Traceback" not in err and "BrokenPipe" not in err
    deadline = time.monotonic() + 5
    while (left := _session_processes(shell.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left == [], "worker processes outlived the command"


def test_a_batch_is_read_only_a_few_chunks_ahead_of_its_results():
    pulled = []

    def items():
        for i in range(400):
            pulled.append(i)
            yield -i

    with run_many(abs, items(), jobs=2, chunksize=5) as results:
        first = next(results)
        time.sleep(0.5)  # time for the pool's feeder to read as far as it may
        ahead = len(pulled)
        rest = list(results)
    assert [first, *rest] == list(range(400))
    assert ahead <= AHEAD * 2 * 5 + 5 < 400


def test_a_long_batch_forgets_the_words_of_past_cases_and_writes_the_same(monkeypatch):
    from openimr.cli.review import draft_case
    from openimr.intake.case_file import case_sources
    from openimr.intake.facts import nlp

    def drafts(sources) -> list[str | bytes | None]:
        work = [draft_case(s, output_format="jsonl", pretty=False, on=None) for s in sources]
        return [d.piece for d in work]

    lines = case_lines(8)
    # Words no earlier case had (names, reference numbers), as every real record has.
    lines = [
        line.replace("Pain", f"Seen by Dr. Q{i}x{i * 7}berg, ref {91_000 + i}. Pain", 1)
        for i, line in enumerate(lines)
    ]
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"openimr-vocab-{os.getpid()}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        sources = list(case_sources(path))
        as_before = drafts(sources)
        grown = len(nlp.pipeline().vocab)
        nlp.pipeline.cache_clear()  # a fresh pipeline, to which these cases' words are new
        nlp.context_matcher.cache_clear()
        first = nlp.pipeline()
        monkeypatch.setattr(nlp, "MAX_VOCABULARY", len(first.vocab) + 5)
        bounded = drafts(sources)
        assert nlp.pipeline() is not first  # the vocabulary outgrew its bound: rebuilt
        assert len(nlp.pipeline().vocab) < grown
    finally:
        path.unlink()
    assert bounded == as_before
