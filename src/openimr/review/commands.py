"""`openimr review`: case files in, drafted determinations (and letters) out."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from openimr.errors import UserError
from openimr.model import Case

FORMATS = ("text", "json", "html", "pdf")


def iter_cases(path: Path) -> Iterator[Case]:
    """The cases of one file: a JSON Lines file holds one case per line."""
    from openimr.intake.case_file import case_from_data, load_case

    if path.suffix.lower() != ".jsonl":
        yield load_case(path)
        return
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise UserError("no such file", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the file ({exc})", source=str(path)) from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"invalid JSON: {exc.msg} (column {exc.colno})", source=where) from None
        yield case_from_data(data, where)


def _write(out: Path | None, content: str | bytes) -> None:
    if out is not None:
        mode = "wb" if isinstance(content, bytes) else "w"
        with out.open(mode, **({} if isinstance(content, bytes) else {"encoding": "utf-8"})) as f:
            f.write(content)
        return
    if isinstance(content, bytes):
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(content)


@click.command(name="review")
@click.argument("cases", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text: the draft letter for the terminal; json: the determination (JSON Lines when "
    "there are several cases); html or pdf: the draft letter (one case).",
)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE.")
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Decide as of this date (picks the guideline edition) when the case has no "
    "decision_date. Otherwise the latest dated event in the case is used.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar on standard error (default: when it is a terminal).",
)
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
    from openimr.letters.render import render_letter
    from openimr.review.contract import determination_json, dumps
    from openimr.review.engine import review_case

    loaded: list[Case] = []
    failures = 0
    for path in cases:
        try:
            loaded.extend(iter_cases(path))
        except UserError as exc:
            failures += 1
            click.echo(f"openimr: error: {exc}", err=True)
    if not loaded:
        raise UserError("no case could be read")
    if output_format in ("html", "pdf") and len(loaded) > 1:
        raise UserError(f"--format {output_format} takes one case; use --format json for batches")
    if output_format == "pdf" and out is None and sys.stdout.isatty():
        raise UserError("a PDF is binary: give --out FILE, or pipe the output")

    show = progress if progress is not None else sys.stderr.isatty()
    given = on.date() if on else None
    batch = len(loaded) > 1
    pieces: list[str | bytes] = []
    from rich.progress import Progress

    with Progress(transient=True, disable=not show or not batch) as bar:
        task = bar.add_task("reviewing cases", total=len(loaded))
        for case in loaded:
            result = review_case(case, on=given)
            if output_format == "json":
                document = determination_json(result.determination, date_basis=result.date.basis)
                pieces.append(dumps(document, pretty=not batch) + "\n")
            else:
                pieces.append(
                    render_letter(result.determination, case, case.clinical_summary, output_format)
                )
            bar.advance(task)
    if isinstance(pieces[0], bytes):
        _write(out, pieces[0])
    else:
        separator = "\n" + "=" * 88 + "\n\n" if output_format == "text" and batch else ""
        _write(out, separator.join(str(piece) for piece in pieces))
    if failures:
        click.get_current_context().exit(1)
