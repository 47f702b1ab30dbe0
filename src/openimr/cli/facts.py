"""``openimr facts`` and ``openimr schema``: the intake's commands."""

from __future__ import annotations

import json
from pathlib import Path

import click

from openimr.cli.outputs import Tally
from openimr.fact_kinds import FactValue
from openimr.model import Fact, Request


@click.command()
@click.argument("case_files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for reading; json for programs: one JSON document for one case file, JSON "
    "Lines (one line per case) for a .jsonl input or several files.",
)
def facts(case_files: tuple[Path, ...], fmt: str) -> None:
    """Print the requests and clinical facts of each case in CASE_FILES, with their evidence.

    A case file is JSON or YAML (see `openimr schema case`), JSON Lines (one case per
    line), a text or PDF case file with one 'Request:' line per disputed item, or a
    published Final Determination Letter (its summary and item titles only; never its
    rationales). Evidence offsets are character offsets into the texts as supplied.
    """
    from openimr.intake.case_file import case_sources, intake_case

    one_file = len(case_files) == 1 and case_files[0].suffix.lower() != ".jsonl"
    tally = Tally(single=one_file)

    def show(read) -> None:
        result = intake_case(read())
        if fmt == "json":
            payload = {
                "case": result.case.model_dump(mode="json"),
                "facts": [f.model_dump(mode="json") for f in result.facts],
            }
            indent = 2 if one_file else None
            click.echo(json.dumps(payload, indent=indent, ensure_ascii=False))
        else:
            click.echo(render_text(result.case.case_id, result.case.requests, result.facts))

    for path in case_files:
        for where, read in case_sources(path):
            tally.attempt(where, lambda r=read: show(r))
    tally.finish()


def _value_text(value: object) -> str:
    if isinstance(value, FactValue):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items() if v not in (None, [], ""))
    return "" if value is None else str(value)


def _request_text(number: int, r: Request) -> list[str]:
    lines = [f"{number}. {r.text}"]
    fields = [f"service: {r.service}" + (f" ({r.service_reason})" if r.service_reason else "")]
    if r.quantity is not None:
        fields.append(f"quantity: {r.quantity} {r.unit or ''}".rstrip())
    if r.frequency:
        fields.append(f"frequency: {_value_text(r.frequency.model_dump())}")
    if r.continuation is not None:
        fields.append("continuation: " + ("additional" if r.continuation else "initial"))
    for name in ("body_regions", "sides", "spinal_levels"):
        if values := getattr(r, name):
            fields.append(f"{name.replace('_', ' ')}: {', '.join(values)}")
    if r.drug:
        fields.append(f"drug: {_value_text(r.drug.model_dump())}")
    if r.phase:
        fields.append(f"phase: {r.phase}")
    if r.claims_administrator_guideline:
        fields.append(f"claims administrator guideline: {r.claims_administrator_guideline}")
    if r.unparsed:
        fields.append("NOT READ: " + " | ".join(r.unparsed))
    lines += [f"   {f}" for f in fields]
    return lines


def render_text(case_id: str, requests: list[Request], facts: list[Fact]) -> str:
    lines = [f"Case {case_id}", "", "Requests"]
    for number, r in enumerate(requests, start=1):
        lines += _request_text(number, r)
    lines += ["", f"Facts ({len(facts)})"]
    for f in facts:
        status = "" if f.assertion == "present" else f" [{f.assertion}]"
        lines.append(f"- {f.kind}{status}: {_value_text(f.value)}")
        for ev in f.evidence:
            quote = " ".join(ev.text.split())
            lines.append(f'    "{quote}"  ({ev.source} {ev.start}-{ev.end})')
    return "\n".join(lines)


@click.command()
@click.argument("what", type=click.Choice(["case"]), default="case")
def schema(what: str) -> None:
    """Print the JSON Schema of a case file (WHAT: case)."""
    from openimr.intake.case_file import case_schema

    click.echo(json.dumps(case_schema(), indent=2))
