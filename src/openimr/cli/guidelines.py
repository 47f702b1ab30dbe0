"""`openimr guidelines list | show RULE | check`: read the pack as a person would."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections import Counter
from pathlib import Path

import click

from openimr.model import Verification
from openimr.pack.editions import in_force
from openimr.pack.hierarchy import DESCRIPTIONS
from openimr.pack.loader import Pack, PackError, load_pack
from openimr.pack.schema import Limit, Node, Rule
from openimr.review.evaluate import PRIOR_SESSIONS
from openimr.review.golden import run_all

VERIFICATION_WORDS = {
    Verification.VERIFIED: "checked against the cited source",
    Verification.COMMONLY_CITED: "as IMR letters routinely cite it; not checked against the text",
    Verification.UNCERTAIN: "uncertain; treat as a hypothesis",
}
MEASURE_WORDS = {
    "quantity": "number requested",
    "per_week": "times per week",
    "weeks": "weeks of treatment",
    "total_with_prior": "prior sessions plus those requested",
    "levels": "spinal levels",
}

pack_option = click.option(
    "--pack",
    "pack_path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A pack folder to read instead of the bundled MTUS pack.",
)


@click.group()
def guidelines() -> None:
    """List, show and check the guideline pack."""


@guidelines.command("list")
@pack_option
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), help="Only rules in force then.")
def list_rules(pack_path: Path | None, on: dt.datetime | None) -> None:
    """One line per rule: id, dates, level, flag, title."""
    pack = load_pack(pack_path)
    rules = in_force(pack.rules, on.date()) if on else pack.rules
    for rule in rules:
        ranges = [rule.effective] if on else rule.ranges()
        starts = min(r.from_ for r in ranges)
        ends = "open" if any(r.to is None for r in ranges) else max(r.to for r in ranges if r.to)
        cited = [rule.citation] if on else [rule.citation, *(e.citation for e in rule.editions)]
        flags = ",".join(dict.fromkeys(c.verification.value for c in cited))
        click.echo(
            f"{rule.id:<48} {starts}..{ends!s:<10} "
            f"{rule.citation.hierarchy_level.value:<9} [{flags}] "
            f"{rule.title}"
        )
    click.echo(f"{len(rules)} rule(s) in pack {pack.info.name} {pack.info.version}")


@guidelines.command("show")
@pack_option
@click.argument("rule_id")
def show(pack_path: Path | None, rule_id: str) -> None:
    """One rule: its citation, dates, limits, criteria and exceptions in plain language."""
    pack = load_pack(pack_path)
    click.echo("\n".join(describe(pack.rule(rule_id), pack)))


@guidelines.command("check")
@pack_option
def check(pack_path: Path | None) -> None:
    """Validate the pack and run every golden case.

    Fails, too, on a predicate a rule uses that has neither a source in the records
    (answered_by) nor a declaration that only the physician reviewer can assess it
    (physician_assessed): such a criterion would silently never be met."""
    try:
        pack = load_pack(pack_path)
    except PackError as exc:
        for problem in exc.problems:
            click.echo(f"FAIL {problem}")
        raise SystemExit(1) from None
    failures = run_all(pack)
    for failure in failures:
        click.echo(f"FAIL {failure}")
    summary = _summary(pack)
    unanswered = unanswered_predicates(pack)
    for predicate in unanswered:
        click.echo(
            f"FAIL predicate {predicate!r} is used by rules but has neither answered_by nor "
            "physician_assessed (predicates.yaml)"
        )
    if failures or unanswered:
        click.echo(f"{summary}: {len(failures)} golden-case failure(s), "
                   f"{len(unanswered)} predicate(s) with no source")  # fmt: skip
        raise SystemExit(1)
    click.echo(f"ok: {summary}")
    assessed = sorted(p for p in _used_predicates(pack) if pack.predicates[p].physician_assessed)
    if assessed:
        click.echo(
            f"note: {len(assessed)} predicate(s) are assessed by the physician reviewer, so "
            "their criteria go to the reviewer: " + ", ".join(assessed)
        )


def unanswered_predicates(pack: Pack) -> list[str]:
    """Predicates the rules ask about that nothing answers: no source in the records and
    not declared physician-assessed."""
    definitions = pack.predicates
    return sorted(
        p
        for p in _used_predicates(pack)
        if definitions[p].answered_by is None and definitions[p].physician_assessed is None
    )


def _used_predicates(pack: Pack) -> set[str]:
    used: set[str] = set()
    for rule in pack.rules:
        nodes = [rule.criteria, *(e.when for e in rule.exceptions)]
        nodes += [limit.when for limit in rule.limits]
        used |= {
            leaf.predicate for node in nodes if node for leaf in node.leaves() if leaf.predicate
        }
        used |= {limit.predicate for limit in rule.limits if limit.predicate}
    return {p for p in used if p in pack.predicates}


def _summary(pack: Pack) -> str:
    flags = Counter(rule.citation.verification.value for rule in pack.rules)
    flagged = ", ".join(f"{flag} {flags[flag]}" for flag in sorted(flags))
    later = Counter(e.citation.verification.value for rule in pack.rules for e in rule.editions)
    editions = ", ".join(f"{flag} {later[flag]}" for flag in sorted(later))
    return (
        f"pack {pack.info.name} {pack.info.version}: {len(pack.rules)} rules ({flagged}), "
        f"{sum(later.values())} later editions{f' ({editions})' if later else ''}, "
        f"{len(pack.predicates)} predicates, {len(pack.cases)} golden cases"
    )


def describe(rule: Rule, pack: Pack) -> list[str]:
    c = rule.citation
    regions = ", ".join(rule.applies_to.body_regions) or "any"
    if rule.applies_to.region_named:
        regions += " (named in the request)"
    phases = ", ".join(rule.applies_to.phases) or "any"
    lines = [
        f"{rule.id}: {rule.title}",
        f"  File: {rule.source} (topic {rule.topic})",
        f"  In force: {rule.effective.from_} to {rule.effective.to or 'today (no end date)'}",
        f"  Applies to: {', '.join(rule.applies_to.services) or 'any service'}; "
        f"body regions: {regions}; phases: {phases}",
    ]
    if rule.applies_to.conditions:
        lines.append(f"  Conditions: {', '.join(rule.applies_to.conditions)}")
    if rule.applies_to.drugs:
        lines.append(f"  Drugs named: {', '.join(rule.applies_to.drugs)}")
    if rule.applies_to.names:
        lines.append(f"  Request names one of: {', '.join(rule.applies_to.names)}")
    lines += [
        "Citation:",
        f"  {c.regulation}; {c.guideline}, {c.edition}",
        f"  Section: {c.section}",
        f"  Pages: {c.pages or c.pages_note}",
        f"  Level in the search sequence: {DESCRIPTIONS[c.hierarchy_level]}",
        f"  Verification: {c.verification.value} ({VERIFICATION_WORDS[c.verification]})",
    ]
    if c.url:
        lines.append(f"  Source: {c.url}")
    for edition in rule.editions:
        e = edition.citation
        lines += [
            f"Later edition, in force {edition.effective.from_} to "
            f"{edition.effective.to or 'today (no end date)'}:",
            f"  {e.regulation}; {e.guideline}, {e.edition}",
            f"  Section: {e.section}",
            f"  Pages: {e.pages or e.pages_note}",
            f"  Level in the search sequence: {DESCRIPTIONS[e.hierarchy_level]}",
            f"  Verification: {e.verification.value} ({VERIFICATION_WORDS[e.verification]})",
        ]
        if e.url:
            lines.append(f"  Source: {e.url}")
        lines += [line for note in edition.notes for line in _bullet(note)]
    lines.append("What the guideline says (our words):")
    lines += textwrap.wrap(rule.statement, width=96, initial_indent="  ", subsequent_indent="  ")
    lines.append(f"  Recommendation: {rule.recommendation.replace('_', ' ')}")
    if rule.judgement_reason:
        lines += _bullet(f"Why the physician reviewer decides: {rule.judgement_reason}")
    if rule.limits:
        lines.append("Limits:")
        for limit in rule.limits:
            lines += _limit_lines(limit, pack)
    if rule.criteria:
        lines.append("Criteria:")
        lines += _node_lines(rule.criteria, "  ", pack)
    if rule.exceptions:
        lines.append("Exceptions:")
        for exception in rule.exceptions:
            lines.append(f"  - {exception.text} (sets aside: {', '.join(exception.lifts)})")
            lines += _node_lines(exception.when, "      ", pack)
    if rule.not_modelled:
        lines.append("Not modelled (left to the physician reviewer):")
        lines += [line for item in rule.not_modelled for line in _bullet(item)]
    if rule.notes:
        lines.append("Notes:")
        lines += [line for note in rule.notes for line in _bullet(note)]
    return lines


def _bullet(text: str) -> list[str]:
    return textwrap.wrap(text, width=96, initial_indent="  - ", subsequent_indent="    ")


def _bounds(low: float | None, high: float | None, unit: str) -> str:
    def num(x: float) -> str:
        return f"{x:g}"

    if low is not None and high is not None:
        return f"{num(low)} to {num(high)} {unit}"
    if high is not None:
        return f"at most {num(high)} {unit}"
    return f"at least {num(low or 0)} {unit}"


def _answered(predicate: str | None, pack: Pack, indent: str) -> list[str]:
    """How the engine answers a predicate from the records (answered_by), or that it cannot."""
    if predicate is None:
        return []
    definition = pack.predicates.get(predicate)
    answer = definition.answered_by if definition else None
    if answer:
        how = answer.describe()
    elif definition and definition.physician_assessed:
        how = f"the physician reviewer ({definition.physician_assessed})"
    else:
        how = "nothing: not read from the records and not declared physician-assessed"
    return textwrap.wrap(
        f"answered by: {how}", width=96, initial_indent=indent, subsequent_indent=indent + "  "
    )


def _limit_lines(limit: Limit, pack: Pack) -> list[str]:
    measured = MEASURE_WORDS[limit.of] if limit.of else f"fact {limit.predicate}"
    lines = [f"  - [{limit.id}] {limit.text}"]
    lines.append(f"      {_bounds(limit.min, limit.max, limit.unit)} ({measured})")
    prior = PRIOR_SESSIONS if limit.of == "total_with_prior" else None
    lines += _answered(limit.predicate or prior, pack, "      ")
    if limit.unstated == "skip":
        lines.append("      (not checked when the request does not state it)")
    if limit.when is not None:
        lines.append("      applies when:")
        lines += _node_lines(limit.when, "        ", pack)
    lines.append(f"      if not documented: {limit.gap}")
    return lines


def _node_lines(node: Node, indent: str, pack: Pack) -> list[str]:
    if node.predicate is not None:
        return [
            f"{indent}- [{node.id}] {node.text}",
            *_answered(node.predicate, pack, indent + "    "),
            f"{indent}    if not documented: {node.gap}",
        ]
    if node.all is not None:
        head = "ALL of:"
    elif node.any is not None:
        head = "ANY of:"
    else:
        head = f"AT LEAST {node.at_least} of:"
    label = f"[{node.id}] {node.text} — " if node.id else ""
    lines = [f"{indent}{label}{head}"]
    for child in node.children:
        lines += _node_lines(child, indent + "  ", pack)
    return lines
