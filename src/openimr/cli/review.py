"""`openimr review`: case files in, drafted determinations (and letters) out."""

from __future__ import annotations

import contextlib
import datetime as dt
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import click

from openimr.cli.outputs import (
    Discard,
    Tally,
    check_out,
    jobs_option,
    out_option,
    output,
    progress_option,
)
from openimr.errors import UserError

FORMATS = ("text", "json", "jsonl", "html", "pdf")


@click.command(name="review")
@click.argument("cases", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text: the draft letter for the terminal; json: the determination, one JSON "
    "document for one case file, JSON Lines (one line per case) for a .jsonl input or "
    "several files; jsonl: always JSON Lines; html or pdf: the draft letter (one case).",
)
@out_option
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Decide as of this date (picks the guideline edition) when the case has no "
    "decision_date. Otherwise the latest dated event in the case is used.",
)
@progress_option
@jobs_option
def review(
    cases: tuple[Path, ...],
    output_format: str,
    out: Path | None,
    on: dt.datetime | None,
    progress: bool | None,
    jobs: int | None,
) -> None:
    """Draft the IMR determination of each case, item by item.

    CASES are case files: JSON or YAML (see `openimr schema case`), plain text or
    PDF (a summary with `Request:` lines), a published Final Determination Letter
    (its summary and item titles; never its rationales), or a JSON Lines file
    holding one case per line.

    For each disputed item openimr picks the guideline rule in force on the
    decision date (MTUS first), checks every criterion against the records
    (met / not met / not documented, with the evidence), and drafts the decision:
    Overturned (medically necessary) when the criteria are met, Upheld otherwise.
    Items no rule covers go to physician judgement. Nothing is final until a
    physician reviewer signs.

    Cases are reviewed on all cores (--jobs) and written as they come, in the order
    given (memory stays flat over a year of cases); the output is the same bytes for any
    number of processes. A case that cannot be read gets one error line and the batch
    goes on.

    \b
    Examples:
      openimr review case.json
      openimr review case.json --format json | jq '.items[].decision'
      openimr review cases.jsonl --format json --out determinations.jsonl
      openimr review letter.txt --format pdf --out draft.pdf
    """
    from openimr.corpus.pool import default_jobs, run_many
    from openimr.intake.case_file import case_sources, count_cases

    check_out(out, cases)
    one_file = len(cases) == 1 and cases[0].suffix.lower() != ".jsonl"
    if output_format in ("html", "pdf") and not one_file:
        raise UserError(f"--format {output_format} takes one case file; use --format json")
    if output_format == "pdf" and out is None and sys.stdout.isatty():
        raise UserError("a PDF is binary: give --out FILE, or pipe the output")
    lines = output_format == "jsonl" or (output_format == "json" and not one_file)
    given = on.date() if on else None
    tally = Tally(single=one_file)
    show = progress if progress is not None else sys.stderr.isatty()
    total = None if one_file else count_cases(cases)
    workers = 1 if one_file else jobs or default_jobs(total)
    # Chunks small enough that every process gets several, large enough to be sent cheaply.
    chunksize = max(1, min(16, (total or 0) // (4 * workers)))
    work = partial(draft_case, output_format=output_format, pretty=not lines, on=given)
    sources = (source for path in cases for source in case_sources(path))
    with (
        output(out, binary=output_format == "pdf") as stream,
        _progress(show and not one_file) as bar,
        run_many(work, sources, jobs=workers, chunksize=chunksize) as drafts,
    ):
        task = bar.add_task("reviewing cases", total=total if show else None)
        written = 0
        for drafted in drafts:
            piece = tally.attempt(drafted.where, drafted.value)
            bar.advance(task)
            if piece is None:
                continue
            if output_format == "text" and written:
                stream.write("\n" + "=" * 88 + "\n\n")
            stream.write(piece)
            written += 1
        if not written:
            raise Discard
    tally.finish()


class _NoBar:
    """What the loop asks of a progress bar, when none is shown."""

    def add_task(self, *args: Any, **kwargs: Any) -> int:
        return 0

    def advance(self, *args: Any, **kwargs: Any) -> None:
        pass


def _progress(shown: bool) -> Any:
    """A progress bar on standard error (rich, imported only then), or none."""
    if not shown:
        return contextlib.nullcontext(_NoBar())
    from rich.progress import Progress

    return Progress(transient=True)


@dataclass
class Drafted:
    """One case's outcome, as a worker process sends it back: its draft, or its failure."""

    where: str
    piece: str | bytes | None = None
    error: Exception | None = None
    error_type: str | None = None
    """The name of a failure's type when the failure itself could not be sent back."""

    def value(self) -> str | bytes:
        """The draft, or the case's failure raised again (for ``Tally`` to report)."""
        if self.error is not None:
            raise self.error
        if self.error_type is not None:
            raise type(self.error_type, (Exception,), {})()
        assert self.piece is not None
        return self.piece


def draft_case(
    source: tuple[str, Callable[[], Any]], *, output_format: str, pretty: bool, on: dt.date | None
) -> Drafted:
    """Review one case (``case_sources`` gives ``(where, read)``) and render its output; the
    same in a worker process as here."""
    from openimr.intake.case_file import intake_case
    from openimr.review.contract import determination_json, dumps
    from openimr.review.engine import review_case

    where, read = source
    try:
        result = review_case(intake_case(read()), on=on)
        if output_format in ("json", "jsonl"):
            document = determination_json(result.determination, date_basis=result.date.basis)
            return Drafted(where, dumps(document, pretty=pretty) + "\n")
        # Only a letter needs its renderer (and its templates, ~60 ms to import).
        from openimr.letters.render import render_letter

        letter = render_letter(
            result.determination,
            result.case,
            result.case.clinical_summary,
            output_format,
            facts=result.facts,
        )
        return Drafted(where, letter)
    except Exception as exc:  # reported in the main process, in input order
        return _failed(where, exc)


def _failed(where: str, exc: Exception) -> Drafted:
    """A failure that survives the trip back from a worker, or the name of its type."""
    exc.__traceback__ = None
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return Drafted(where, error_type=type(exc).__name__)
    return Drafted(where, error=exc)
