"""One plain test per reproducer in crashers/: `openimr review|parse FILE` must print a
one-line error (or succeed), never a traceback. Each is xfail for its crash class until
fixed; then its test turns red (strict) and the mark is removed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz import generators as g
from tests.fuzz.harness import run_command
from tests.fuzz.known import CLASSES, CRASHERS, ROOT, check, run_reproducer


@pytest.mark.parametrize(
    "crash", [pytest.param(c, id=c.name, marks=c.marks()) for c in CLASSES if c.reproducer]
)
def test_reproducer(crash):
    assert (CRASHERS / crash.reproducer).is_file(), crash.reproducer
    check(run_reproducer(crash), crash, tolerate_open=False)


def test_every_class_has_its_reproducer():
    files = {p.name for p in CRASHERS.iterdir()}
    assert all(c.reproducer in files for c in CLASSES), [
        c.reproducer for c in CLASSES if c.reproducer not in files
    ]


@pytest.mark.parametrize("name", ["pdf_aes128_secret.pdf", "pdf_aes256_secret.pdf"])
def test_aes_with_a_password_says_so(name):
    """As installed here (whatever crypt provider pypdf has): a one-line error."""
    run = run_command(["review", str(CRASHERS / name)])
    check(run.outcome)  # a crash passes only as an open known class (without cryptography)
    assert run.outcome.failed or (run.code == 2 and "password" in run.stderr), run.stderr


# --- behaviour that is wrong without a traceback --------------------------------------------


class WrongMessage(AssertionError):
    pass


def test_review_a_folder(tmp_path):
    (tmp_path / "case.json").write_text(json.dumps(g.valid_cases()[1]), encoding="utf-8")
    run = run_command(["review", str(tmp_path), "--format", "json"])
    check(run.outcome)
    if run.code == 0 and run.stdout.strip():
        return  # the folder's cases were reviewed
    said = run.stderr.replace(str(tmp_path), "DIR").lower()
    if not any(word in said for word in ("folder", "directory")):
        raise WrongMessage(run.stderr.strip())


class BrokenPipeExit(AssertionError):
    pass


def _openimr() -> list[str]:
    return [sys.executable, "-c", "from openimr.cli import main; main()"]


def test_output_into_a_closed_pipe(tmp_path):
    env = {"PYTHONPATH": str(Path(sys.modules["openimr"].__file__).parents[1])}
    seeds = [str(g.SEEDS)] * 20  # well over a pipe's buffer of output
    command = [*_openimr(), "parse", *seeds, "--format", "jsonl"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                          cwd=ROOT) as process:  # fmt: skip
        process.stdout.read(10)
        process.stdout.close()
        # A command that does not end (a worker pool left to the interpreter's exit, or one
        # stuck in its own shutdown) fails here in a minute instead of hanging the suite.
        try:
            code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise BrokenPipeExit("it did not end within 60 s of its reader going away") from None
        stderr = process.stderr.read().decode()
    assert "Traceback" not in stderr, stderr
    if code != 0:
        raise BrokenPipeExit(f"exit code {code}; standard error: {stderr.strip()!r}")
