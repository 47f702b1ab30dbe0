"""Dates as case files write them: find them in text and read them (rules in rules/dates.yaml).

Pure regular expressions: no NLP import, cheap enough for the letter parser.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from openimr.intake.needles import sieve, text_pieces
from openimr.intake.numbers import (
    ordinal_pattern,
    ordinal_value,
    year_words_pattern,
    year_words_value,
)
from openimr.intake.ruleset import RuleModel, compile_pattern, load_rules

RULE_FILE = "dates.yaml"


class Holiday(RuleModel):
    month: int
    day: int | None = None
    weekday: int | None = None
    nth: int | None = None


class DateRules(RuleModel):
    months: dict[str, int]
    month_abbreviations: dict[str, int]
    two_digit_year_pivot: int
    forms: list[str]
    this_year: list[str]
    last_year: list[str]
    last: list[str]
    seasons: dict[str, int]
    holidays: dict[str, Holiday]
    part_of_month: dict[str, int]
    verbs: list[str]


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
    found: list[tuple[int, int, dt.date]] = []
    rx = _date_regex()
    if not sieve(rx).may_match(text_pieces(text)):
        return found  # no match in the text (needles.py)
    for m in rx.finditer(text):
        value = parse_date(m.group())
        if value is not None:
            found.append((m.start(), m.end(), value))
    return found


# --- dates that name part of a day --------------------------------------------------------


@dataclass(frozen=True)
class PartialDate:
    """A date as far as the text gives it: ``March 2014`` (no day), ``March first`` (no
    year), ``last Thanksgiving``; ``years_back`` 0 for "this year", 1 for "last year"."""

    month: int
    year: int | None = None
    day: int | None = None
    years_back: int | None = None
    holiday: str | None = None
    whole_year: bool = False  # "in 2012": the year alone (read as its middle)

    def resolve(self, on: dt.date) -> dt.date | None:
        """The day meant, read on ``on``: a month without a day is its middle; a date
        without a year is the most recent such day on or before ``on`` (or the year the
        words say)."""
        if self.year is not None:
            return self._in(self.year)
        if self.years_back is not None:
            return self._in(on.year - self.years_back)
        day = self._in(on.year)
        if day is not None and day > on:
            day = self._in(on.year - 1)
        return day

    def _in(self, year: int) -> dt.date | None:
        if self.holiday is not None:
            return _holiday(date_rules().holidays[self.holiday], year)
        return _safe_date(year, self.month, self.day or 15)


def _holiday(rule: Holiday, year: int) -> dt.date | None:
    if rule.day is not None:
        return _safe_date(year, rule.month, rule.day)
    if rule.weekday is None or rule.nth is None:
        return None
    first = dt.date(year, rule.month, 1)
    if rule.nth > 0:
        offset = (rule.weekday - first.weekday()) % 7 + 7 * (rule.nth - 1)
        return first + dt.timedelta(days=offset)
    following = dt.date(year + rule.month // 12, rule.month % 12 + 1, 1)
    last = following - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - rule.weekday) % 7)


class _Partial:
    def __init__(self) -> None:
        r = date_rules()
        names = sorted(month_names(), key=len, reverse=True)
        month = r"(?P<month>" + "|".join(names) + r")\b\.?"
        ordinal = rf"(?P<ord>{ordinal_pattern()}|\d{{1,2}}(?![\d/:]))"
        year = rf"(?P<year>(?:19|20)\d{{2}}(?!\d)|{year_words_pattern()})"
        after = rf"(?:\s*,?\s*(?:of\s+)?{year})?"
        this = "|".join(r.this_year)
        last_year = "|".join(r.last_year)
        relative = rf"(?:\s+(?:(?P<this>{this})|(?P<lastyear>{last_year})))?"
        last = rf"(?:(?P<last>{'|'.join(r.last)})\s+)?"
        week = "|".join(f"(?P<w{i}>{p})" for i, p in enumerate(r.part_of_month))
        seasons = "|".join(r.seasons)
        holidays = "|".join(f"(?P<h{i}>{p})" for i, p in enumerate(r.holidays))
        forms = [
            rf"{last}(?:{week})?{month}\s+{ordinal}{after}",
            rf"(?:the\s+)?{ordinal}\s+(?:day\s+)?of\s+{month}{after}",
            rf"(?:{week}){month}{after}",
            rf"{last}{month}(?:\s*,?\s*(?:of\s+)?{year})?",
            rf"{last}(?P<season>{seasons})(?:\s+(?:of\s+)?{year})?",
            rf"{last}(?:{holidays})(?:\s+(?:of\s+)?{year})?",
        ]
        self.words = [compile_pattern(rf"(?<!\w)(?:{f}){relative}(?!\w)", RULE_FILE) for f in forms]
        self.holidays = list(r.holidays)
        self.part_days = list(r.part_of_month.values())
        self.numeric = re.compile(r"(?<![\d/.-])(\d{1,2})/(\d{4}|\d{2})(?![\d/]|\.\d)")
        self.year = re.compile(r"(?<![\d/.,-])((?:19|20)\d{2})(?![\d/]|\.\d)")


@cache
def _partial() -> _Partial:
    return _Partial()


def _partial_of(m: re.Match[str], p: _Partial) -> PartialDate | None:
    g = m.groupdict()
    year = None
    if g.get("year"):
        text = g["year"]
        year = int(text) if text.isdigit() else year_words_value(text)
    years_back = 0 if g.get("this") else 1 if g.get("lastyear") else None
    qualified = year is not None or years_back is not None or bool(g.get("last"))
    if g.get("season"):
        if g["season"].lower() == "fall" and not qualified:
            return None  # "since the fall": the injury, not the season
        month = date_rules().seasons[g["season"].lower()]
        return PartialDate(month=month, year=year, years_back=years_back)
    for i, name in enumerate(p.holidays):
        if g.get(f"h{i}"):
            rule = date_rules().holidays[name]
            return PartialDate(month=rule.month, year=year, years_back=years_back, holiday=name)
    if not g.get("month"):
        return None
    word = g["month"].rstrip(".")
    part = next((d for i, d in enumerate(p.part_days) if g.get(f"w{i}")), None)
    if word.islower() and word in date_rules().verbs and not (qualified or g.get("ord") or part):
        return None  # "may need", "march on": a verb, not a month
    month = month_names()[word.lower()]
    day = None
    if g.get("ord"):
        text = g["ord"]
        day = int(text) if text.isdigit() else ordinal_value(text)
        if day is None or not 1 <= day <= 31:
            return None
    else:
        day = part
    return PartialDate(month=month, year=year, day=day, years_back=years_back)


def find_partial_dates(text: str, short_years: bool = False) -> list[tuple[int, int, PartialDate]]:
    """Every date in ``text``, full or partial: (start, end, PartialDate), in text order,
    the longest reading of overlapping ones. ``short_years``: also month/two-digit-year
    ("2/15"), which a pain score ("5/10") also looks like, so only where a date is due."""
    p = _partial()
    found: list[tuple[int, int, PartialDate]] = []
    for start, end, day in find_dates(text):
        found.append((start, end, PartialDate(month=day.month, year=day.year, day=day.day)))
    in_text = text_pieces(text)
    for rx in p.words:
        if not sieve(rx).may_match(in_text):
            continue  # no match in the text (needles.py)
        for m in rx.finditer(text):
            if (value := _partial_of(m, p)) is not None:
                found.append((m.start(), m.end(), value))
    for m in p.numeric.finditer(text):
        month, year = int(m[1]), m[2]
        if 1 <= month <= 12 and (len(year) == 4 or short_years):
            found.append((m.start(), m.end(), PartialDate(month=month, year=_year(year))))
    for m in p.year.finditer(text):
        found.append((m.start(), m.end(), PartialDate(month=7, year=int(m[1]), whole_year=True)))
    kept: list[tuple[int, int, PartialDate]] = []
    for hit in sorted(found, key=lambda h: (h[0], -(h[1] - h[0]))):
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
    return kept
