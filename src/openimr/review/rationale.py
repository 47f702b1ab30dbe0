"""The decision rationale, written as a reviewer writes one: the guideline's recommendation
(in our words, with its citation), what the records show (quoting the evidence), and the
conclusion. The sentence frame is a template (templates/rationale.txt.j2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from openimr.guidelines.evaluate import RuleResult, request_measure
from openimr.guidelines.schema import Node, Rule
from openimr.model import Citation, Criterion, CriterionStatus, Request

QUOTE_LIMIT = 90


def _sentence_part(text: str) -> str:
    """A criterion's text as a clause: no closing period, lower-case start."""
    text = " ".join(text.split()).rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) == 1 else text


def _quote(criterion: Criterion) -> str:
    quotes = []
    for evidence in criterion.evidence[:2]:
        words = " ".join(evidence.text.split())
        if len(words) > QUOTE_LIMIT:
            words = words[: QUOTE_LIMIT - 1].rsplit(" ", 1)[0] + "…"
        quotes.append(f'"{words}"')
    return f" ({'; '.join(quotes)})" if quotes else ""


def citation_text(citation: Citation) -> str:
    """ "The MTUS ... (section; page(s) 60)": the guideline named as a reviewer names it."""
    where = [
        part for part in (citation.section, citation.pages and f"page(s) {citation.pages}") if part
    ]
    name = (
        citation.guideline
        if citation.guideline.lower().startswith("the ")
        else f"the {citation.guideline}"
    )
    return f"{name} ({'; '.join(where)})" if where else name


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("openimr.review", "templates"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["capitalize_first"] = lambda s: s[:1].upper() + s[1:]
    return env


def _measured(rule: Rule, limit_id: str, request: Request, facts: Mapping[str, Any]) -> str:
    limit = next(limit for limit in rule.limits if limit.id == limit_id)
    value = request_measure(limit, request, facts)
    if value is None:
        return ""
    number = int(value) if float(value).is_integer() else round(value, 1)
    what = "with those already given" if limit.of == "total_with_prior" else "requested"
    return f" ({number} {limit.unit} {what})"


_BUCKET = {
    CriterionStatus.MET: "met",
    CriterionStatus.NOT_MET: "not_met",
    CriterionStatus.NOT_DOCUMENTED: "not_documented",
}


@dataclass
class Explanation:
    """What decided an item, read from its criteria as a reviewer reads them."""

    met: list[str] = field(default_factory=list)
    not_met: list[str] = field(default_factory=list)
    not_documented: list[str] = field(default_factory=list)
    within_limits: list[str] = field(default_factory=list)
    over_limits: list[str] = field(default_factory=list)
    limit_gaps: list[str] = field(default_factory=list)
    exceptions_met: list[str] = field(default_factory=list)
    not_recommended: bool = False
    gaps: list[str] = field(default_factory=list)
    """What the records would have to show, in reading order, once each."""
    deciding: list[str] = field(default_factory=list)
    """Ids of the criteria that are not met or not documented and so decide an Upheld."""

    def add(self, bucket: str, clause: str, criterion: Criterion) -> None:
        getattr(self, bucket).append(clause)
        if bucket != "met":
            self.deciding.append(criterion.id)


def _walk(node: Node, by_id: dict[str, Criterion], out: Explanation) -> None:
    """An alternative that is met is reported by what met it; one that is not, by its own
    statement and the gaps beneath it."""
    if node.predicate is not None:
        criterion = by_id.get(node.id or "")
        if criterion is not None:
            bucket = _BUCKET[criterion.status]
            quote = _quote(criterion) if bucket != "not_documented" else ""
            out.add(bucket, _sentence_part(criterion.text) + quote, criterion)
            if criterion.gap and bucket == "not_documented":
                out.gaps.append(criterion.gap)
        return
    own = by_id.get(node.id or "")
    if node.all is not None or own is None:
        for child in node.children:
            _walk(child, by_id, out)
        return
    if own.status is CriterionStatus.MET:
        for child in node.children:
            if child.id and by_id.get(child.id) and by_id[child.id].status is CriterionStatus.MET:
                _walk(child, by_id, out)
        return
    out.add(_BUCKET[own.status], _sentence_part(own.text), own)
    for leaf in node.leaves():
        criterion = by_id.get(leaf.id or "")
        if criterion and criterion.gap and criterion.status is not CriterionStatus.MET:
            out.gaps.append(criterion.gap)


def explain(
    rule: Rule, result: RuleResult, request: Request, facts: Mapping[str, Any]
) -> Explanation:
    out = Explanation()
    by_id = {criterion.id: criterion for criterion in result.criteria}
    recommendation = by_id.get("recommendation")
    if recommendation is not None and recommendation.status is CriterionStatus.NOT_MET:
        out.not_recommended = True
        out.deciding.append("recommendation")
    for limit in rule.limits:
        criterion = by_id.get(limit.id)
        if criterion is None:
            continue
        clause = _sentence_part(limit.text) + _measured(rule, limit.id, request, facts)
        if criterion.status is CriterionStatus.MET:
            out.within_limits.append(clause)
        elif criterion.status is CriterionStatus.NOT_MET:
            out.add("over_limits", clause, criterion)
        else:
            gap = criterion.gap or limit.gap
            measured = request_measure(limit, request, facts)
            over = measured is not None and (
                (limit.max is not None and measured > limit.max)
                or (limit.min is not None and measured < limit.min)
            )
            if over:
                # Over the limit unless an exception is documented: say both.
                out.over_limits.append(clause)
            out.add("limit_gaps", gap, criterion)
            out.gaps.append(gap)
    if rule.criteria is not None:
        _walk(rule.criteria, by_id, out)
    out.exceptions_met = [
        _sentence_part(e.text) + _quote(e)
        for e in result.exceptions
        if e.status is CriterionStatus.MET
    ]
    out.limit_gaps = list(dict.fromkeys(out.limit_gaps))
    out.gaps = list(dict.fromkeys(out.gaps))
    return out


def write_rationale(
    rule: Rule | None,
    explanation: Explanation | None,
    request: Request,
    necessary: bool | None,
    reason: str = "",
) -> str:
    """The rationale: recommendation and citation, what the records show, the conclusion."""
    context: dict[str, Any] = {
        "judgement": necessary is None,
        "reason": reason,
        "rule": rule,
        "request": request.text,
        "necessary": bool(necessary),
        "citation_text": citation_text(rule.citation.as_citation()) if rule else "",
        "x": explanation or Explanation(),
    }
    text = _environment().get_template("rationale.txt.j2").render(context)
    return " ".join(text.split())
