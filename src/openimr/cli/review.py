"""`openimr review`: case files in, drafted determinations (and letters) out."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from openimr.cli.outputs import Discard, Tally, check_out, out_option, output, progress_option
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
def review(
    cases: tuple[Path, ...],
    output_format: str,
    out: Path | None,
    on: dt.datetime | None,
    progress: bool | None,
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

    \b
    Examples:
      openimr review case.json
      openimr review case.json --format json | jq '.items[].decision'
      openimr review cases.jsonl --format json --out determinations.jsonl
      openimr review letter.txt --format pdf --out draft.pdf
    """
    from openimr.intake.case_file import case_sources, count_cases, intake_case
    from openimr.letters.render import render_letter
    from openimr.review.contract import determination_json, dumps
    from openimr.review.engine import review_case

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
    from rich.progress import Progress

    with (
        output(out, binary=output_format == "pdf") as stream,
        Progress(transient=True, disable=not show or one_file) as bar,
    ):
        task = bar.add_task("reviewing cases", total=count_cases(cases) if show else None)

        def draft(where: str, read) -> str | bytes:
            result = review_case(intake_case(read()), on=given)
            if output_format in ("json", "jsonl"):
                document = determination_json(result.determination, date_basis=result.date.basis)
                return dumps(document, pretty=not lines) + "\n"
            return render_letter(
                result.determination,
                result.case,
                result.case.clinical_summary,
                output_format,
                facts=result.facts,
            )

        written = 0
        for path in cases:
            for where, read in case_sources(path):
                piece = tally.attempt(where, lambda w=where, r=read: draft(w, r))
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
