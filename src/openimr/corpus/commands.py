"""`openimr parse`: published letters into records, as a table, JSON or JSON Lines."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import click

from openimr.errors import UserError
from openimr.intake.documents import DOCUMENT_SUFFIXES, MAX_BYTES


def collect_documents(paths: tuple[Path, ...]) -> Iterator[Path]:
    """Files as given, and .txt/.pdf files under folders (recursively, in name order)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                child
                for child in path.rglob("*")
                if child.is_file() and child.suffix.lower() in DOCUMENT_SUFFIXES
            )
        else:
            yield path


def _table(records: list, out: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False, title="Final Determination Letters: one row per item")
    for column in ("letter", "#", "request", "decision", "reviewer's guideline", "truncated"):
        table.add_column(column, overflow="fold")
    for record in records:
        name = Path(record.source).name
        for item in record.items:
            guideline = item.reviewer_guideline.summary if item.reviewer_guideline else ""
            table.add_row(
                name,
                str(item.number),
                item.request,
                item.decision or "(none)",
                guideline,
                "yes" if item.truncated else "",
            )
    width = None if out.isatty() else 160
    Console(file=out, width=width).print(table)


def _progress(enabled: bool, total: int):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    return Progress(
        TextColumn("parsing letters"),
        BarColumn(),
        MofNCompleteColumn(),
        console=None,
        transient=True,
        disable=not enabled or total < 2,
    )


@click.command(name="parse")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=False))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "jsonl"]),
    default="table",
    show_default=True,
    help="table: one row per item, for reading; json: a list of records; "
    "jsonl: one record per line, for large batches and pipes.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False, writable=True),
    help="Write the output to FILE instead of standard output.",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=MAX_BYTES,
    show_default=True,
    help="Refuse files larger than this.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar on standard error (default: when it is a terminal).",
)
def parse(
    paths: tuple[Path, ...],
    output_format: str,
    out: Path | None,
    max_bytes: int,
    progress: bool | None,
) -> int:
    """Read published IMR Final Determination Letters into structured records.

    PATHS are letters (.txt or .pdf) or folders, searched recursively for them.
    Each record holds the source and layout, header fields (case number, dates)
    when present, the reviewer's credentials, the patient's age, sex and date of
    injury, the clinical case summary, and each decided item in document order:
    the request, the decision (Upheld / Overturned), the claims administrator's
    and the reviewer's guidelines, non-MTUS citations, the rationale, and whether
    the text was truncated.

    A file that cannot be read gets one error line on standard error naming it;
    the others are still parsed. The exit status is 1 if any file failed.

    \b
    Examples:
      openimr parse ../shared/corpus/seeds
      openimr parse letters/ --format jsonl --out letters.jsonl
      openimr parse letter.pdf --format json | jq '.[0].items[].decision'
    """
    from openimr.corpus.letters import parse_letter_file

    documents = list(collect_documents(paths))
    if not documents:
        raise UserError("no .txt or .pdf letters found in " + ", ".join(map(str, paths)))
    show = progress if progress is not None else sys.stderr.isatty()
    records = []
    failures = 0
    stream = out.open("w", encoding="utf-8") if out else sys.stdout
    try:
        with _progress(show, len(documents)) as bar:
            task = bar.add_task("parse", total=len(documents))
            for document in documents:
                try:
                    record = parse_letter_file(document, max_bytes=max_bytes)
                except UserError as exc:
                    failures += 1
                    click.echo(f"openimr: error: {exc}", err=True)
                except Exception as exc:  # a parser bug must not stop the batch
                    failures += 1
                    click.echo(
                        f"openimr: error: {document}: internal error "
                        f"({type(exc).__name__}); please report it with the file",
                        err=True,
                    )
                else:
                    if output_format == "jsonl":
                        stream.write(record.model_dump_json() + "\n")
                    else:
                        records.append(record)
                bar.advance(task)
        if output_format == "json":
            dumped = [record.model_dump(mode="json") for record in records]
            stream.write(json.dumps(dumped, indent=2, ensure_ascii=False) + "\n")
        elif output_format == "table":
            _table(records, stream)
    finally:
        if out:
            stream.close()
    if failures:
        click.get_current_context().exit(1)
    return 0
