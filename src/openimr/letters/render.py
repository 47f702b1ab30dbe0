"""The Final Determination Letter: a determination and its case, rendered from templates.

Templates (``templates/``) hold the wording and the fixed sections; this module only builds
their context and picks the output. The engine drafts; until a physician reviewer signs,
every rendering (every printed page) says plainly that it is a draft. The same case gives
byte-identical text, HTML and PDF.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import itertools
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

from openimr.errors import UserError
from openimr.fact_kinds import FactValue, fact_kinds
from openimr.model import (
    Assertion,
    Case,
    Criterion,
    CriterionStatus,
    Determination,
    Evidence,
    Fact,
    ItemDecision,
    Request,
)
from openimr.pack.answers import absence_answered, request_answered
from openimr.pack.schema import Limit, Node, Rule
from openimr.review.engine import default_pack
from openimr.review.engine import pack_version as version_of
from openimr.review.rationale import exceeded_by_request_alone
from openimr.templates import environment
from openimr.yamlload import load_yaml

LetterFormat = Literal["text", "html", "pdf"]

DRAFT_NOTICE = (
    "DRAFT prepared by openimr for a physician reviewer. It is not a determination until "
    "a physician reviewer has examined the case file, confirmed or changed each decision, "
    "and signed."
)

RECOMMENDATION = "recommendation"
"""The criterion the evaluator makes of a rule's own recommendation: the guideline's
statement, which the rationale already gives. It is not a row of the criteria table."""

QUOTE_LIMIT = 120
VERIFICATION_WORDS = {
    "V": "V, checked against the source",
    "K": "K, as commonly cited, not checked against the text",
    "U": "U, uncertain",
}
"""How far the cited edition's content has been checked, said on the guideline line."""
QUOTES_PER_ROW = 4


def _decision_line(item: ItemDecision) -> str:
    return item.decision or "Referred for physician judgement"


def _guideline_line(item: ItemDecision) -> str:
    citation = item.guideline
    if citation is None:
        return "No guideline rule addresses this item; referred for physician judgement."
    parts = [citation.guideline]
    if citation.section:
        parts.append(citation.section)
    line = "Decision based on " + ", ".join(parts)
    if citation.pages:
        line += f", Page(s): {citation.pages}"
    if citation.edition:
        line += f"; edition: {citation.edition}"
    if citation.verification:
        line += f"; verification: {VERIFICATION_WORDS[citation.verification.value]}"
    return line + "."


# Documents and sources ------------------------------------------------------------------


def _record_order(case: Case) -> list[int]:
    """Record indexes in date order; undated records last, each group in file order."""
    return sorted(
        range(len(case.records)),
        key=lambda i: (case.records[i].date is None, case.records[i].date or dt.date.min, i),
    )


def _documents(case: Case) -> list[dict[str, Any]]:
    """What the letter lists as reviewed: the case file itself, then each record."""
    documents: list[dict[str, Any]] = [
        {
            "case_file": True,
            "case_id": case.case_id,
            "summary": bool(case.clinical_summary.strip()),
            "requests": len(case.requests),
        }
    ]
    for index in _record_order(case):
        record = case.records[index]
        documents.append({"case_file": False, "kind": record.kind, "date": record.date})
    return documents


def _source_label(case: Case, source: str) -> dict[str, Any] | None:
    """Which record a quotation comes from (kind and date); None for the case summary."""
    if not (source.startswith("records[") and source.endswith("]")):
        return None
    try:
        record = case.records[int(source[len("records[") : -1])]
    except (ValueError, IndexError):
        return None
    return {"kind": record.kind, "date": record.date}


def _quotes(case: Case, evidence: list[Evidence]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    quotes = []
    for item in evidence:
        words = " ".join(item.text.split())
        if not words or words.lower() in seen:
            continue
        seen.add(words.lower())
        if len(words) > QUOTE_LIMIT:
            words = words[: QUOTE_LIMIT - 1].rsplit(" ", 1)[0] + "…"
        quotes.append({"text": words, "source": _source_label(case, item.source)})
        if len(quotes) == QUOTES_PER_ROW:
            break
    # A run of quotes from one record names it once, after the last of them.
    for quote, following in itertools.pairwise(quotes):
        if quote["source"] == following["source"]:
            quote["source"] = None
    return quotes


# The criteria table ----------------------------------------------------------------------


@dataclass
class Row:
    """One criterion of the table, with what its evidence cell says (``basis``):
    quotes: the passages quoted; gap: what the records would need to show (only for a
    criterion not documented); request: read from the request title; request_and_prior: the
    request counted with the treatment already given; absent: met or not
    by what the records do not mention; computed: worked out from the case file (dates,
    doses); group: decided by the criteria under it; over_alone: a total the request by
    itself exceeds; unquoted: nothing to quote."""

    criterion: Criterion
    depth: int = 0
    basis: str = "unquoted"
    quotes: list[dict[str, Any]] = field(default_factory=list)
    combine: str = ""
    """For a group: all, any, or "at least N"."""
    limit_max: float | None = None
    """For over_alone: the most the limit allows."""
    unless: list[str] = field(default_factory=list)
    """For over_alone: what would document an exception that lifts the limit."""


def _rule(item: ItemDecision, pack_version: str) -> Rule | None:
    """The rule behind an item, when the pack that decided it is the one installed."""
    if not item.rule_id:
        return None
    pack = default_pack()
    if version_of(pack) != pack_version:
        return None
    try:
        return pack.rule(item.rule_id)
    except UserError:
        return None


@cache
def _from_request() -> frozenset[str]:
    """Predicates the installed pack answers from the request title (computed once)."""
    return request_answered(default_pack())


@cache
def _from_absence() -> frozenset[str]:
    """Predicates the installed pack answers from what the records do not mention."""
    return absence_answered(default_pack())


def _basis(
    row: Row,
    case: Case,
    limit: Limit | None,
    node: Node | None,
    request: Request | None = None,
    unless: tuple[str, ...] = (),
) -> Row:
    criterion = row.criterion
    if (
        limit is not None
        and request is not None
        and criterion.status is not CriterionStatus.MET
        and exceeded_by_request_alone(limit, request)
    ):
        # Over the cap whatever was given before (the rationale's first reason): the
        # count already given is not the gap here.
        row.basis, row.limit_max = "over_alone", limit.max
        row.unless = list(unless)
    elif criterion.status is CriterionStatus.NEEDS_REVIEWER:
        row.basis = "reviewer"
    elif criterion.status is CriterionStatus.NOT_DOCUMENTED:
        row.basis = "gap" if criterion.gap else "group" if node is not None else "unquoted"
    elif quotes := _quotes(case, criterion.evidence):
        row.basis, row.quotes = "quotes", quotes
    elif node is not None and node.predicate is None:
        row.basis = "group"
    elif limit is not None:
        row.basis = {None: "computed", "total_with_prior": "request_and_prior"}.get(
            limit.of, "request"
        )
    elif node is not None and node.predicate in _from_request():
        row.basis = "request"
    elif node is not None and node.predicate in _from_absence():
        row.basis = "absent"
    if node is not None and node.predicate is None:
        row.combine = (
            "all" if node.all is not None else "any" if node.any is not None else "at_least"
        )
    return row


def _rows(item: ItemDecision, case: Case, rule: Rule | None) -> list[Row]:
    """The criteria in the guideline's order, a group before the criteria under it."""
    request = next((r for r in case.requests if r.text == item.request), None)
    shown = [c for c in item.criteria if c.id != RECOMMENDATION]
    if rule is None:
        return [_basis(Row(c), case, None, None) for c in shown]
    by_id = {c.id: c for c in shown}
    rows: list[Row] = []
    for limit in rule.limits:
        if limit.id in by_id:
            lifting = tuple(e.gap for e in rule.exceptions if limit.id in e.lifts)
            row = Row(by_id.pop(limit.id))
            rows.append(_basis(row, case, limit, None, request, lifting))

    def walk(node: Node, depth: int) -> None:
        if node.id and node.id in by_id:
            rows.append(_basis(Row(by_id.pop(node.id), depth), case, None, node))
            depth += 1
        for child in node.children:
            walk(child, depth)

    if rule.criteria is not None:
        walk(rule.criteria, 0)
    rows += [_basis(Row(c), case, None, None) for c in by_id.values()]
    return rows


# A clinical case summary from the records -----------------------------------------------


@cache
def _summary_kinds() -> tuple[str, ...]:
    """The fact kinds of an assembled summary, in its order (templates/summary_kinds.yaml)."""
    text = resources.files("openimr.letters").joinpath("templates/summary_kinds.yaml")
    kinds = load_yaml(text.read_text(encoding="utf-8"), keep=True)["kinds"]
    unknown = [k for k in kinds if k not in fact_kinds().kinds]
    if unknown:
        raise ValueError(f"letters/templates/summary_kinds.yaml: unknown fact kinds {unknown}")
    return tuple(kinds)


_STATED = {Assertion.PRESENT, Assertion.HISTORICAL, Assertion.NEGATED}


def _record_facts(facts: list[Fact], source: str) -> list[dict[str, Any]]:
    """The facts a record states (present, past or denied), in summary order, once each,
    as the template reads them: kind, value as a mapping, and whether it is denied."""
    mine = [
        f
        for f in facts
        if f.kind in _summary_kinds()
        and f.assertion in _STATED
        and f.evidence
        and f.evidence[0].source == source
    ]
    mine.sort(key=lambda f: (_summary_kinds().index(f.kind), f.evidence[0].start))
    unique: dict[str, dict[str, Any]] = {}
    for fact in mine:
        value = (
            fact.value.model_dump() if isinstance(fact.value, FactValue) else {"value": fact.value}
        )
        negated = fact.assertion is Assertion.NEGATED
        unique.setdefault(
            f"{fact.kind}|{negated}|{sorted(value.items())!r}",
            {"kind": fact.kind, "v": value, "negated": negated},
        )
    return list(unique.values())


def _first(facts: list[Fact], kind: str) -> Any:
    return next((f.value for f in facts if f.kind == kind and f.assertion in _STATED), None)


def assembled_summary(case: Case, facts: list[Fact] | None = None) -> str:
    """A clinical case summary put together from the records, for a case file that has
    none: who the worker is, then each record in date order with the facts it states.
    Our own words (the template's), never the records' sentences."""
    facts = facts or []
    records = [
        {
            "kind": case.records[i].kind,
            "date": case.records[i].date,
            "facts": _record_facts(facts, f"records[{i}]"),
        }
        for i in _record_order(case)
    ]
    context = {
        "age": case.patient.age if case.patient.age is not None else _first(facts, "age"),
        "sex": case.patient.sex or _first(facts, "sex"),
        "injured": case.patient.date_of_injury,
        "records": records,
        "requests": [r.text for r in case.requests],
    }
    text = environment().get_template("summary_from_records.txt.j2").render(context)
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n") if p.strip())


# The letter ------------------------------------------------------------------------------


def letter_context(
    determination: Determination, case: Case, summary: str, facts: list[Fact] | None = None
) -> dict:
    """What the templates may use, already phrased."""
    claims = {r.text: r.claims_administrator_guideline for r in case.requests}
    assembled = not summary.strip()
    return {
        "determination": determination,
        "case": case,
        "header": {
            "case_number": case.case_id or determination.case_id,
            "date_of_injury": case.patient.date_of_injury,
            "ur_denial_date": case.ur_denial_date,
            "decision_date": determination.decision_date,
        },
        "documents": _documents(case),
        "reviewer": determination.reviewer or case.reviewer,
        "signed": determination.signed,
        "draft_notice": DRAFT_NOTICE,
        "summary": assembled_summary(case, facts) if assembled else summary,
        "summary_assembled": assembled,
        "items": [
            {
                "item": item,
                "decision": _decision_line(item),
                "claims_guideline": claims.get(item.request) or "Not stated in the case file.",
                "reviewer_guideline": _guideline_line(item),
                "rows": _rows(item, case, _rule(item, determination.pack_version)),
            }
            for item in determination.items
        ],
    }


def render_letter(
    determination: Determination,
    case: Case,
    summary: str,
    output: LetterFormat = "text",
    *,
    facts: list[Fact] | None = None,
) -> str | bytes:
    """The letter as text, HTML, or PDF bytes. ``facts`` (the case's, when the caller has
    them) spare re-reading the records for a case that has no clinical summary."""
    context = letter_context(determination, case, summary, facts)
    if output == "text":
        return environment().get_template("letter.txt.j2").render(context)
    html = environment().get_template("letter.html.j2").render(context)
    if output == "html":
        return html
    return _pdf(html, _pdf_identifier(determination))


# PDF -------------------------------------------------------------------------------------


def _pdf_identifier(determination: Determination) -> bytes:
    """The PDF's permanent /ID: from what was decided, not random, so the same case gives
    the same bytes."""
    key = "\n".join((determination.case_id, determination.pack_version, determination.input_sha256))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32].encode("ascii")


@cache
def _weasyprint_html() -> Any:
    """WeasyPrint's HTML class, imported once per process.

    On import WeasyPrint opens GObject, Pango, HarfBuzz and fontconfig, trying several
    names for each; cffi hands every name that is not a file name to
    ctypes.util.find_library, which on Linux runs ldconfig, gcc and ld for each (26, 21
    and 21 programs, a quarter of a second). WeasyPrint's lists also hold each library's
    file name (libpango-1.0.so.0, .dylib, .dll), which the dynamic loader finds by
    itself. So while importing, find_library answers "not found" at once and cffi goes
    on to those names. Should that load nothing, the import is retried as WeasyPrint
    meant it.
    """
    import ctypes.util

    real = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        # WeasyPrint prints its installation advice on stdout before failing: not into a
        # PDF written to standard output.
        with contextlib.redirect_stdout(io.StringIO()):
            from weasyprint import HTML
    except OSError:
        ctypes.util.find_library = real
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
        from weasyprint import HTML
    finally:
        ctypes.util.find_library = real
    return HTML


_SOURCE_DATE = threading.Lock()


@contextlib.contextmanager
def _fixed_font_dates() -> Iterator[None]:
    """fontTools stamps each embedded font subset with the time it was made, unless
    SOURCE_DATE_EPOCH (reproducible builds) gives one: a fixed one for the render, or the
    caller's own."""
    with _SOURCE_DATE:
        before = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = before or "0"
        try:
            yield
        finally:
            if before is None:
                del os.environ["SOURCE_DATE_EPOCH"]


def _pdf(html: str, identifier: bytes) -> bytes:
    html_class = _weasyprint_html()
    # No creation or modification date is written (the HTML carries no dcterms dates):
    # a clock in the file would make every render differ.
    with _fixed_font_dates():
        return html_class(string=html).write_pdf(pdf_identifier=identifier)
