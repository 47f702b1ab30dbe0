"""`openimr parse`: published letters into records, as a table, JSON or JSON Lines."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import click

from openimr.cli.outputs import (
    Discard,
    Tally,
    check_out,
    error,
    jobs_option,
    out_option,
    output,
    progress_option,
    warn,
)
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


def _progress(enabled: bool, total: int, what: str = "parsing letters"):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    return Progress(
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        console=None,
        transient=True,
        disable=not enabled or total < 2,
    )


_PARSE_OUT = click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Write to FILE instead of standard output, only once everything is done (a link "
    "at FILE is replaced, its target left alone). FILE may not be one of the inputs. With "
    "--format parquet: a FILE.parquet, or a folder (new or empty) for partitioned output "
    "(part-00000.parquet, ...; always a folder with --dask).",
)


@click.command(name="parse")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=False))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "jsonl", "parquet"]),
    default="table",
    show_default=True,
    help="table: one row per item, for reading; json: a list of records; "
    "jsonl: one record per line, for large batches and pipes; parquet: one row per item "
    "(letter, reviewer, patient and item fields, guidelines cited, service category), "
    "for pandas, Polars or DuckDB (needs --out).",
)
@_PARSE_OUT
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=MAX_BYTES,
    show_default=True,
    help="Refuse files larger than this.",
)
@jobs_option
@click.option(
    "--partition",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Letters per Parquet file when --out is a folder (and per Dask task).",
)
@click.option(
    "--dask",
    "dask_address",
    metavar="SCHEDULER_ADDRESS",
    default=None,
    help="Run on a Dask cluster (e.g. tcp://10.0.0.5:8786): writes partitioned Parquet into "
    "the --out folder. The workers must see the letters and the folder at the same paths.",
)
@progress_option
def parse(
    paths: tuple[Path, ...],
    output_format: str,
    out: Path | None,
    max_bytes: int,
    jobs: int | None,
    partition: int,
    dask_address: str | None,
    progress: bool | None,
) -> None:
    """Read published IMR Final Determination Letters into structured records.

    PATHS are letters (.txt or .pdf) or folders, searched recursively for them.
    Each record holds the source and layout, header fields (case number, dates)
    when present, the reviewer's credentials, the patient's age, sex and date of
    injury, the clinical case summary, and each decided item in document order:
    the request, the decision (Upheld / Overturned), the claims administrator's
    and the reviewer's guidelines, non-MTUS citations, the rationale, and whether
    the text was truncated.

    Letters are parsed on all cores (--jobs), written as they come (memory stays
    flat with jsonl and parquet), in the same order as a single process.

    A file that cannot be read gets one error line on standard error naming it;
    the others are still parsed. The exit status is 1 if any file failed.

    \b
    Examples:
      openimr parse ../shared/corpus/seeds
      openimr parse letters/ --format jsonl --out letters.jsonl
      openimr parse letters/ --format parquet --out letters.parquet
      openimr parse letters/ --format parquet --out dataset/ --dask tcp://scheduler:8786
      openimr parse letter.pdf --format json | jq '.[0].items[].decision'
    """
    from openimr.corpus.batch import default_jobs, parse_many

    if dask_address is not None and output_format != "parquet":
        raise UserError("--dask writes Parquet: add --format parquet --out FOLDER")
    if output_format == "parquet" and out is None:
        raise UserError("--format parquet needs --out FILE.parquet or --out FOLDER")
    folder = output_format == "parquet" and (
        dask_address is not None or out.is_dir() or out.suffix.lower() != ".parquet"
    )
    documents = _documents(paths, None if folder else out)
    show = progress if progress is not None else sys.stderr.isatty()
    if folder:
        _check_folder(out, documents)
        if dask_address is not None:
            _parse_on_dask(documents, out, dask_address, partition, max_bytes, show)
        else:
            _parse_to_folder(documents, out, partition, max_bytes, jobs, show)
        return
    kind = {"jsonl": "jsonl", "parquet": "rows"}.get(output_format, "record")
    records = []
    tally = Tally()
    binary = output_format == "parquet"
    with output(out, binary=binary) as stream, _progress(show, len(documents)) as bar:
        task = bar.add_task("parse", total=len(documents))
        sink = _sink(stream) if binary else None
        workers = jobs or default_jobs(len(documents))
        with parse_many(documents, kind=kind, jobs=workers, max_bytes=max_bytes) as results:
            for parsed in results:
                bar.advance(task)
                if tally.attempt(parsed.source, lambda p=parsed: _value(p)) is None:
                    continue
                if output_format == "jsonl":
                    stream.write(parsed.value + "\n")
                elif sink is not None:
                    sink.add(parsed.value)
                else:
                    records.append(parsed.value)
        if tally.failed == tally.read:
            raise Discard  # nothing was read: an existing --out file is left as it was
        if sink is not None:
            sink.close()
        if output_format == "json":
            dumped = [record.model_dump(mode="json") for record in records]
            stream.write(json.dumps(dumped, indent=2, ensure_ascii=False) + "\n")
        elif output_format == "table":
            _table(records, stream)
    tally.finish()


def _value(parsed):
    """A parsed letter's value, or its failure raised for ``Tally`` to report."""
    if parsed.error is not None:
        raise UserError(parsed.error)
    return parsed.value


def _sink(stream):
    from openimr.corpus.dataset import ParquetSink

    return ParquetSink(stream)


def _check_folder(out: Path, documents: list[Path]) -> None:
    """A folder for partitioned Parquet: new, or empty, and not holding the inputs."""
    where = f"--out {out}"
    if out.exists() and not out.is_dir():
        raise UserError("is not a folder; give a new folder or FILE.parquet", source=where)
    if out.is_dir() and any(out.iterdir()):
        raise UserError("is a folder that is not empty; give a new or empty folder", source=where)
    if not out.parent.is_dir():
        raise UserError(f"the folder {out.parent} does not exist", source=where)
    target = out.resolve()
    for document in documents:
        if target in document.resolve().parents:
            raise UserError("holds inputs; give another folder", source=where)
    out.mkdir(exist_ok=True)


def _parse_to_folder(
    documents: list[Path], out: Path, partition: int, max_bytes: int, jobs, show: bool
) -> None:
    from openimr.corpus.batch import default_jobs, parse_many
    from openimr.corpus.dataset import ParquetSink, part_name

    tally = Tally()
    sink = None
    parts = 0
    in_part = 0
    with _progress(show, len(documents)) as bar:
        task = bar.add_task("parse", total=len(documents))
        workers = jobs or default_jobs(len(documents))
        with parse_many(documents, kind="rows", jobs=workers, max_bytes=max_bytes) as results:
            for parsed in results:
                bar.advance(task)
                if sink is None:
                    sink = ParquetSink(out / part_name(parts))
                    parts += 1
                in_part += 1
                if tally.attempt(parsed.source, lambda p=parsed: _value(p)) is not None:
                    sink.add(parsed.value)
                if in_part == partition:
                    sink.close()
                    sink, in_part = None, 0
        if sink is not None:
            sink.close()
    tally.finish()


def _parse_on_dask(
    documents: list[Path], out: Path, address: str, partition: int, max_bytes: int, show: bool
) -> None:
    from openimr.corpus.batch import parse_on_dask

    tally = Tally()
    with _progress(show, len(documents), "parsing letters on Dask") as bar:
        task = bar.add_task("parse", total=len(documents))

        def done(result: dict) -> None:
            bar.advance(task, result["letters"] + len(result["errors"]))

        try:
            results = parse_on_dask(
                documents, out, address, partition=partition, max_bytes=max_bytes, on_done=done
            )
        except OSError as exc:
            raise UserError(f"cannot reach the Dask scheduler ({exc})", source=address) from None
    for result in results:  # errors in input order, whatever order the tasks finished in
        tally.read += result["letters"] + len(result["errors"])
        tally.failed += len(result["errors"])
        for message in result["errors"]:
            error(message)
    tally.finish()


def _documents(paths: tuple[Path, ...], out: Path | None) -> list[Path]:
    """The letters to read; ``--out`` checked against them before any work starts."""
    documents = list(collect_documents(paths))
    if not documents:
        raise UserError("no .txt or .pdf letters found in " + ", ".join(map(str, paths)))
    check_out(out, documents)
    return documents


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _report_text(report, out: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, width=None if out.isatty() else 140)
    overall = report.overall
    console.print(
        f"Replayed {report.letters} letter(s), {overall.items} item(s); "
        f"{len(report.failed)} letter(s) could not be read; {len(report.skipped)} openimr "
        "draft(s) skipped."
    )
    console.print(
        f"Decided by rule: {overall.decided_by_rule} of {overall.items}; "
        f"left to physician judgement: {overall.physician_judgement}."
    )
    console.print(
        f"Agreement: {overall.agreed} of {overall.decided_by_rule} decided items "
        f"({_percent(overall.accuracy)}; {_percent(overall.accuracy_all)} of all items). "
        f"Balanced accuracy {_number(overall.balanced_accuracy)}, overturn precision "
        f"{_number(overall.overturn_precision)}, overturn recall "
        f"{_number(overall.overturn_recall)}, Cohen's kappa {_number(overall.cohen_kappa)}."
    )
    matrix = Table(title="Confusion matrix (rows: published; columns: openimr)")
    matrix.add_column("published")
    for column in ("Upheld", "Overturned", "physician_judgement"):
        matrix.add_column(column, justify="right")
    for published, row in overall.confusion.items():
        matrix.add_row(published, *(str(count) for count in row.values()))
    console.print(matrix)
    services = Table(title="By service kind")
    for column in ("service", "items", "by rule", "agreed", "accuracy", "kappa"):
        services.add_column(column, justify="left" if column == "service" else "right")
    for service, figures in report.services.items():
        services.add_row(
            service,
            str(figures.items),
            str(figures.decided_by_rule),
            str(figures.agreed),
            _percent(figures.accuracy),
            _number(figures.cohen_kappa),
        )
    console.print(services)
    disagreements = Table(title="Disagreements", show_lines=True)
    for column in (
        "letter",
        "item",
        "published",
        "openimr",
        "deciding criterion",
        "summary lacked",
    ):
        disagreements.add_column(column, overflow="fold")
    for outcome in report.disagreements:
        disagreements.add_row(
            outcome.letter,
            outcome.request,
            outcome.published,
            outcome.ours or "",
            outcome.deciding_criterion or "(all criteria met)",
            "; ".join(outcome.facts_missing_from_summary)
            or "no: the published rationale states no fact these criteria need",
        )
    console.print(disagreements)


def _figures(scores) -> tuple[str, ...]:
    return (
        str(scores.items),
        str(scores.as_expected),
        _number(scores.accuracy),
        _number(scores.balanced_accuracy),
        _number(scores.recall_upheld),
        _number(scores.recall_overturned),
        _number(scores.cohen_kappa),
        str(scores.physician_judgement),
    )


_FIGURE_COLUMNS = (
    "items",
    "as expected",
    "accuracy",
    "balanced",
    "recall Upheld",
    "recall Overturned",
    "kappa",
    "judgement",
)


def _labelled_text(report, out: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, width=None if out.isatty() else 140)
    overall = report.overall
    console.print(
        f"Scored {report.cases} labelled case(s), {overall.items} item(s); "
        f"{len(report.failed)} case(s) could not be read.",
        soft_wrap=True,
    )
    console.print(
        f"Accuracy {_number(overall.accuracy)} ({overall.as_expected} of {overall.items} "
        f"items as expected), balanced accuracy {_number(overall.balanced_accuracy)}, "
        f"recall of Upheld {_number(overall.recall_upheld)}, recall of Overturned "
        f"{_number(overall.recall_overturned)}, Cohen's kappa {_number(overall.cohen_kappa)}; "
        f"left to physician judgement: {overall.physician_judgement}.",
        highlight=False,
        soft_wrap=True,
    )
    for title, groups, name in (
        ("By writing style", report.styles, "style"),
        ("By service (the label's, else openimr's service kind)", report.services, "service"),
    ):
        table = Table(title=title)
        table.add_column(name)
        for column in _FIGURE_COLUMNS:
            table.add_column(column, justify="right")
        for group, scores in groups.items():
            table.add_row(group, *_figures(scores))
        console.print(table)
    misses = Table(title="Misses (decided otherwise than expected)", show_lines=True)
    for column in ("case", "item", "expected", "openimr", "deciding criterion"):
        misses.add_column(column, overflow="fold")
    for outcome in report.misses:
        misses.add_row(
            outcome.case_id,
            outcome.request,
            outcome.expected,
            outcome.ours or "physician judgement",
            outcome.deciding_criterion or outcome.reason or "(all criteria met)",
        )
    console.print(misses)


@click.command(name="eval")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a report to read; json: every figure and every item's outcome (letters and "
    "labelled cases both given: one object with a 'letters' and a 'labelled' report).",
)
@out_option
@progress_option
def evaluate(
    paths: tuple[Path, ...], output_format: str, out: Path | None, progress: bool | None
) -> None:
    """Replay published letters, or score labelled cases, and report agreement.

    A PATH ending in .jsonl is a file of labelled cases; any other is a letter
    (.txt or .pdf) or a folder, searched recursively for letters. Given both,
    each set gets its own report.

    Letters: each letter's case is rebuilt from its clinical case summary and
    item titles only (never its rationales) and reviewed; the report compares
    openimr's decisions with the published ones: confusion matrix, accuracy,
    balanced accuracy, overturn precision and recall, Cohen's kappa, the same
    per service kind, the share decided by rule, and for each disagreement the
    criterion that decided it and whether the published rationale relied on a
    fact the summary does not state.

    Labelled cases: one case per line, as `openimr review` reads it, each
    request with `expected` (Upheld or Overturned) and optionally `service`,
    the case optionally with `style` (its writing style). Labels (also `rule`,
    `criteria`, `uncertain`) are removed before review, so each decision is the
    one `openimr review` gives. Reported overall, per style and per service
    (the label's, else openimr's service kind): accuracy, balanced accuracy,
    recall of Upheld and of Overturned, Cohen's kappa and the items left to
    physician judgement, which count as misses (as shared/eval/score.py counts
    them); and for each miss the criteria that decided it, with their status.

    A letter or line that cannot be read gets one error line naming it
    (`file:line: what is wrong`); the rest are still measured, and the exit
    status is 1.

    \b
    Examples:
      openimr eval ../shared/corpus/seeds
      openimr eval letters/ --format json --out agreement.json
      openimr eval ../shared/eval/written-cases.jsonl
      openimr eval cases.jsonl --format json | jq '.misses[] | [.case_id, .deciding_criterion]'
    """
    from openimr.corpus.labelled import score_labelled
    from openimr.corpus.replay import replay
    from openimr.intake.case_file import count_cases

    labelled = [path for path in paths if path.suffix.lower() == ".jsonl" and not path.is_dir()]
    letters = [path for path in paths if path not in labelled]
    documents = _documents(tuple(letters), out) if letters else []
    check_out(out, labelled)
    show = progress if progress is not None else sys.stderr.isatty()
    total = len(documents) + (count_cases(labelled) if show and labelled else len(labelled))
    what = " and ".join(
        (["replaying letters"] if documents else [])
        + (["scoring labelled cases"] if labelled else [])
    )
    report = scored = None
    with _progress(show, total, what) as bar:
        task = bar.add_task("eval", total=total)
        if documents:
            report = replay(
                documents, on_error=error, on_skip=warn, advance=lambda: bar.advance(task)
            )
        if labelled:
            scored = score_labelled(labelled, on_error=error, advance=lambda: bar.advance(task))
    with output(out) as stream:
        if output_format == "json":
            parts = {"letters": report, "labelled": scored}
            present = {
                name: part.model_dump(mode="json")
                for name, part in parts.items()
                if part is not None
            }
            document = next(iter(present.values())) if len(present) == 1 else present
            stream.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        else:
            if report is not None:
                _report_text(report, stream)
            if report is not None and scored is not None:
                stream.write("\n")
            if scored is not None:
                _labelled_text(scored, stream)
    if report is not None:
        overall = report.overall
        click.echo(
            f"{len(documents)} read, {len(report.failed)} failed, {len(report.skipped)} "
            f"skipped; {overall.agreed} of {overall.items} items agree",
            err=True,
        )
    if scored is not None:
        figures = scored.overall
        click.echo(
            f"{scored.cases + len(scored.failed)} read, {len(scored.failed)} failed; "
            f"{figures.as_expected} of {figures.items} labelled items as expected",
            err=True,
        )
    if (report is not None and report.failed) or (scored is not None and scored.failed):
        click.get_current_context().exit(1)
