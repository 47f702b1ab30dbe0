"""Dates as case files write them: find them in text and read them (rules in rules/dates.yaml).

Pure regular expressions: no NLP import, cheap enough for the letter parser.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from openimr.intake.ruleset import RuleModel, compile_pattern, load_rules

RULE_FILE = "dates.yaml"


class DateRules(RuleModel):
    months: dict[str, int]
    month_abbreviations: dict[str, int]
    two_digit_year_pivot: int
    forms: list[str]


@cache
def date_rules() -> DateRules:
    return load_rules(RULE_FILE, DateRules)


@cache
def month_names() -> dict[str, int]:
    rules = date_rules()
    return {**rules.month_abbreviations, **rules.months}


@cache
def date_pattern() -> str:
    """A regular expression (no groups of its own) matching one date in any known form."""
    names = sorted(month_names(), key=len, reverse=True)
    month = r"(?:" + "|".join(names) + r")\b\.?"
    forms = [f.replace("{MONTH}", month) for f in date_rules().forms]
    # The leading class of first characters lets the regex engine skip most positions fast.
    first = "".join(sorted({n[0] for n in names}))
    pattern = rf"(?=[\d{first}])(?<![\d/.-])\b(?:" + "|".join(forms) + r")(?![\d]|/\d)"
    compile_pattern(pattern, RULE_FILE)
    return pattern


@cache
def _date_regex() -> re.Pattern[str]:
    return compile_pattern(date_pattern(), RULE_FILE)


def _year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:
        year += 2000 if year < date_rules().two_digit_year_pivot else 1900
    return year


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except (ValueError, OverflowError):  # "June 99999999999999999999, 2014" is no date
        return None


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$")
_WORDS = re.compile(r"[a-z]+|\d+")


def parse_date(text: str) -> dt.date | None:
    """Read one date written in a known form; ``None`` if it is not a real date."""
    s = text.strip().lower()
    if m := _ISO.match(s):
        return _safe_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _NUMERIC.match(s):
        return _safe_date(_year(m[3]), int(m[1]), int(m[2]))
    months = month_names()
    month = None
    numbers: list[str] = []
    for token in _WORDS.findall(s):
        if token.isdigit():
            numbers.append(token)
        elif token in months and month is None:
            month = months[token]
        # ordinal suffixes ("10th") and "of" are split off as words and ignored
    if month is None or len(numbers) != 2:
        return None
    day, year = (numbers[0], numbers[1]) if len(numbers[1]) == 4 else (numbers[1], numbers[0])
    if len(year) != 4:
        return None
    return _safe_date(int(year), month, int(day))


def find_dates(text: str) -> list[tuple[int, int, dt.date]]:
    """Every real date in ``text``: (start, end, date), in text order."""
    found = []
    for m in _date_regex().finditer(text):
        value = parse_date(m.group())
        if value is not None:
            found.append((m.start(), m.end(), value))
    return found
