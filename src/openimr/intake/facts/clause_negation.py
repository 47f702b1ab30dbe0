"""Negation for the phrase families that word their own negations (``own_negation``):
a mention is negated only when a negating trigger comes before it in its clause, or a
backward trigger just after it, outside the mention's own words and those of its family's
other mentions ("none identified" says what it says; "denies X; + anxiety" does not deny
the anxiety). The triggers, look-alikes and terminators are ConText's (rules/context.yaml);
a clause ends at a semicolon or a terminator, and at the family's own clause ends; the
family's look-alikes are not negations."""

from __future__ import annotations

import re
from functools import cache

from openimr.intake.facts.rules import ContextRule, SimpleFamily, context_rules

_NEGATED = "NEGATED_EXISTENCE"


def _phrase(rule: ContextRule) -> str:
    if rule.pattern:
        return rule.pattern
    return r"\s+".join(re.escape(word) for word in rule.literal.split())


def _words(phrases: list[str]) -> str:
    return r"(?<!\w)(?:" + "|".join(sorted(phrases, key=len, reverse=True)) + r")(?!\w)"


class _Triggers:
    def __init__(self, label: str, clause_ends: tuple[str, ...], not_negating: tuple[str, ...]):
        rules = context_rules().rules

        def applies(rule: ContextRule) -> bool:
            allowed = not rule.allowed_types or label in rule.allowed_types
            return allowed and label not in (rule.excluded_types or [])

        negations = [r for r in rules if r.category == _NEGATED and applies(r)]
        before = [_phrase(r) for r in negations if r.direction in ("FORWARD", "BIDIRECTIONAL")]
        after = [_phrase(r) for r in negations if r.direction in ("BACKWARD", "BIDIRECTIONAL")]
        pseudo = [_phrase(r) for r in rules if r.category == "PSEUDO"] + list(not_negating)
        ends = [_phrase(r) for r in rules if r.category == "TERMINATE"] + list(clause_ends)
        self.before = re.compile(_words(before), re.IGNORECASE)
        self.after = re.compile(r"\s*" + _words(after), re.IGNORECASE) if after else None
        self.pseudo = re.compile(_words(pseudo), re.IGNORECASE) if pseudo else None
        self.bound = re.compile(r";|" + _words(ends), re.IGNORECASE)


@cache
def _triggers(label: str, clause_ends: tuple[str, ...], not_negating: tuple[str, ...]) -> _Triggers:
    return _Triggers(label, clause_ends, not_negating)


def negated_in_clause(
    text: str,
    start: int,
    end: int,
    sentence: tuple[int, int],
    family: SimpleFamily,
    others: list[tuple[int, int]],
) -> bool:
    """Whether the mention at ``start:end`` is negated within its own clause."""
    t = _triggers(family.label, tuple(family.clause_ends), tuple(family.not_negating))
    s_start, s_end = sentence
    bounds = list(t.bound.finditer(text, s_start, start))
    clause_start = bounds[-1].end() if bounds else s_start
    before = list(text[clause_start:start])
    for o_start, o_end in others:  # a trigger in another mention belongs to that mention
        for i in range(max(o_start, clause_start), min(o_end, start)):
            before[i - clause_start] = " "
    words = "".join(before)
    if t.pseudo is not None:
        words = t.pseudo.sub(lambda m: " " * len(m.group()), words)
    if t.before.search(words):
        return True
    return t.after is not None and t.after.match(text, end, s_end) is not None
