"""When a phrase family's mention is no fact: its sentence quotes the guideline or a
reviewer (``unless``), a relative comes before it in its clause (``unless_before``), or its
sentence lacks what the family ``requires`` (rules: ``SimpleFamily`` in ``rules.py``)."""

from __future__ import annotations

import re
from collections.abc import Callable

from openimr.intake.facts.rules import SimpleFamily

_CLAUSE_END = re.compile(r"[;,]")


class Guard:
    def __init__(self, family: SimpleFamily, words: Callable[[list[str]], re.Pattern[str]]):
        self.unless = words(family.unless) if family.unless else None
        self.before = words(family.unless_before) if family.unless_before else None
        self.requires = [words([p]) for p in family.requires]

    def admits(self, text: str, start: int, sentence: tuple[int, int]) -> bool:
        """Whether the mention at ``start`` in ``sentence`` (character offsets) is a fact."""
        s_start, s_end = sentence
        if self.unless is not None and self.unless.search(text, s_start, s_end):
            return False
        if self.before is not None:
            clauses = list(_CLAUSE_END.finditer(text, s_start, start))
            clause_start = clauses[-1].end() if clauses else s_start
            if self.before.search(text, clause_start, start):
                return False
        return all(rx.search(text, s_start, s_end) for rx in self.requires)


def guard_of(family: SimpleFamily, words: Callable[[list[str]], re.Pattern[str]]) -> Guard | None:
    if family.unless or family.unless_before or family.requires:
        return Guard(family, words)
    return None
