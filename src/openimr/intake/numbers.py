"""Numbers in digits or words, and whether a count can be real (rules/numbers.yaml)."""

from __future__ import annotations

import math
import re
from functools import cache

from openimr.intake.grouped import alternation
from openimr.intake.ruleset import RuleModel, load_rules

RULE_FILE = "numbers.yaml"
# Beyond every bound in numbers.yaml; what a number too long to compute counts as (a
# 5,000-digit number, or 10^99999, is not turned into an int only to be refused).
HUGE = 10**18


class NumberRules(RuleModel):
    units: dict[str, int]
    tens: dict[str, int]
    other: dict[str, int]
    minus: list[str]
    most: dict[str, int]
    ordinals: dict[str, int]
    thousand: list[str]
    half: list[str]


class ImplausibleValue(ValueError):
    """A count that cannot be real: negative, above the most its unit can be (``most``
    in rules/numbers.yaml), or written as a power. The message names the value as written
    and why: ``-6 visits: a count cannot be negative``."""

    def __init__(self, written: str, reason: str) -> None:
        super().__init__(f"{written}: {reason}")
        self.written = written
        self.reason = reason


@cache
def number_rules() -> NumberRules:
    return load_rules(RULE_FILE, NumberRules)


@cache
def _words(include_other: bool = False) -> str:
    r"""Number words, longest first: each tens word with its unit, the units, then the
    others. One phrase each, grouped by first letter (grouped.py): tried in the same order
    as ``(?:tens)(?:[\s-]?(?:units))?|units``, but at a word only those of its letter
    (a third faster for every rule with a number)."""
    r = number_rules()
    tens = sorted(r.tens, key=len, reverse=True)
    units = sorted(r.units, key=len, reverse=True)
    any_unit = "|".join(units)
    words = [rf"{ten}(?:[\s-]?(?:{any_unit}))?" for ten in tens] + units
    if include_other:
        other = sorted((w for w in r.other if len(w) > 2), key=len, reverse=True)
        words += [re.escape(w) for w in other]
    return r"(?<!\w)" + alternation(words) + r"(?!\w)"


@cache
def number_pattern(include_other: bool = False) -> str:
    """A regex (no groups) for a count in digits or words: ``12``, ``twelve``, ``forty-two``."""
    return f"(?:{number_alternatives(include_other)})"


def number_alternatives(include_other: bool = False) -> str:
    """``number_pattern``'s alternatives, digits then words, to be joined to others."""
    # Digits may follow "x" or "#" ("x3 visits", "3x/wk") but not other letters ("L5").
    digits = r"(?<![\d.])(?<![a-wyzA-WYZ])\d{1,4}(?!\d|[.,]\d)"
    return f"{digits}|{_words(include_other)}"


@cache
def written_number_pattern() -> str:
    """A regex (no groups) for any number as written, to check it rather than read it:
    ``number_pattern`` and also signed (``-6``, ``minus six``), of any length, with
    thousands separators (``1,500``) or powers (``10^26``, ``10**26``, ``1e26``)."""
    r = number_rules()
    chars = "".join(re.escape(m) for m in r.minus if len(m) == 1)
    words = "|".join(re.escape(m) for m in r.minus if len(m) > 1)
    # A sign stands right before the digits, not after a number or a letter (a range or
    # a compound: "6-8", "6 -8", "x6-8", "L4-5").
    sign = rf"(?<![\w.)\]])(?<!\d\s)[{chars}](?=\d)"
    if words:
        sign += rf"|(?<!\w)(?:{words})\s+"
    power = r"(?:\s*(?:\^|\*\*)\s*\d+|[eE]\+?\d+)?"
    digits = r"(?<![\d.,])(?<![a-wyzA-WYZ])(?>\d{1,3}(?:,\d{3})+(?!\d)|\d+)" + power
    return rf"(?:(?:{sign})?(?:{digits}(?![.,]\d)|{_words()}))"


# A count group of bare digits in a rule ("(?P<n>\d{1,3})"), to be read as any number.
_DIGIT_GROUP = re.compile(r"\(\?P<(\w+)>\\d(?:\{\d+(?:,\d+)?\}|\+)?\)")


def as_written(pattern: str) -> str:
    """A rule's pattern reading any number as written where it reads a count ({NUM}, and
    named groups of bare digits): the same rule, to check its numbers, not to read them."""
    pattern = _DIGIT_GROUP.sub(r"(?P<\1>{NUM})", pattern)
    return pattern.replace("{NUM}", written_number_pattern())


def written_value(text: str) -> tuple[int, bool] | None:
    """The size and sign of a number matched by ``written_number_pattern``, HUGE at most:
    ``"-6"`` -> (6, True), ``"10^26"`` -> (HUGE, False); ``None`` if it is not one."""
    s = re.sub(r"\s+", " ", text.strip().lower())
    negative = False
    for sign in sorted(number_rules().minus, key=len, reverse=True):
        if s.startswith(sign):
            negative, s = True, s[len(sign) :].strip()
            break
    if m := re.fullmatch(r"([\d,]+)(?:\s*(\^|\*\*|e\+?)\s*(\d+))?", s):
        digits, power, exponent = m[1].replace(",", ""), m[2], m[3]
        if len(digits) > 18:
            return HUGE, negative
        base = int(digits)
        if power is None or base == 0:
            return min(base, HUGE), negative
        exp = int(exponent) if len(exponent) <= 4 else 10**4
        if power.startswith("e"):  # 1e26: the base times ten to the exponent
            too_big = math.log10(base) + exp >= 18
            return (HUGE if too_big else base * 10**exp), negative
        if base == 1:  # 10^26, 10**26: the base to the exponent
            return 1, negative
        return (HUGE if exp * math.log10(base) >= 18 else base**exp), negative
    value = number_value(s)
    return None if value is None else (value, negative)


def most(unit: str) -> int | None:
    """The most a count in ``unit`` can be and still be real (rules/numbers.yaml)."""
    return number_rules().most.get(unit)


def _why_not(written: str, unit: str, bound: int | None = None) -> str | None:
    """Why a count as written (``written_number_pattern``) cannot be real in ``unit``
    (or below ``bound``, given); ``None`` if it can."""
    found = written_value(written)
    if found is None:
        return None
    value, negative = found
    bound = most(unit) if bound is None else bound
    if negative:
        return "a count cannot be negative"
    if bound is not None and value > bound:
        return f"more than {bound:,} {unit} cannot be real (bounds: intake/rules/numbers.yaml)"
    if re.search(r"\d\s*(?:\^|\*\*|[eE])", written):
        # "2^2 visits": the rules would read the 2 after the sign; no count is written so.
        return "a count is written in digits or words, not as a power"
    return None


def plausible(written: str, unit: str, bound: int | None = None) -> bool:
    """Whether a count as written (``written_number_pattern``) can be real in ``unit``
    (or below ``bound``, given)."""
    return _why_not(written, unit, bound) is None


def check_count(written: str, unit: str, shown: str | None = None) -> None:
    """Raise ImplausibleValue if a count as written (``written_number_pattern``) cannot
    be real in ``unit``: negative, above ``most``, or a power. ``shown``: the words to
    quote (default: the number and the unit)."""
    if reason := _why_not(written, unit):
        raise ImplausibleValue(re.sub(r"\s+", " ", shown or f"{written.strip()} {unit}"), reason)


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


@cache
def ordinal_pattern() -> str:
    """A regex (no groups) for a day of the month as an ordinal: ``14th``, ``fourteenth``,
    ``twenty-first``, ``3rd``."""
    r = number_rules()
    tens = "|".join(sorted(r.tens, key=len, reverse=True))
    ordinals = "|".join(sorted(r.ordinals, key=len, reverse=True))
    return rf"(?<!\w)(?:\d{{1,2}}(?:st|nd|rd|th)|(?:(?:{tens})[\s-]?)?(?:{ordinals}))(?!\w)"


def ordinal_value(text: str) -> int | None:
    """The value of an ordinal matched by ``ordinal_pattern``: ``"twenty-first"`` -> 21."""
    r = number_rules()
    s = re.sub(r"\s+", " ", text.strip().lower())
    if m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)", s):
        return int(m[1])
    parts = [p for p in re.split(r"[\s-]+", s) if p]
    if not parts or parts[-1] not in r.ordinals:
        return None
    total = r.ordinals[parts[-1]]
    for part in parts[:-1]:
        if part not in r.tens:
            return None
        total += r.tens[part]
    return total


@cache
def year_words_pattern() -> str:
    """A regex (no groups) for a year said in words: ``two thousand fourteen``,
    ``twenty fourteen``, ``nineteen ninety-nine``."""
    r = number_rules()
    tens = "|".join(sorted(r.tens, key=len, reverse=True))
    units = "|".join(sorted(r.units, key=len, reverse=True))
    thousand = "|".join(r.thousand)
    below_100 = rf"(?:(?:{tens})(?:[\s-]?(?:{units}))?|(?:{units}))"
    return (
        rf"(?<!\w)(?:two\s+(?:{thousand})(?:\s+and)?(?:\s+{below_100})?"
        rf"|(?:nineteen|twenty)[\s-]+(?:oh[\s-]+(?:{units})|{below_100}))(?!\w)"
    )


def year_words_value(text: str) -> int | None:
    """The year of words matched by ``year_words_pattern``."""
    r = number_rules()
    s = re.sub(r"\s+", " ", text.strip().lower())
    for word in r.thousand:
        if m := re.fullmatch(rf"two {word}(?: and)?(?: (.+))?", s):
            rest = number_value(m[1]) if m[1] else 0
            return None if rest is None else 2000 + rest
    if m := re.fullmatch(r"(nineteen|twenty)[\s-]+(?:oh[\s-]+)?(.+)", s):
        rest = number_value(m[2])
        century = 1900 if m[1] == "nineteen" else 2000
        return None if rest is None else century + rest
    return None


@cache
def half_pattern() -> str:
    """A regex (no groups) for the half after a count: ``and a half``."""
    return "(?:" + "|".join(number_rules().half) + ")"
