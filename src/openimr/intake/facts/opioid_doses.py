"""Opioid doses as clinicians write and dictate them (vocabulary: rules/opioid_doses.yaml).

The medication list (extract.py) gives an opioid's daily morphine equivalent when a
strength in digits and a dosing phrase follow its name. Here, for an opioid it gave none:
a strength in words ("four milligrams"), dictated ("norco ten three twenty five") or bare
("MS Contin 30 BID"); a change of dose (the dose after "to" is the current one); tablets
at two times of the day ("two in the morning and one at night"). And a total daily dose
the records state in other words than facts.yaml's stated_med.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from openimr.fact_kinds import typed_value
from openimr.intake.facts.rules import fact_rules
from openimr.intake.lexicon import lexicon, whole_words
from openimr.intake.numbers import number_alternatives, number_pattern, number_value
from openimr.intake.ruleset import RuleModel, compile_pattern, load_rules
from openimr.model import Assertion, Fact

RULE_FILE = "opioid_doses.yaml"
_DOCUMENTED = {Assertion.PRESENT, Assertion.HISTORICAL}
_MG_WORDS = r"(?:\d{1,4}(?:\.\d+)?|" + number_alternatives() + r"(?:\s+point\s+five)?)"


class DoseRules(RuleModel):
    strength: list[str]
    bare_strength: str
    tablet_brands: list[str]
    bare_least_mg: float
    change: str
    split_doses: list[str]
    tablets_after: str
    tablets_before: str
    stated: list[str]


class _Compiled:
    def __init__(self) -> None:
        r = load_rules(RULE_FILE, DoseRules)

        def rx(p: str) -> re.Pattern[str]:
            p = p.replace("{MG}", _MG_WORDS).replace("{NUM}", number_pattern())
            return compile_pattern(p, RULE_FILE)

        self.strength = [rx(p) for p in r.strength]
        self.bare = rx(r.bare_strength)
        self.tablet_brands = set(r.tablet_brands)
        self.bare_least_mg = r.bare_least_mg
        self.change = rx(r.change)
        self.split = [rx(p) for p in r.split_doses]
        self.tablets_after = rx(r.tablets_after)
        self.tablets_before = rx(r.tablets_before)
        self.stated = [rx(p) for p in r.stated]
        med = fact_rules().stated_med
        unless = med.unless if med else []
        self.unless = compile_pattern(whole_words(unless), RULE_FILE) if unless else None


@cache
def _compiled() -> _Compiled:
    return _Compiled()


def _mg(text: str) -> float | None:
    """A strength as written: "7.5", "four", "seven point five"."""
    s = re.sub(r"\s+", " ", text.strip().lower())
    half = s.endswith(" point five")
    if half:
        s = s[: -len(" point five")]
    try:
        value = float(s)
    except ValueError:
        n = number_value(s)
        if n is None:
            return None
        value = float(n)
    return value + 0.5 if half else value


def _per_day(text: str) -> tuple[int | None, tuple[int, int] | None]:
    """The first dosing phrase in ``text`` that gives doses a day (drugs.yaml dosing)."""
    found = []
    for rx, n in lexicon().dosing:
        for m in rx.finditer(text):
            found.append((m.start(), m.end(), n))
    for start, end, n in sorted(found):
        if n is not None:
            return n, (start, end)
    return None, None


def opioid_doses(b: Any) -> None:
    """Complete the opioid medication facts of ``b`` (extract's builder) and add stated
    totals."""
    c = _compiled()
    text = b.text
    meds = [f for f in b.facts if f.kind == "medication" and f.evidence]
    starts = sorted(f.evidence[0].start for f in meds)
    for i, fact in enumerate(b.facts):
        if fact.kind != "medication" or not fact.evidence or fact.assertion not in _DOCUMENTED:
            continue
        value = dict(fact.value)
        if value.get("kind") != "opioid":
            continue
        key = re.sub(r"\s+", " ", str(value.get("name") or "").lower())
        info = lexicon().drug_rules.drugs.get(key)
        if info is None or not info.mme_factor:
            continue
        start = fact.evidence[0].start
        name_end = start + len(value["name"])
        _, s_end = b.analysis.sentence_of(start)
        later = [s for s in starts if s > start]
        end = min([s_end, *later[:1]])
        after = text[name_end:end]
        offset = name_end
        changed = c.change.search(after)
        split = _split_doses(b, c, start, end)
        if value.get("med_mg") is not None and not changed and split[0] is None:
            continue
        if changed:
            offset += changed.start("to")
            after = changed["to"]
        mg = span = None
        if value.get("strength"):
            m = re.match(r"(\d+(?:\.\d+)?)", value["strength"])
            mg = float(m.group(1)) if m and "%" not in value["strength"] else None
        if changed or mg is None:
            for rx in c.strength:
                if m := rx.search(after):
                    mg, span = _mg(m["mg"]), m.span()
                    break
        if mg is None and key not in c.tablet_brands and (m := c.bare.match(after)):
            n, _ = _per_day(after[m.end() :][:30])
            bare = _mg(m["mg"])
            if n is not None and bare is not None and bare >= c.bare_least_mg:
                mg, span = bare, m.span("mg")
        if mg is None or mg <= 0:
            continue
        per_day, split_span = split
        if per_day is None and not changed:
            per_day = value.get("doses_per_day")
        dose_span = None
        if per_day is None:
            per_day, dose_span = _per_day(after)
        spans = [span, dose_span]
        if per_day is None:
            continue
        extra = [split_span] if split_span is not None else []
        if split_span is None:
            tablets, tablet_span = _tablets(b, c, start, after)
            if tablets:
                per_day *= tablets
            if tablet_span is not None:
                extra.append(tablet_span)
        value.update(
            strength=f"{mg:g}mg" if span is not None else value.get("strength"),
            doses_per_day=per_day,
            med_mg=round(mg * per_day * info.mme_factor, 1),
        )
        evidence = list(fact.evidence)
        for part in spans:
            if part is not None:
                evidence.append(b.ev(offset + part[0], offset + part[1]))
        for part in extra:
            evidence.append(b.ev(*part))
        b.facts[i] = Fact(
            kind=fact.kind,
            value=typed_value(fact.kind, value),
            assertion=fact.assertion,
            evidence=sorted(
                {(e.start, e.end): e for e in evidence}.values(), key=lambda e: (e.start, e.end)
            ),
        )
    _stated(b, c)


def _tablets(b: Any, c: _Compiled, start: int, after: str) -> tuple[int | None, Any]:
    """The tablets taken each time, said after the name or just before it in its clause."""
    if m := c.tablets_after.search(after):
        n = number_value(m["n"])
        return (n if n and n > 1 else None), None
    s_start, _ = b.analysis.sentence_of(start)
    lo = max(s_start, start - 40, b.text.rfind(",", 0, start) + 1)
    if m := c.tablets_before.search(b.text, lo, start):
        n = number_value(m["n"])
        if n and n > 1:
            return n, m.span("n")
    return None, None


def _split_doses(
    b: Any, c: _Compiled, start: int, end: int
) -> tuple[int | None, tuple[int, int] | None]:
    """Tablets at two times of the day, in the drug's sentence and around its name."""
    s_start, s_end = b.analysis.sentence_of(start)
    for rx in c.split:
        for m in rx.finditer(b.text, s_start, s_end):
            a, z = number_value(m["a"]), number_value(m["b"])
            if a and z and m.start() <= end and m.end() >= start:
                return a + z, m.span()
    return None, None


def _stated(b: Any, c: _Compiled) -> None:
    for rx in c.stated:
        for m in rx.finditer(b.text):
            sentence = b.analysis.sentence_of(m.start())
            if c.unless is not None and c.unless.search(b.text, *sentence):
                continue
            mg = float(m["mg"])
            if not 0 < mg <= 5000:
                continue
            if any(
                f.kind == "morphine_equivalent_dose"
                and f.evidence
                and f.evidence[0].start < m.end()
                and m.start() < f.evidence[-1].end
                for f in b.facts
            ):
                continue
            value = {"total_mg": mg, "complete": True, "opioids": []}
            b.add("morphine_equivalent_dose", value, [m.span()])
