"""The course of the pain around a flare-up (vocabulary: rules/flares.yaml).

A flare-up or acute injury that its sentence dates years ago, or says went away, is not the
patient's present state: it is dropped. A sentence that says the pain has stayed the same,
with nothing new, is a denial of a flare-up (a negated ``flare_up`` fact), unless the text
documents a current one.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from openimr.intake.lexicon import whole_words
from openimr.intake.numbers import number_pattern
from openimr.intake.ruleset import RuleModel, compile_pattern, load_rules
from openimr.model import Assertion

RULE_FILE = "flares.yaml"
_CURRENT = {Assertion.PRESENT, Assertion.HISTORICAL}
# How far before a mention a dating phrase may stand in its sentence ("in 2005 she had an
# acute strain"): the words just before it.
_BEFORE = 40


class FlareRules(RuleModel):
    remote: list[str]
    stable: list[str]
    symptoms: list[str]
    unless: list[str]


@cache
def _rules() -> tuple:
    r = load_rules(RULE_FILE, FlareRules)

    def words(patterns: list[str]):
        expanded = [p.replace("{NUM}", number_pattern()) for p in patterns]
        return compile_pattern(whole_words(expanded), RULE_FILE)

    return words(r.remote), words(r.stable), words(r.symptoms), words(r.unless)


def flare_course(b: Any) -> None:
    """Drop remote or resolved flare-ups from ``b.facts`` (extract's builder) and add the
    denials a stable course states."""
    remote, stable, symptoms, unless = _rules()
    text = b.text
    kept = []
    for fact in b.facts:
        if fact.kind == "flare_up" and fact.assertion in _CURRENT and fact.evidence:
            first = fact.evidence[0]
            s_start, s_end = b.analysis.sentence_of(first.start)
            if remote.search(text, max(s_start, first.start - _BEFORE), s_end):
                continue
        kept.append(fact)
    b.facts[:] = kept
    if any(f.kind == "flare_up" and f.assertion in _CURRENT for f in b.facts):
        return
    flared = {
        b.analysis.sentence_of(f.evidence[0].start)
        for f in b.facts
        if f.kind == "flare_up" and f.evidence
    }
    for s_start, s_end in b.analysis.sentences:
        if (s_start, s_end) in flared:
            continue
        m = stable.search(text, s_start, s_end)
        if m is None or not symptoms.search(text, s_start, s_end):
            continue
        if unless.search(text, s_start, s_end):
            continue
        b.add("flare_up", {"type": "flare_up"}, [m.span()], Assertion.NEGATED)
