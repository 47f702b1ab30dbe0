"""Opioid monitoring the records say was not done (vocabulary: rules/opioid_monitoring.yaml).

A mention of a drug screen, a CURES check, an opioid agreement or the drug's side effects
(facts.yaml families) whose clause denies the act of monitoring ("CURES not checked", "did
not review side effects", "nobody has asked her whether the pills make her sleepy") is no
check made: the screen, check or agreement is negated, and for side effects (whose negation
means "none", an assessment made) an ``opioid_monitoring_gap`` is recorded instead.

A screen's or a check's result is read in its own clause: "UDS 3/15 consistent; CURES
shows 2 other prescribers" is an inconsistent CURES report.

And a list under one negation keeps it through the list ("No urine drug screening, pain
agreement or prescription monitoring report was documented"): a mention that follows a
negated one with only list words between them is negated too.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from openimr.fact_kinds import typed_value
from openimr.intake.facts.rules import fact_rules
from openimr.intake.lexicon import whole_words
from openimr.intake.numbers import number_pattern
from openimr.intake.ruleset import RuleModel, compile_pattern, load_rules
from openimr.model import Assertion, Fact

RULE_FILE = "opioid_monitoring.yaml"
_KINDS = ("urine_drug_screen", "cures_check", "opioid_agreement", "adverse_effects")
_SHOWN = {Assertion.PRESENT, Assertion.HISTORICAL, Assertion.NEGATED}


class MonitoringRules(RuleModel):
    acts: str
    after: list[str]
    before: list[str]
    clause_breaks: str
    list_glue: str


@cache
def _rules() -> tuple[
    list[re.Pattern[str]], list[re.Pattern[str]], re.Pattern[str], re.Pattern[str]
]:
    r = load_rules(RULE_FILE, MonitoringRules)

    def rx(p: str) -> re.Pattern[str]:
        return compile_pattern(p.replace("{ACTS}", r.acts), RULE_FILE)

    glue = rx(r.list_glue)
    return [rx(p) for p in r.after], [rx(p) for p in r.before], rx(r.clause_breaks), glue


def _clause_before(text: str, s_start: int, start: int, breaks: re.Pattern[str]) -> int:
    last = s_start
    for m in breaks.finditer(text, s_start, start):
        last = m.end()
    return last


def _clause_after(text: str, end: int, s_end: int, breaks: re.Pattern[str]) -> int:
    m = breaks.search(text, end, s_end)
    return m.start() if m else s_end


_RESULT_KINDS = ("urine_drug_screen", "cures_check")
_RESULT_DISTANCE = 60  # as extract.py reads a family's results near its mention
_SEMICOLON = re.compile(r";")


def _num(pattern: str) -> str:
    return pattern.replace("{NUM}", number_pattern())


@cache
def _results() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    out: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for family in fact_rules().simple:
        if family.kind in _RESULT_KINDS and family.results:
            out.setdefault(family.kind, []).extend(
                (value, compile_pattern(whole_words([_num(p) for p in ps]), RULE_FILE))
                for value, ps in family.results.items()
            )
    return out


def _results_by_clause(b: Any) -> None:
    """Re-read a result that stands across a semicolon from its mention, in the mention's
    own clause (the nearest, as extract.py reads it)."""
    results = _results()
    text = b.text
    for i, fact in enumerate(b.facts):
        if fact.kind not in results or len(fact.evidence) != 2 or not fact.value:
            continue
        if fact.value.get("result") is None:
            continue
        patterns = results[fact.kind]
        first, second = fact.evidence
        said = [e for e in (first, second) if any(rx.fullmatch(e.text) for _, rx in patterns)]
        if len(said) != 1:
            continue
        result = said[0]
        mention = second if result is first else first
        s_start, s_end = b.analysis.sentence_of(mention.start)
        lo = max([s_start] + [m.end() for m in _SEMICOLON.finditer(text, s_start, mention.start)])
        stop = _SEMICOLON.search(text, mention.end, s_end)
        hi = stop.start() if stop else s_end
        if lo <= result.start and result.end <= hi:
            continue
        best = None
        for value, rx in patterns:
            for m in rx.finditer(text, lo, hi):
                if m.start() < mention.end and mention.start < m.end():
                    continue
                if m.start() >= mention.end:
                    distance = m.start() - mention.end
                else:
                    distance = mention.start - m.end()
                if distance <= _RESULT_DISTANCE and (best is None or distance < best[0]):
                    best = (distance, value, m.span())
        value = dict(fact.value)
        value["result"] = best[1] if best else None
        evidence = [mention] + ([b.ev(*best[2])] if best else [])
        b.facts[i] = Fact(
            kind=fact.kind,
            value=typed_value(fact.kind, value),
            assertion=fact.assertion,
            evidence=sorted(evidence, key=lambda e: (e.start, e.end)),
        )


def monitoring_gaps(b: Any) -> None:
    """Read denied acts of monitoring over ``b.facts`` (extract's builder)."""
    _results_by_clause(b)
    after, before, breaks, glue = _rules()
    text = b.text
    mentions = sorted(
        (i for i, f in enumerate(b.facts) if f.kind in _KINDS and f.evidence),
        key=lambda i: b.facts[i].evidence[0].start,
    )
    previous: Fact | None = None
    for i in mentions:
        fact = b.facts[i]
        if fact.assertion not in _SHOWN:
            previous = fact
            continue
        mention = fact.evidence[0]
        s_start, s_end = b.analysis.sentence_of(mention.start)
        lo = _clause_before(text, s_start, mention.start, breaks)
        hi = _clause_after(text, mention.end, s_end, breaks)
        tail = text[mention.end : hi]
        denied = any(rx.search(tail) for rx in after) or any(
            rx.search(text, lo, mention.start) for rx in before
        )
        listed = (
            previous is not None
            and previous.assertion is Assertion.NEGATED
            and previous.kind != "adverse_effects"
            and fact.kind != "adverse_effects"
            and previous.evidence[0].end <= mention.start
            and b.analysis.sentence_of(previous.evidence[0].start) == (s_start, s_end)
            and glue.match(text[previous.evidence[0].end : mention.start]) is not None
        )
        if denied and fact.kind == "adverse_effects":
            b.facts[i] = Fact(
                kind="opioid_monitoring_gap",
                value=typed_value("opioid_monitoring_gap", {"item": "adverse_effects"}),
                assertion=Assertion.PRESENT,
                evidence=fact.evidence,
            )
        elif (denied or listed) and fact.assertion is not Assertion.NEGATED:
            b.facts[i] = fact.model_copy(update={"assertion": Assertion.NEGATED})
        previous = b.facts[i]
