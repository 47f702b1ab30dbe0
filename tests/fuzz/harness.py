"""Run one fuzz input through openimr and say what happened: ok, user error, crash or hang.

In-process, as the commands do it: ``load_case`` then ``review_case`` and the letter for a
case file, ``parse_letter_file`` and the JSON record for a letter, the ``review`` command's
JSON Lines reader for a batch; or the whole ``openimr`` command (``openimr.cli.main``) with
its standard error checked line by line.

A crash is any exception but ``UserError``; it is grouped by its type and the deepest frame
in openimr's own code (where it escaped from), with the innermost frame kept for the report.
"""

from __future__ import annotations

import contextlib
import logging
import re
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openimr.errors import UserError
from tests.fuzz.generators import FuzzInput

SUMMARY_LINE = re.compile(r"\d+ read, \d+ failed")
"""The line a batch ends with on standard error."""

TIME_LIMIT = 20.0
"""Seconds one input may take; past it the input is a hang."""


class FuzzTimeout(BaseException):
    """The input ran past the time limit."""


def _stack_depth() -> int:
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    return depth


@contextlib.contextmanager
def process_recursion_limit(headroom: int = 1000) -> Iterator[None]:
    """The recursion headroom of a new `openimr` process (limit 1,000, main near the top),
    wherever this runs: hypothesis raises the limit while it runs a test."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(_stack_depth() + headroom)
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


@contextlib.contextmanager
def time_limit(seconds: float = TIME_LIMIT) -> Iterator[None]:
    """Raise FuzzTimeout in the block after ``seconds`` (main thread only; else no limit)."""
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return

    def _expired(signum, frame):
        raise FuzzTimeout(f"over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _openimr_root() -> str:
    import openimr

    return str(Path(openimr.__file__).resolve().parent.parent) + "/"


def _frame(frame: traceback.FrameSummary, root: str) -> str:
    name = frame.filename
    if name.startswith(root):
        name = name[len(root) :]
    elif "site-packages/" in name:
        name = name.split("site-packages/", 1)[1]
    elif "/lib/python" in name:
        name = name.split("/lib/python", 1)[1].split("/", 1)[-1]
    return f"{name}:{frame.lineno} in {frame.name}"


@dataclass
class Outcome:
    status: str
    """ok, user_error, crash or hang."""
    seconds: float = 0.0
    exc_type: str = ""
    location: str = ""
    """The deepest frame in openimr's code ("openimr/x.py:12 in f"), else the innermost."""
    function: str = ""
    """The function of ``location``: stable across edits, for matching known crash classes."""
    innermost: str = ""
    message: str = ""
    exc: BaseException | None = field(default=None, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.exc_type, self.location)

    @property
    def failed(self) -> bool:
        return self.status in ("crash", "hang")

    def describe(self) -> str:
        if not self.failed:
            return self.status
        return f"{self.status}: {self.exc_type} at {self.location} ({self.innermost}): " + (
            self.message
        )


def _type_name(exc: BaseException) -> str:
    kind = type(exc)
    module = kind.__module__
    return kind.__qualname__ if module in ("builtins", "__main__") else f"{module}.{kind.__name__}"


def classify(exc: BaseException | None, seconds: float) -> Outcome:
    if exc is None:
        return Outcome("ok", seconds)
    if isinstance(exc, UserError):
        return Outcome("user_error", seconds, message=str(exc)[:300])
    root = _openimr_root()
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f.filename.startswith(root + "openimr/")]
    where = ours[-1] if ours else (frames[-1] if frames else None)
    status = "hang" if isinstance(exc, FuzzTimeout) else "crash"
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return Outcome(
        status,
        seconds,
        exc_type=_type_name(exc),
        location=_frame(where, root) if where else "?",
        function=where.name if where else "?",
        innermost=_frame(frames[-1], root) if frames else "?",
        message=first_line[:300],
        exc=exc,
    )


def run_guarded(action: Callable[[], object], seconds: float = TIME_LIMIT) -> Outcome:
    """Run action under the time limit; classify what it raised."""
    start = time.perf_counter()
    try:
        with time_limit(seconds), process_recursion_limit():
            action()
    except (Exception, FuzzTimeout, RecursionError) as exc:
        return classify(exc, time.perf_counter() - start)
    return classify(None, time.perf_counter() - start)


# --- the targets ---------------------------------------------------------------------------


class OffsetMismatch(AssertionError):
    """An evidence span does not index the text it names: input[start:end] != evidence.text."""


def check_offsets(result) -> None:
    """Every evidence span of the review points into the text it names, as supplied (or as
    the determination carries it, for a PDF or a letter)."""
    case = result.case
    texts = result.determination.source_texts or {
        "clinical_summary": case.clinical_summary,
        **{f"records[{i}]": r.text for i, r in enumerate(case.records)},
    }
    spans = [e for f in result.facts for e in f.evidence]
    spans += [e for item in result.determination.items for c in item.criteria for e in c.evidence]
    for evidence in spans:
        text = texts.get(evidence.source)
        if text is None or text[evidence.start : evidence.end] != evidence.text:
            raise OffsetMismatch(f"{evidence.source}[{evidence.start}:{evidence.end}]")


def review_and_render(case) -> None:
    """What `openimr review` does with a case: read it, decide, the JSON determination,
    the letter; and every evidence offset checked against its text."""
    from openimr.intake.case_file import intake_case
    from openimr.letters.render import render_letter
    from openimr.review.contract import determination_json, dumps
    from openimr.review.engine import review_case

    result = review_case(intake_case(case))
    dumps(determination_json(result.determination, date_basis=result.date.basis))
    render_letter(
        result.determination, result.case, result.case.clinical_summary, "text",
        facts=result.facts,
    )  # fmt: skip
    check_offsets(result)


def run_case_file(path: Path, review: bool = True) -> None:
    from openimr.intake.case_file import load_case

    case = load_case(path)
    if review:
        review_and_render(case)


def run_letter_file(path: Path) -> None:
    from openimr.intake.published.reader import parse_letter_file

    parse_letter_file(path).model_dump_json()


def run_jsonl_file(path: Path, review: bool = True) -> None:
    """As `openimr review FILE.jsonl`: every line read on its own, each case reviewed; the
    first bad line's error is raised at the end."""
    from openimr.intake.case_file import case_sources

    error = None
    for _where, read in case_sources(path):
        try:
            case = read()
        except UserError as exc:
            error = error or exc
            continue
        if review:
            review_and_render(case)
    if error is not None:
        raise error


def write_input(item: FuzzInput, folder: Path, name: str = "input") -> Path:
    path = folder / f"{name}{item.suffix}"
    path.write_bytes(item.data)
    return path


def run_input(item: FuzzInput, folder: Path | None = None, *, review: bool | None = None,
              seconds: float = TIME_LIMIT) -> Outcome:  # fmt: skip
    """Run one input in-process through its target."""
    review = item.review if review is None else review
    with contextlib.ExitStack() as stack:
        if folder is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fuzz-")))
        path = write_input(item, folder)
        if item.target == "letter":
            return run_guarded(lambda: run_letter_file(path), seconds)
        if item.target == "jsonl":
            return run_guarded(lambda: run_jsonl_file(path, review), seconds)
        return run_guarded(lambda: run_case_file(path, review), seconds)


# --- the whole command ----------------------------------------------------------------------


@dataclass
class CommandRun:
    code: int | None
    stdout: bytes
    stderr: str
    outcome: Outcome


class BadStderr(AssertionError):
    """The command printed something on standard error that is not an `openimr:` line."""


class InternalError(AssertionError):
    """The command caught a crash and reported it as 'internal error'."""


COMMANDS = {
    "parse": ("jsonl", "json", "table"),
    "review": ("json", "text"),
    "facts": ("json", "text"),
}


def command_for(item: FuzzInput, path: Path) -> list[str]:
    """The command for the input: its tags may name one ("facts") and a format ("text");
    else `parse --format jsonl` for a letter, `review --format json` for a case file."""
    name = "parse" if item.target == "letter" else "review"
    if item.target != "letter" and item.target != "jsonl" and "facts" in item.tags:
        name = "facts"
    fmt = next((t for t in item.tags if t in COMMANDS[name]), COMMANDS[name][0])
    return [name, str(path), "--format", fmt]


@contextlib.contextmanager
def _fresh_logging() -> Iterator[None]:
    """Logging as in a new `openimr` process: no handlers, so warnings go to standard error
    (logging's last resort), as a user sees them; not to pytest's capture."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers, root.level = [], logging.WARNING
    try:
        yield
    finally:
        root.handlers, root.level = handlers, level


def run_command(args: list[str], seconds: float = TIME_LIMIT) -> CommandRun:
    """``openimr ARGS`` in-process through ``openimr.cli.main``, as the console script runs it.

    The run fails (a crash) when an exception escapes main, when the exit code is not 0, 1
    or 2, or when standard error holds a line not starting with `openimr:`, a traceback or
    an 'internal error' report.
    """
    from click.testing import CliRunner

    from openimr.cli import main

    runner = CliRunner()
    code: int | None = None
    start = time.perf_counter()
    error: BaseException | None = None
    with runner.isolation() as streams, _fresh_logging():
        out, err = streams[0], streams[1]
        argv = sys.argv
        sys.argv = ["openimr", *args]
        try:
            with time_limit(seconds), process_recursion_limit():
                main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except (Exception, FuzzTimeout, RecursionError) as exc:
            error = exc
        finally:
            sys.argv = argv
        stdout = out.getvalue()
        stderr = err.getvalue().decode("utf-8", "replace")
    if error is None:
        bad = [
            line
            for line in stderr.splitlines()
            if line and not line.startswith("openimr:") and not SUMMARY_LINE.match(line)
        ]
        if "Traceback" in stderr or bad:
            error = BadStderr(f"standard error: {(bad or ['Traceback'])[0][:200]!r}")
        elif "internal error" in stderr:
            line = next(x for x in stderr.splitlines() if "internal error" in x)
            error = InternalError(line[:300])
        elif code not in (0, 1, 2):
            error = BadStderr(f"exit code {code}")
    return CommandRun(code, stdout, stderr, classify(error, time.perf_counter() - start))


def run_input_command(item: FuzzInput, folder: Path | None = None) -> CommandRun:
    with contextlib.ExitStack() as stack:
        if folder is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fuzz-")))
        path = write_input(item, folder)
        return run_command(command_for(item, path))


# --- minimizing a crash ---------------------------------------------------------------------


def minimize(
    item: FuzzInput,
    still_fails: Callable[[FuzzInput], bool],
    *,
    budget_seconds: float = 30.0,
    max_tries: int = 400,
) -> FuzzInput:
    """A smaller input that still fails the same way: lines, then chunks of bytes (ddmin)."""
    deadline = time.monotonic() + budget_seconds
    tries = 0
    best = item

    def attempt(data: bytes) -> bool:
        nonlocal tries, best
        if tries >= max_tries or time.monotonic() > deadline or not data:
            return False
        tries += 1
        candidate = FuzzInput(**{**best.__dict__, "data": data})
        if still_fails(candidate):
            best = candidate
            return True
        return False

    for separator in (b"\n", None):
        units = best.data.split(b"\n") if separator else None
        chunks = 2
        while tries < max_tries and time.monotonic() < deadline:
            data = best.data
            if separator:
                units = data.split(separator)
                size = len(units)
            else:
                size = len(data)
            if size < 2 or chunks > size:
                break
            step = -(-size // chunks)
            removed = False
            for start in range(0, size, step):
                if separator:
                    kept = separator.join(units[:start] + units[start + step :])
                else:
                    kept = data[:start] + data[start + step :]
                if attempt(kept):
                    removed = True
                    break
            if removed:
                chunks = max(chunks - 1, 2)
            elif chunks >= size:
                break
            else:
                chunks = min(chunks * 2, size)
    return best
