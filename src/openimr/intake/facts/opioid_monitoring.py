"""Opioid monitoring the records say was not done (vocabulary: rules/opioid_monitoring.yaml).

A mention of a drug screen, a CURES check, an opioid agreement or the drug's side effects
(facts.yaml families) whose clause denies the act of monitoring ("CURES not checked", "did
not review side effects", "nobody has asked her whether the pills make her sleepy") is no
check made: the screen, check or agreement is negated, and for side effects (whose negation
means "none", an assessment made) an ``opioid_monitoring_gap`` is recorded instead.

And a list under one negation keeps it through the list ("No urine drug screening, pain
agreement or prescription monitoring report was documented"): a mention that follows a
negated one with only list words between them is negated too.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from openimr.fact_kinds import typed_value
from openimr.intake.ruleset import RuleModel, compile_pattern, load_rules
from openimr.model import Assertion, Fact

RULE_FILE = "opioid_monitoring.yaml"
_KINDS = ("urine_drug_screen", "cures_check", "opioid_agreement", "adverse_effects")
_SHOWN = {Assertion.PRESENT, Assertion.HISTORICAL, Assertion.NEGATED}
# What may stand between two items of one list ("A, B or C", "A and B", "A nor a B").
_LIST_GLUE = re.compile(
    r"^\s*(?:,\s*)?(?:(?:or|and|nor|,)\s+)?(?:(?:an?|any|the|to\s+sign\s+an?|a\s+signed|signed)\s+)*$",
    re.IGNORECASE,
)


class MonitoringRules(RuleModel):
    acts: str
    after: list[str]
    before: list[str]
    clause_breaks: str


@cache
def _rules() -> tuple[list[re.Pattern[str]], list[re.Pattern[str]], re.Pattern[str]]:
    r = load_rules(RULE_FILE, MonitoringRules)

    def rx(p: str) -> re.Pattern[str]:
        return compile_pattern(p.replace("{ACTS}", r.acts), RULE_FILE)

    return [rx(p) for p in r.after], [rx(p) for p in r.before], rx(r.clause_breaks)


def _clause_before(text: str, s_start: int, start: int, breaks: re.Pattern[str]) -> int:
    last = s_start
    for m in breaks.finditer(text, s_start, start):
        last = m.end()
    return last


def _clause_after(text: str, end: int, s_end: int, breaks: re.Pattern[str]) -> int:
    m = breaks.search(text, end, s_end)
    return m.start() if m else s_end


def monitoring_gaps(b: Any) -> None:
    """Read denied acts of monitoring over ``b.facts`` (extract's builder)."""
    after, before, breaks = _rules()
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
            and _LIST_GLUE.match(text[previous.evidence[0].end : mention.start]) is not None
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
