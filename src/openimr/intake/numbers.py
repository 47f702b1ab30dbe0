"""Numbers in digits or words (rules/numbers.yaml)."""

from __future__ import annotations

import re
from functools import cache

from openimr.intake.ruleset import RuleModel, load_rules

RULE_FILE = "numbers.yaml"


class NumberRules(RuleModel):
    units: dict[str, int]
    tens: dict[str, int]
    other: dict[str, int]


@cache
def number_rules() -> NumberRules:
    return load_rules(RULE_FILE, NumberRules)


@cache
def number_pattern(include_other: bool = False) -> str:
    """A regex (no groups) for a count in digits or words: ``12``, ``twelve``, ``forty-two``."""
    r = number_rules()
    tens = "|".join(sorted(r.tens, key=len, reverse=True))
    units = "|".join(sorted(r.units, key=len, reverse=True))
    words = [rf"(?:{tens})(?:[\s-]?(?:{units}))?", rf"(?:{units})"]
    if include_other:
        other = sorted((w for w in r.other if len(w) > 2), key=len, reverse=True)
        words.append("|".join(re.escape(w) for w in other))
    # Digits may follow "x" or "#" ("x3 visits", "3x/wk") but not other letters ("L5").
    digits = r"(?<![\d.])(?<![a-wyzA-WYZ])\d{1,4}(?!\d|[.,]\d)"
    return rf"(?:{digits}|(?<!\w)(?:" + "|".join(words) + r")(?!\w))"


def number_value(text: str) -> int | None:
    """The value of a number written in digits or words; ``None`` if it is not one."""
    r = number_rules()
    s = re.sub(r"\s+", " ", text.strip().lower())
    if s.isdigit():
        return int(s)
    if s in r.other:
        return r.other[s]
    total = 0
    for part in re.split(r"[\s-]+", s):
        if part in r.units:
            total += r.units[part]
        elif part in r.tens:
            total += r.tens[part]
        else:
            return None
    return total
