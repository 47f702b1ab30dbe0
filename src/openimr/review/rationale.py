"""The decision rationale, written as a reviewer writes one: the guideline's recommendation
(in our words, with its citation), what decides the item, what the records show (quoting
the evidence), and the conclusion. The sentence frame is a template
(templates/rationale.txt.j2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openimr.model import Citation, Criterion, CriterionStatus, Request
from openimr.pack.schema import Limit, Node, Rule
from openimr.review.evaluate import RuleResult
from openimr.templates import environment

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


def unit_for(number: float, unit: str) -> str:
    """A unit agreeing with its number: "1 time a week", "1 visit", "6 visits".

    A pack's units are plural ("visits", "times a week", "prior tests in 12 months"); the
    noun is the first word that ends in s."""
    if number != 1:
        return unit
    words = unit.split(" ")
    for index, word in enumerate(words):
        noun, slash, rest = word.partition("/")  # "hours/week"
        if len(noun) > 2 and noun.endswith("s") and not noun.endswith("ss"):
            words[index] = noun[:-1] + slash + rest
            break
    return " ".join(words)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 1)


def _with(clause: str, measure: str) -> str:
    """A limit's clause with what was measured, in one pair of brackets: "... (prior
    massage counts toward them; 3 visits with those already given)"."""
    if not measure:
        return clause
    if clause.endswith(")"):
        return f"{clause[:-1]}; {measure})"
    return f"{clause} ({measure})"


def _measured(criterion: Criterion) -> str:
    """What the evaluator measured for a limit, in words ("9 visits with those already
    given"); nothing when it measured nothing."""
    measured = criterion.measured
    if measured is None or measured.value is None:
        return ""
    number = _number(measured.value)
    what = "with those already given" if measured.of == "total_with_prior" else "requested"
    return f"{number} {unit_for(number, measured.unit or '')} {what}"


def exceeded_by_request_alone(limit: Limit, request: Request) -> bool:
    """A total (given before plus requested) whose requested part alone is over the maximum:
    not met whatever the records say was given before, so the unknown history cannot
    matter. Limits that apply only under a condition are left to the evaluator."""
    return (
        limit.of == "total_with_prior"
        and limit.when is None
        and limit.max is not None
        and request.quantity is not None
        and request.quantity > limit.max
    )


def _alone(limit: Limit, request: Request) -> str:
    quantity = _number(float(request.quantity or 0))
    most = _number(limit.max or 0)
    requested = f"{quantity} {unit_for(quantity, limit.unit)} requested"
    return f"{requested}, more than the {most} allowed in all"


_BUCKET = {
    CriterionStatus.MET: "met",
    CriterionStatus.NOT_MET: "not_met",
    CriterionStatus.NOT_DOCUMENTED: "not_documented",
    CriterionStatus.NEEDS_REVIEWER: "needs_reviewer",
}


@dataclass
class Explanation:
    """What decided an item, read from its criteria as a reviewer reads them."""

    met: list[str] = field(default_factory=list)
    not_met: list[str] = field(default_factory=list)
    not_documented: list[str] = field(default_factory=list)
    needs_reviewer: list[str] = field(default_factory=list)
    """Criteria only the physician reviewer can assess (the item goes to the reviewer)."""
    within_limits: list[str] = field(default_factory=list)
    over_alone: list[str] = field(default_factory=list)
    """Limits the request by itself exceeds, whatever was given before."""
    over_alone_unless: bool = False
    """An exception not yet documented could still lift one of ``over_alone``."""
    over_limits: list[str] = field(default_factory=list)
    limit_gaps: list[str] = field(default_factory=list)
    exceptions_met: list[str] = field(default_factory=list)
    not_recommended: bool = False
    gaps: list[str] = field(default_factory=list)
    """What the records would have to show, in reading order, once each."""
    deciding: list[str] = field(default_factory=list)
    """Ids of the criteria that are not met or not documented and so decide an Upheld,
    the strongest first: the guideline's own recommendation, then limits the request
    exceeds, then limits the records leave open, then the other criteria."""

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


def _lifting(rule: Rule, result: RuleResult, limit_id: str) -> list[Criterion]:
    """The exceptions that could still set a limit aside: those not shown to fail."""
    ids = {e.id for e in rule.exceptions if limit_id in e.lifts}
    return [e for e in result.exceptions if e.id in ids and e.status is not CriterionStatus.NOT_MET]


def explain(rule: Rule, result: RuleResult, request: Request) -> Explanation:
    out = Explanation()
    by_id = {criterion.id: criterion for criterion in result.criteria}
    recommendation = by_id.get("recommendation")
    if recommendation is not None and recommendation.status is CriterionStatus.NOT_MET:
        out.not_recommended = True
    # Deciding criteria by strength (see Explanation.deciding), each tier in rule order.
    alone: list[str] = []
    over: list[str] = []
    for limit in rule.limits:
        criterion = by_id.get(limit.id)
        if criterion is None:
            continue
        text = _sentence_part(limit.text)
        clause = _with(text, _measured(criterion))
        measured = criterion.measured.value if criterion.measured else None
        if criterion.status is CriterionStatus.MET:
            out.within_limits.append(clause)
        elif exceeded_by_request_alone(limit, request) and (
            measured is None or measured == request.quantity
        ):
            # 16 visits against a cap of 6: over whatever was given before, so the count
            # already given is no gap; only an exception still to be documented is.
            out.over_alone.append(_with(text, _alone(limit, request)))
            alone.append(limit.id)
            for exception in _lifting(rule, result, limit.id):
                out.over_alone_unless = True
                if exception.gap:
                    out.limit_gaps.append(exception.gap)
                    out.gaps.append(exception.gap)
        elif criterion.status is CriterionStatus.NOT_MET:
            out.over_limits.append(clause)
            over.append(limit.id)
        else:
            gap = criterion.gap or limit.gap
            exceeds = measured is not None and (
                (limit.max is not None and measured > limit.max)
                or (limit.min is not None and measured < limit.min)
            )
            if exceeds:
                # Over the limit unless an exception is documented: say both.
                out.over_limits.append(clause)
                over.append(limit.id)
            out.add("limit_gaps", gap, criterion)
            out.gaps.append(gap)
    if rule.criteria is not None:
        _walk(rule.criteria, by_id, out)
    out.exceptions_met = [
        _sentence_part(e.text) + _quote(e)
        for e in result.exceptions
        if e.status is CriterionStatus.MET
    ]
    first = (["recommendation"] if out.not_recommended else []) + alone + over
    out.deciding = list(dict.fromkeys(first + out.deciding))
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
        # The statement follows "According to <guideline>,": it continues that sentence.
        "statement": _sentence_part(rule.statement) + "." if rule else "",
        "x": explanation or Explanation(),
    }
    return render_sentences("rationale.txt.j2", **context)


def render_sentences(template: str, **context: Any) -> str:
    """A review template (review/templates) rendered as one paragraph."""
    return " ".join(environment().get_template(template).render(context).split())
