"""`openimr stats`: uphold and overturn rates, guidelines, specialties and turnaround of
published letters, from Parquet made by `openimr parse` or from the letters themselves."""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

import click

from openimr.cli.outputs import Tally, check_out, jobs_option, out_option, output, progress_option
from openimr.corpus.stats import GROUPS
from openimr.errors import UserError


def _parquet_inputs(path: Path) -> list[Path]:
    if path.is_file() and path.suffix.lower() == ".parquet":
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*.parquet") if p.is_file())
    return []


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _ci(pair: list[float | None]) -> str:
    return "n/a" if pair[0] is None else f"{pair[0]:.1%}–{pair[1]:.1%}"


def _days(row: dict[str, Any], name: str) -> str:
    median = row.get(f"{name}_median")
    if median is None:
        return "n/a"
    return f"{median:g} ({row[f'{name}_q1']:g}–{row[f'{name}_q3']:g})"


COLUMNS = (
    ("items", lambda r: str(r["items"])),
    ("letters", lambda r: str(r["letters"])),
    ("upheld", lambda r: str(r["upheld"])),
    ("overturned", lambda r: str(r["overturned"])),
    ("uphold rate", lambda r: _percent(r["uphold_rate"])),
    ("95% CI", lambda r: _ci(r["uphold_ci"])),
    ("overturn rate", lambda r: _percent(r["overturn_rate"])),
    ("days UR→decision, median (IQR)", lambda r: _days(r, "ur_to_decision")),
    ("days assigned→decision, median (IQR)", lambda r: _days(r, "assigned_to_decision")),
)


def _text(report: dict[str, Any], out: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, width=None if out.isatty() else 160)
    overall = report["overall"]
    console.print(
        f"{overall['items']} items in {overall['letters']} letters: "
        f"{overall['upheld']} upheld, {overall['overturned']} overturned; uphold rate "
        f"{_percent(overall['uphold_rate'])} (95% Wilson CI {_ci(overall['uphold_ci'])}), "
        f"overturn rate {_percent(overall['overturn_rate'])} "
        f"(95% CI {_ci(overall['overturn_ci'])})."
    )
    console.print(
        f"Days from UR denial to decision: median (IQR) {_days(overall, 'ur_to_decision')} over "
        f"{overall['ur_to_decision_letters']} letters with both dates; from assignment to "
        f"decision: {_days(overall, 'assigned_to_decision')} over "
        f"{overall['assigned_to_decision_letters']} letters."
    )
    if report["partial_certification"] == "available":
        console.print(f"Partially certified items: {_percent(overall.get('partial_share'))}.")
    else:
        console.print("Partially certified items: not available (the rows carry no such field).")
    guidelines = ", ".join(
        f"{g['guideline']} {_percent(g['share'])}" for g in report["reviewer_guideline"]
    )
    console.print(f"Reviewer's guideline: {guidelines}.")
    if report["by"]:
        table = Table(title=f"By {report['by_label']}")
        table.add_column(report["by"])
        for name, _ in COLUMNS:
            table.add_column(name, justify="right")
        for group in report["groups"]:
            table.add_row(str(group["group"]), *(cell(group) for _, cell in COLUMNS))
        console.print(table)


CSV_FIELDS = (
    "group",
    "items",
    "letters",
    "upheld",
    "overturned",
    "uphold_rate",
    "uphold_ci_low",
    "uphold_ci_high",
    "overturn_rate",
    "ur_to_decision_median",
    "ur_to_decision_q1",
    "ur_to_decision_q3",
    "assigned_to_decision_median",
    "assigned_to_decision_q1",
    "assigned_to_decision_q3",
    "partial_share",
)


def _csv(report: dict[str, Any], out: TextIO) -> None:
    writer = csv.DictWriter(out, CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for group in [{**report["overall"], "group": "all"}, *report["groups"]]:
        row = dict(group)
        row["uphold_ci_low"], row["uphold_ci_high"] = group["uphold_ci"]
        row.setdefault("partial_share", "not available")
        writer.writerow(row)


def _parse_letters(letters: list[Path], folder: Path, jobs: int | None, show: bool, tally):
    """Letters given instead of Parquet: parsed first (on all cores), into one file."""
    from openimr.cli.published import _progress, _value
    from openimr.corpus.batch import default_jobs, parse_many
    from openimr.corpus.dataset import ParquetSink

    target = folder / "letters.parquet"
    with ParquetSink(target) as sink, _progress(show, len(letters)) as bar:
        task = bar.add_task("parse", total=len(letters))
        workers = jobs or default_jobs(len(letters))
        with parse_many(letters, kind="rows", jobs=workers) as results:
            for parsed in results:
                bar.advance(task)
                if tally.attempt(parsed.source, lambda p=parsed: _value(p)) is not None:
                    sink.add(parsed.value)
    return target


@click.command(name="stats")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--by",
    type=click.Choice(sorted(GROUPS)),
    default=None,
    help="Figures per group as well: DWC service category, reviewer's guideline, reviewer "
    "specialty, month of decision or priority.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "csv"]),
    default="text",
    show_default=True,
    help="text: a report to read; json: every figure; csv: one row overall, one per group.",
)
@click.option(
    "--plot",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also draw the uphold rates as a bar chart: FILE.png, FILE.svg or FILE.pdf.",
)
@jobs_option
@out_option
@progress_option
def stats(
    paths: tuple[Path, ...],
    by: str | None,
    output_format: str,
    plot: Path | None,
    jobs: int | None,
    out: Path | None,
    progress: bool | None,
) -> None:
    """Uphold and overturn rates (Wilson 95% intervals), guidelines cited, reviewer
    specialties and days to decision of published IMR letters.

    PATHS are Parquet files or folders written by `openimr parse --format parquet`, or
    letters (.txt, .pdf) and folders of them, which are parsed first. A letter that cannot
    be read gets one error line and the rest are counted; the exit status is then 1.

    \b
    Examples:
      openimr stats letters.parquet --by service
      openimr stats ../shared/corpus/dwc-2016 --by guideline --plot uphold.png
      openimr stats dataset/ --by month --format csv --out monthly.csv
    """
    from openimr.cli.published import collect_documents
    from openimr.corpus.stats import compute
    from openimr.corpus.stats import plot as draw

    parquet: list[Path] = []
    letters: list[Path] = []
    for path in paths:
        if not path.exists():
            raise UserError("no such file or folder", source=str(path))
        found = _parquet_inputs(path)
        parquet += found
        if not found:
            letters += list(collect_documents((path,)))
    if not parquet and not letters:
        names = ", ".join(map(str, paths))
        raise UserError(f"no Parquet files and no .txt or .pdf letters in {names}")
    check_out(out, [*parquet, *letters])
    check_out(plot, [*parquet, *letters])
    if plot is not None and plot.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise UserError("give a .png, .svg or .pdf file", source=f"--plot {plot}")
    tally = Tally()
    show = progress if progress is not None else sys.stderr.isatty()
    with tempfile.TemporaryDirectory(prefix="openimr-stats-") as folder:
        if letters:
            parquet.append(_parse_letters(letters, Path(folder), jobs, show, tally))
            if tally.failed == tally.read and len(parquet) == 1:
                tally.summary()
                raise UserError("no letter could be read")
        try:
            report = compute(parquet, by)
        except Exception as exc:  # duckdb's own errors: a file that is not Parquet of rows
            message = str(exc).splitlines()[0]
            raise UserError(f"cannot read the Parquet input ({message})") from None
    with output(out) as stream:
        if output_format == "json":
            stream.write(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
        elif output_format == "csv":
            _csv(report, stream)
        else:
            _text(report, stream)
    if plot is not None:
        draw(report, plot)
    tally.finish()
