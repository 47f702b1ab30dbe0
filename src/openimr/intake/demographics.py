"""Age, sex and date of injury from a clinical summary, each as a Fact with its evidence.

The phrase patterns are data (``rules/demographics.yaml``). This module is pure regular
expressions plus our date reader, with no NLP import: the letter parser calls it on
every letter and must stay fast.

    from openimr.intake.demographics import extract_patient
    patient, facts = extract_patient(summary_text)
"""

from __future__ import annotations

import re
from functools import cache

from pydantic import field_validator

from openimr.intake.dates import date_pattern, parse_date
from openimr.intake.numbers import number_rules
from openimr.intake.ruleset import RuleModel, compile_pattern, load_rules
from openimr.model import Evidence, Fact, Patient

RULE_FILE = "demographics.yaml"
SEXES = ("female", "male")


class PronounRules(RuleModel):
    female: list[str]
    male: list[str]


class SexRules(RuleModel):
    female: list[str]
    male: list[str]
    pronouns: PronounRules
    neutral: list[str]
    age_window: int


class DemographicsRules(RuleModel):
    age: list[str]
    sex: SexRules
    date_of_injury: list[str]

    @field_validator("age")
    @classmethod
    def _age_group(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            if "(?P<age>" not in p:
                raise ValueError(f"age pattern {p!r} has no (?P<age>...) group")
        return patterns

    @field_validator("date_of_injury")
    @classmethod
    def _date_group(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            if "(?P<date>" not in p:
                raise ValueError(f"date_of_injury pattern {p!r} has no (?P<date>...) group")
        return patterns


class _Compiled:
    def __init__(self, rules: DemographicsRules) -> None:
        self.rules = rules
        words = number_rules()
        tens = "|".join(sorted(words.tens, key=len, reverse=True))
        units = "|".join(sorted(words.units, key=len, reverse=True))
        first = "".join(sorted({w[0] for w in (*words.tens, *words.units)}))
        words_num = rf"(?:{tens})(?:[\s-]?(?:{units}))?|(?:{units})"
        num = rf"(?=[\d{first}])(?<![\w.])\b(?:\d{{1,3}}|{words_num})"
        date = date_pattern()

        def expand(p: str) -> re.Pattern[str]:
            return compile_pattern(p.replace("{NUM}", num).replace("{DATE}", date), RULE_FILE)

        self.age = [expand(p) for p in rules.age]
        self.doi = [expand(p) for p in rules.date_of_injury]

        def words_regex(items: list[str]) -> re.Pattern[str]:
            return compile_pattern(r"\b(?:" + "|".join(items) + r")(?!\w)", RULE_FILE)

        self.nouns = {sex: words_regex(getattr(rules.sex, sex)) for sex in SEXES}
        self.pronouns = {sex: words_regex(getattr(rules.sex.pronouns, sex)) for sex in SEXES}
        self.neutral = compile_pattern(r"\b(?:" + "|".join(rules.sex.neutral) + r")\b", RULE_FILE)
        self.word_values = {**words.units, **words.tens}


@cache
def _compiled() -> _Compiled:
    return _Compiled(load_rules(RULE_FILE, DemographicsRules))


def _age_value(text: str, word_values: dict[str, int]) -> int | None:
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    total = 0
    for part in re.split(r"[\s-]+", text):
        if part not in word_values:
            return None
        total += word_values[part]
    return total


def _evidence(text: str, start: int, end: int, source: str) -> Evidence:
    return Evidence(text=text[start:end], start=start, end=end, source=source)


def _find_age(text: str, c: _Compiled, source: str) -> tuple[int, int, Fact] | None:
    best: tuple[int, int, Fact] | None = None
    for regex in c.age:
        for m in regex.finditer(text):
            value = _age_value(m.group("age"), c.word_values)
            if value is None or not 0 < value <= 120:
                continue
            fact = Fact(kind="age", value=value, evidence=[_evidence(text, *m.span(), source)])
            # Pattern order decides first; within a pattern, the earliest mention.
            best = (m.start(), m.end(), fact)
            break
        if best:
            return best
    return None


def _find_sex(text: str, c: _Compiled, source: str, age_end: int | None) -> Fact | None:
    # 1. A sex noun right after the stated age: "a 37-year-old female".
    if age_end is not None:
        window = text[age_end : age_end + c.rules.sex.age_window]
        hits = [
            (m.start(), sex, m)
            for sex in SEXES
            if (m := c.nouns[sex].search(window)) and "." not in window[: m.start()]
        ]
        if hits:
            _, sex, m = min(hits, key=lambda h: h[0])
            span = (age_end + m.start(), age_end + m.end())
            return Fact(kind="sex", value=sex, evidence=[_evidence(text, *span, source)])
    # 2. Sex nouns anywhere, if they all agree; 3. then pronouns, if they all agree.
    blanked = _blank_neutral(text, c)
    for table in (c.nouns, c.pronouns):
        found = {sex: list(table[sex].finditer(blanked)) for sex in SEXES}
        present = [sex for sex in SEXES if found[sex]]
        if len(present) == 1:
            sex = present[0]
            m = found[sex][0]
            return Fact(kind="sex", value=sex, evidence=[_evidence(text, *m.span(), source)])
        if len(present) == 2:
            return None  # both sexes named: ambiguous, say nothing
    return None


def _blank_neutral(text: str, c: _Compiled) -> str:
    # "He/she", "his or her": replace by spaces so offsets stay valid.
    return c.neutral.sub(lambda m: " " * len(m.group()), text)


def _find_doi(text: str, c: _Compiled, source: str) -> Fact | None:
    for regex in c.doi:
        for m in regex.finditer(text):
            value = parse_date(m.group("date"))
            if value is None or not 1900 <= value.year <= 2100:
                continue
            return Fact(
                kind="date_of_injury",
                value=value,
                evidence=[_evidence(text, *m.span(), source)],
            )
    return None


def extract_patient(text: str, source: str = "clinical_summary") -> tuple[Patient, list[Fact]]:
    """The patient's age, sex and date of injury stated in ``text``.

    Returns the Patient and one Fact per item found (kinds ``age``, ``sex``,
    ``date_of_injury``), each with Evidence whose offsets index ``text``.
    """
    c = _compiled()
    facts: list[Fact] = []
    age = _find_age(text, c, source)
    if age:
        facts.append(age[2])
    sex = _find_sex(text, c, source, age[1] if age else None)
    if sex:
        facts.append(sex)
    doi = _find_doi(text, c, source)
    if doi:
        facts.append(doi)
    values = {f.kind: f.value for f in facts}
    patient = Patient(
        age=values.get("age"),
        sex=values.get("sex"),
        date_of_injury=values.get("date_of_injury"),
    )
    facts.sort(key=lambda f: (f.evidence[0].start, f.kind))
    return patient, facts
