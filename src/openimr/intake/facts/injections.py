"""Injections in the records: which were given and when, the relief each gave, how the
requested one is to be done, and the sacroiliac provocation tests.

The words are data (``rules/findings/injections.yaml`` and ``injections_sacroiliac.yaml``);
the grammar is here:

- an injection mention is prior or planned by the nearest cue before it in its clause
  ("Prior TFESI", "P: TFESI"), or by ConText (negated: stated not given);
- a relief statement (a percent, "in half", "no relief", scores before and after, how long)
  belongs to the nearest injection given in its sentence, unless another treatment
  (a drug, therapy) is nearer to it;
- sentences that state a rule ("Guidelines require 50% relief") are not the patient's record;
- guidance and approach are read only where they are not about an earlier injection.

Kinds made (``fact_kinds.yaml``): injection, injection_response, injection_guidance,
injection_approach, sacroiliac_test, sacroiliac_test_count.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import pairwise
from typing import Any

from openimr.intake.dates import date_pattern, find_dates, month_names, parse_date
from openimr.intake.facts.nlp import Target
from openimr.intake.facts.rules import (
    INJECTIONS,
    generator_rules,
    injection_rules,
    sacroiliac_rules,
)
from openimr.intake.facts.spans import longest_first
from openimr.intake.lexicon import lexicon, unique, whole_words
from openimr.intake.needles import sieve, text_pieces
from openimr.intake.numbers import number_pattern, number_value
from openimr.intake.ruleset import compile_pattern
from openimr.model import Assertion

_LABEL = "INJECTION"
_GUIDANCE = "INJECTION_GUIDANCE"
_APPROACH = "INJECTION_APPROACH"
_SI_TEST = "EXAM"


def _expand(pattern: str, amounts: str = "", units: str = "") -> str:
    return (
        pattern.replace("{NUM}", number_pattern())
        .replace("{DATE}", date_pattern())
        .replace("{AMOUNT}", amounts)
        .replace("{UNIT}", units)
    )


class _Rules:
    def __init__(self) -> None:
        r = injection_rules()
        self.r = r
        amounts = "|".join(
            re.escape(a).replace(r"\ ", r"\s+") for a in sorted(r.amounts, key=len, reverse=True)
        )
        self.unit_of: list[tuple[re.Pattern[str], float]] = []
        unit_words = []
        for unit in r.units.values():
            unit_words += unit.words
            self.unit_of.append(
                (compile_pattern(r"(?:" + "|".join(unit.words) + r")$", INJECTIONS), unit.weeks)
            )
        units = "(?:" + "|".join(sorted(unit_words, key=len, reverse=True)) + ")"

        def words(patterns: list[str]) -> re.Pattern[str]:
            return compile_pattern(
                whole_words([_expand(p, amounts, units) for p in patterns]), INJECTIONS
            )

        self.kinds = [(kind, words(ps)) for kind, ps in r.kinds.items()]
        self.steroid = words(r.steroid_words)
        self.planned = words(r.planned_cues)
        self.prior = words(r.prior_cues)
        self.breaks = compile_pattern("|".join(r.clause_breaks), INJECTIONS)
        self.rule_statement = words(r.rule_statements)
        self.percent = [words([p]) for p in r.percent]
        self.fractions = [(value, words(ps)) for value, ps in r.fractions.items()]
        self.no_relief = words(r.no_relief)
        self.little_relief = words(r.little_relief)
        self.relief_words = words(r.relief_words)
        self.scores = [words([p]) for p in r.scores]
        self.durations = [words([p]) for p in r.durations]
        self.not_duration = compile_pattern(
            r"\s*(?:" + "|".join(r.not_durations) + r")\b", INJECTIONS
        )
        self.until = [words([p]) for p in r.until]
        self.amounts = {re.sub(r"\s+", " ", a.lower()): n for a, n in r.amounts.items()}
        self.block_results = [(value, words(ps)) for value, ps in r.block_results.items()]
        self.other = words(r.other_treatments)
        self.guidance = [(value, words(ps)) for value, ps in r.guidance.items()]
        self.approach = [(value, words(ps)) for value, ps in r.approach.items()]
        self.side_letters = [
            (side, re.compile(whole_words(ps))) for side, ps in r.side_letters.items()
        ]  # case-sensitive: "R knee", not "r"
        self.past_year = words(r.past_year)
        self.negation = words(r.negations)
        self.place_after = compile_pattern(r.place_after, INJECTIONS)
        self.negation_after = compile_pattern(r.negations_after, INJECTIONS)
        self.count_before = compile_pattern(_expand(r.count_before), INJECTIONS)
        self.count_after = compile_pattern(_expand(r.count_after), INJECTIONS)
        months = sorted(month_names(), key=len, reverse=True)
        month = r"(?:" + "|".join(months) + r")\b\.?"
        self.month_year = compile_pattern(
            rf"(?<![\w/])(?:(?P<m>\d{{1,2}})/(?P<y>(?:19|20)\d{{2}})|(?P<name>{month})\s*,?\s*"
            rf"(?P<y2>(?:19|20)\d{{2}})|(?P<y3>(?:19|20)\d{{2}}))(?![\w/])",
            INJECTIONS,
        )
        self.exam_kinds = set(r.exam_kinds)
        self.not_examined = compile_pattern(r.not_examined, INJECTIONS)
        g = generator_rules()
        self.generators = [(name, words(ps)) for name, ps in g.generators.items()]
        self.generator_open = words(g.open)
        self.generator_status = [("open", self.generator_open), ("excluded", words(g.excluded))]
        s = sacroiliac_rules()
        self.si_tests = [(test, words(ps)) for test, ps in s.tests.items()]
        self.si_results = [("positive", words(s.positive)), ("negative", words(s.negative))]
        self.si_counts = [words([p]) for p in s.counts]
        self.si_subject = words(s.count_subject)


@cache
def _rules() -> _Rules:
    return _Rules()


@dataclass
class Found:
    """What the rules found in one text, before ConText."""

    mentions: list[tuple[int, int, str]] = field(default_factory=list)
    guidance: list[tuple[int, int, str]] = field(default_factory=list)
    approach: list[tuple[int, int, str]] = field(default_factory=list)
    si_tests: list[tuple[int, int, str]] = field(default_factory=list)

    def targets(self) -> list[Target]:
        return (
            [Target(s, e, _LABEL) for s, e, _ in self.mentions]
            + [Target(s, e, _GUIDANCE) for s, e, _ in self.guidance]
            + [Target(s, e, _APPROACH) for s, e, _ in self.approach]
            + [Target(s, e, _SI_TEST) for s, e, _ in self.si_tests]
        )


def _hits(named: list[tuple[Any, re.Pattern[str]]], text: str) -> list[tuple[int, int, Any]]:
    """Every match of each named pattern, longest first where they overlap; a pattern whose
    needles are not in the text (needles.py) has none, and is not run."""
    in_text = text_pieces(text)
    return longest_first(
        [
            (m.start(), m.end(), name)
            for name, rx in named
            if sieve(rx).may_match(in_text)
            for m in rx.finditer(text)
        ]
    )


def find(text: str) -> Found:
    c = _rules()
    mentions = _hits(c.kinds, text)
    guidance = _hits(c.guidance, text)
    approach = _hits(c.approach, text)
    tests = _hits(c.si_tests, text)
    return Found(mentions, guidance, approach, tests)


# --- reading one sentence ------------------------------------------------------------------


def _clause(text: str, start: int, end: int, s_start: int, s_end: int) -> tuple[int, int]:
    c = _rules()
    lo, hi = s_start, s_end
    for m in c.breaks.finditer(text, s_start, s_end):
        if m.end() <= start:
            lo = m.end()
        elif m.start() >= end and hi == s_end:
            hi = m.start()
    return lo, hi


def _time(text: str, start: int, end: int, sentence: tuple[int, int]) -> str | None:
    """prior | planned by the nearest cue before the mention in its clause; None if none."""
    c = _rules()
    lo, _ = _clause(text, start, end, *sentence)
    best: tuple[int, str] | None = None
    for name, rx in (("planned", c.planned), ("prior", c.prior)):
        for m in rx.finditer(text, lo, start):
            if best is None or m.end() > best[0]:
                best = (m.end(), name)
    return best[1] if best else None


def _sides(text: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    c = _rules()
    found = [(h.start + lo, h.end + lo, h.value) for h in lexicon().find_sides(text[lo:hi])]
    for side, rx in c.side_letters:
        found += [(m.start(), m.end(), side) for m in rx.finditer(text, lo, hi)]
    return sorted(found)


def _regions(text: str, lo: int, hi: int) -> list[str]:
    part = text[lo:hi]
    return unique(
        [h.value for h in lexicon().find_regions(part)]
        + [region for _, region in lexicon().find_levels(part)]
    )


def _partial_dates(text: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    """Full dates, and months or years alone ("8/2015", "March 2014", "2016"), as ISO text."""
    c = _rules()
    found = [(s + lo, e + lo, d.isoformat()) for s, e, d in find_dates(text[lo:hi])]
    taken = [(s, e) for s, e, _ in found]
    months = month_names()
    for m in c.month_year.finditer(text, lo, hi):
        if any(s <= m.start() < e or m.start() <= s < m.end() for s, e in taken):
            continue
        if m["m"] and 1 <= int(m["m"]) <= 12:
            found.append((m.start(), m.end(), f"{m['y']}-{int(m['m']):02d}"))
        elif m["name"]:
            month = months.get(m["name"].lower().rstrip("."))
            if month:
                found.append((m.start(), m.end(), f"{m['y2']}-{month:02d}"))
        elif m["y3"]:
            found.append((m.start(), m.end(), m["y3"]))
    return sorted(found)


def _negated_here(text: str, start: int, lo: int) -> bool:
    """Whether a negation stands before ``start`` in its clause (from ``lo``, and not beyond
    a comma): ConText's scope runs on through lists ("without arm symptoms, tenderness over
    the facets")."""
    c = _rules()
    comma = text.rfind(",", lo, start)
    lo = max(lo, comma + 1) if comma >= 0 else lo
    return c.negation.search(text, lo, start) is not None


def _weeks(c: _Rules, m: re.Match[str]) -> float | None:
    unit = m["unit"]
    per = next((weeks for rx, weeks in c.unit_of if rx.match(unit)), None)
    if per is None:
        return None
    n_text = m.groupdict().get("n")
    if n_text is None:
        n: float | None = 1
    else:
        key = re.sub(r"\s+", " ", n_text.lower())
        n = c.amounts.get(key, number_value(n_text))
    return None if n is None else round(n * per, 2)


@dataclass
class _Attr:
    start: int
    end: int
    percent: int | None = None
    weeks: float | None = None
    result: str | None = None
    until: dt.date | None = None


def _of_relief(text: str, m: re.Match[str], lo: int, hi: int, after: list[int]) -> bool:
    """A percent is of relief when a relief word stands near it ("60% relief", "helped about
    twenty percent"), or when it is the result written after an injection's name and a colon
    or dash ("MBB 4/11/17: 75% x3h")."""
    c = _rules()
    if c.relief_words.search(text, max(lo, m.start() - 60), min(hi, m.end() + 30)):
        return True
    return any(
        0 <= m.start() - end <= 30 and re.search(r":|\s[-–—]\s", text[end : m.start()])
        for end in after
    )


def _attributes(text: str, lo: int, hi: int, after: list[int]) -> list[_Attr]:
    """Relief statements in text[lo:hi] (``after``: where the injections named there end)."""
    c = _rules()
    hits: list[tuple[int, int, _Attr]] = []
    durations: list[tuple[int, int, _Attr]] = []
    for m in c.no_relief.finditer(text, lo, hi):
        hits.append((m.start(), m.end(), _Attr(m.start(), m.end(), 0, 0.0, "no_relief")))
    for m in c.little_relief.finditer(text, lo, hi):
        hits.append((m.start(), m.end(), _Attr(m.start(), m.end(), None, None, "little")))
    for rx in c.scores:
        for m in rx.finditer(text, lo, hi):
            before, then = number_value(m["before"]), number_value(m["after"])
            if before and then is not None and 0 <= then <= before <= 10:
                pct = round((before - then) / before * 100)
                hits.append((m.start(), m.end(), _Attr(m.start(), m.end(), pct, None, "relief")))
    for rx in c.percent:
        for m in rx.finditer(text, lo, hi):
            pct = number_value(m["pct"])
            if pct is None or not 0 <= pct <= 100 or not _of_relief(text, m, lo, hi, after):
                continue
            hits.append((m.start(), m.end(), _Attr(m.start(), m.end(), pct, None, "relief")))
    for value, rx in c.fractions:
        for m in rx.finditer(text, lo, hi):
            hits.append((m.start(), m.end(), _Attr(m.start(), m.end(), value, None, "relief")))
    for value, rx in c.block_results:
        for m in rx.finditer(text, lo, hi):
            hits.append((m.start(), m.end(), _Attr(m.start(), m.end(), None, None, value)))
    for rx in c.durations:
        for m in rx.finditer(text, lo, hi):
            if c.not_duration.match(text, m.end()):
                continue
            weeks = _weeks(c, m)
            if weeks is not None:
                durations.append((m.start(), m.end(), _Attr(m.start(), m.end(), None, weeks)))
    for rx in c.until:
        for m in rx.finditer(text, lo, hi):
            if day := parse_date(m["date"]):
                durations.append((m.start(), m.end(), _Attr(m.start(), m.end(), until=day)))
    # A size and a duration may share words ("a third better for an hour"): each kind of
    # statement keeps its longest matches apart from the other's.
    found = [a for _, _, a in longest_first(hits)] + [a for _, _, a in longest_first(durations)]
    return sorted(found, key=lambda a: a.start)


@dataclass
class _Mention:
    start: int
    end: int
    kind: str
    time: str | None
    assertion: Assertion
    sentence: tuple[int, int]
    regions: list[str]
    sides: list[str]
    dates: list[tuple[int, int, str]]
    count: int | None = None
    within_year: bool = False
    attrs: list[_Attr] = field(default_factory=list)


def _mentions(b: Any, found: Found) -> list[_Mention]:
    c = _rules()
    text = b.text
    out: list[_Mention] = []
    for start, end, kind in found.mentions:
        sentence = b.analysis.sentence_of(start)
        if c.rule_statement.search(text, *sentence):
            continue
        lo, hi = _clause(text, start, end, *sentence)
        if kind == "unspecified" and c.steroid.search(text, lo, hi):
            kind = "joint_injection"
        assertion = b.analysis.assertion(Target(start, end, _LABEL))
        if assertion == Assertion.NEGATED and (
            c.no_relief.search(text, lo, start) or not _negated_here(text, start, lo)
        ):
            assertion = Assertion.PRESENT  # "no relief from the epidural": it was given
        if c.negation_after.match(text, end):
            assertion = Assertion.NEGATED  # "MBB has not been done"
        time = _time(text, start, end, sentence)
        if assertion == Assertion.HYPOTHETICAL:
            time = "planned"
        # The place of the injection: the words just before it ("R knee steroid inj",
        # "L5-S1 TFESI") or a place it was given to, after it ("to the right knee").
        window = (max(lo, start - 30), end)
        if place := c.place_after.match(text, end):
            window = (window[0], min(hi, place.end()))
        sides = _sides(text, *window)
        near_side = sorted(sides, key=lambda s: min(abs(s[0] - end), abs(start - s[1])))
        out.append(
            _Mention(
                start, end, kind, time, assertion, sentence,
                _regions(text, *window), [near_side[0][2]] if near_side else [], [],
            )
        )  # fmt: skip
    # Dates and counts of each mention: after it up to the next mention in its sentence.
    for i, m in enumerate(out):
        nxt = out[i + 1].start if i + 1 < len(out) and out[i + 1].sentence == m.sentence else None
        hi = nxt if nxt is not None else m.sentence[1]
        m.dates = _partial_dates(text, m.end, hi)
        if not m.dates:
            lo, _ = _clause(text, m.start, m.end, *m.sentence)
            before = _partial_dates(text, lo, m.start)
            m.dates = before[-1:]
        head = text[max(m.sentence[0], m.start - 60) : m.start]
        if (n := c.count_before.search(head)) and (v := number_value(n["n"])):
            m.count = v if v > 1 or n["n"].strip().isdigit() else None
        elif n := c.count_after.match(text, m.end):
            m.count = number_value(n["n"])
        m.within_year = c.past_year.search(text, *m.sentence) is not None
    return [part for m in out for part in _by_side(text, m)]


def _by_side(text: str, m: _Mention) -> list[_Mention]:
    """A mention whose dates are of different sides ("to the right knee in 8/2015 and
    12/2015 and to the left knee in 2/2016"), as one mention per side."""
    if len(m.dates) < 2:
        return [m]
    groups: dict[str, list[tuple[int, int, str]]] = {}
    for date in m.dates:
        before = [side for _, _, side in _sides(text, m.start, date[0])]
        groups.setdefault(before[-1] if before else "", []).append(date)
    if len(groups) < 2:
        return [m]
    parts = []
    for side, dates in groups.items():
        sides = [side] if side else m.sides
        parts.append(replace(m, sides=sides, dates=dates, attrs=list(m.attrs)))
    return parts


def _attach(b: Any, mentions: list[_Mention]) -> None:
    """Each relief statement to the nearest injection given in its sentence."""
    c = _rules()
    text = b.text
    by_sentence: dict[tuple[int, int], list[_Mention]] = {}
    for m in mentions:
        by_sentence.setdefault(m.sentence, []).append(m)
    for sentence, group in by_sentence.items():
        given = [m for m in group if m.time != "planned" and m.assertion is not Assertion.NEGATED]
        if not given:
            continue
        others = [(o.start(), o.end()) for o in c.other.finditer(text, *sentence)]
        drugs = lexicon().find_drugs(text[sentence[0] : sentence[1]])
        others += [(d.start + sentence[0], d.end + sentence[0]) for d in drugs]
        for attr in _attributes(text, *sentence, [m.end for m in given]):
            if any(m.start <= attr.start < m.end for m in group):
                continue  # inside a mention's own words

            def distance(s: int, e: int, a: _Attr = attr) -> int:
                # A mention before the statement is nearer than one after at the same gap.
                return a.start - e if e <= a.start else (s - a.end) + 15

            best = min(given, key=lambda m: distance(m.start, m.end))
            d = distance(best.start, best.end)
            if any(
                distance(s, e) < d for s, e in others if not (s >= best.start and e <= best.end)
            ):
                continue
            best.attrs.append(attr)


def _response(m: _Mention) -> dict[str, Any] | None:
    percent = weeks = result = None
    for a in m.attrs:
        if a.result in ("positive", "negative"):
            result = a.result
        if a.result == "little" and result is None:
            result = "little"
        if a.result == "no_relief" and percent is None:
            percent, weeks = 0, 0.0
            result = result or "no_relief"
        elif a.percent is not None and (percent is None or result == "no_relief"):
            percent = a.percent
            result = result if result in ("positive", "negative", "little") else "relief"
        if a.weeks is not None and result != "no_relief" and (weeks is None or weeks == 0):
            weeks = a.weeks
        if a.until is not None and weeks is None:
            start = next((parse_date(d) for _, _, d in m.dates if len(d) == 10), None)
            if start and a.until > start:
                weeks = round((a.until - start).days / 7, 1)
    if percent is None and weeks is None and result is None:
        return None
    return {"percent": percent, "weeks": weeks, "result": result}


def add_facts(b: Any, found: Found) -> None:
    """The facts of one text (``b``: extract's builder, with its ConText analysis)."""
    mentions = _mentions(b, found)
    _attach(b, mentions)
    for m in mentions:
        dates = [d for _, _, d in m.dates]
        spans = [(m.start, m.end)] + [(s, e) for s, e, _ in m.dates]
        value = {
            "injection": m.kind,
            "time": m.time or ("prior" if m.attrs else None),
            "regions": m.regions,
            "sides": m.sides,
            "dates": dates,
            "count": m.count,
            "within_year": m.within_year,
        }
        assertion = m.assertion
        if assertion == Assertion.HYPOTHETICAL:
            assertion = Assertion.UNCERTAIN  # planned: not a prior injection
        if m.time == "planned" and assertion == Assertion.PRESENT:
            assertion = Assertion.UNCERTAIN
        b.add("injection", value, spans, assertion)
        if (response := _response(m)) is not None:
            response.update(
                injection=m.kind, regions=m.regions, sides=m.sides,
                date=max(dates) if dates else None,
            )  # fmt: skip
            b.add(
                "injection_response",
                response,
                [(m.start, m.end)] + [(a.start, a.end) for a in m.attrs],
            )
    _technique(b, found, mentions)
    _sacroiliac(b, found)
    _exam_negation(b)
    _generators(b)


def _generators(b: Any) -> None:
    """Each pain generator named with a status in its clause: excluded or open (an open
    cue in the clause wins: "facet loading positive, not yet addressed")."""
    c = _rules()
    text = b.text
    hits = _hits(c.generators, text)
    for start, end, generator in hits:
        sentence = b.analysis.sentence_of(start)
        if c.rule_statement.search(text, *sentence):
            continue
        lo, hi = sentence
        breaks = [
            (sentence[0] + m.start(), sentence[0] + m.end())
            for m in re.finditer(r"[,;]|\bso\b", text[sentence[0] : sentence[1]])
        ]
        for at, after in breaks:
            if at < start:
                lo = after
            elif at >= end:
                hi = min(hi, at)
        for status, rx in c.generator_status:
            cues = [m for m in rx.finditer(text, lo, hi) if m.end() <= start or m.start() >= end]
            if cues:
                cue = min(cues, key=lambda m: min(abs(m.start() - end), abs(start - m.end())))
                b.add(
                    "pain_generator",
                    {"generator": generator, "status": status},
                    [(start, end), cue.span()],
                )
                break
        else:
            # "disc protrusion, not yet addressed": a clause of its own that says only that.
            nxt = [at for at, _ in breaks if at > hi]
            tail = (hi + 1, nxt[0] if nxt else sentence[1])
            named = any(tail[0] <= s < tail[1] for s, _, _ in hits)
            if hi < sentence[1] and not named and (cue := c.generator_open.search(text, *tail)):
                b.add(
                    "pain_generator",
                    {"generator": generator, "status": "open"},
                    [(start, end), cue.span()],
                )


def _exam_negation(b: Any) -> None:
    """The examination findings of injections (rules/findings/injections_exam.yaml) are
    denied only by a negation in their own clause, or by their result; a test the clause
    says was not done ("facet loading not performed") says nothing either way."""
    c = _rules()
    for i, fact in enumerate(b.facts):
        if fact.kind not in c.exam_kinds or not fact.evidence:
            continue
        start, end = fact.evidence[0].start, fact.evidence[-1].end
        sentence = b.analysis.sentence_of(start)
        lo, hi = _clause(b.text, start, end, *sentence)
        if c.not_examined.search(b.text, end, min(hi, end + 50)):
            b.facts[i] = fact.model_copy(update={"assertion": Assertion.UNCERTAIN})
            continue
        if fact.assertion != Assertion.NEGATED:
            continue
        if fact.value.get("result") in ("negative", "normal"):
            continue
        if not _negated_here(b.text, start, lo):
            b.facts[i] = fact.model_copy(update={"assertion": Assertion.PRESENT})


def _technique(b: Any, found: Found, mentions: list[_Mention]) -> None:
    """Guidance and approach of the requested injection: not where they describe an
    injection given (its nearest injection named in the sentence was given: "TFESI under
    fluoroscopy 3/2015 gave 60% relief"), nor where a past date with no cue says so."""
    c = _rules()
    text = b.text
    for kind, field_name, label, hits in (
        ("injection_guidance", "guidance", _GUIDANCE, found.guidance),
        ("injection_approach", "approach", _APPROACH, found.approach),
    ):
        for start, end, value in hits:
            sentence = b.analysis.sentence_of(start)
            if c.rule_statement.search(text, *sentence):
                continue
            time = _time(text, start, end, sentence)
            if time == "prior":
                continue  # an earlier injection's, not the requested one's
            near = [m for m in mentions if m.sentence == sentence]
            injection = None
            if near:
                nearest = min(near, key=lambda m: max(m.start - end, start - m.end, 0))
                if nearest.time != "planned" and (nearest.time == "prior" or nearest.attrs):
                    continue
                injection = None if nearest.kind == "unspecified" else nearest.kind
            lo, hi = _clause(text, start, end, *sentence)
            if time is None and _partial_dates(text, lo, hi):
                continue  # "fluoroscopic discogram in 2014": a dated event, not the request
            assertion = b.analysis.assertion(Target(start, end, label))
            negated = assertion == Assertion.NEGATED and _negated_here(text, start, lo)
            assertion = Assertion.NEGATED if negated else Assertion.PRESENT
            value = {field_name: value, "injection": injection}
            b.add(kind, value, [(start, end)], assertion)


# --- sacroiliac provocation tests ---------------------------------------------------------


def _sacroiliac(b: Any, found: Found) -> None:
    c = _rules()
    text = b.text
    by_sentence: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
    for hit in found.si_tests:
        by_sentence.setdefault(b.analysis.sentence_of(hit[0]), []).append(hit)
    for s_start, s_end in b.analysis.sentences:
        if c.rule_statement.search(text, s_start, s_end):
            continue
        if c.si_subject.search(text, s_start, s_end) or (s_start, s_end) in by_sentence:
            _si_counts(b, s_start, s_end)
    for sentence, tests in by_sentence.items():
        if c.rule_statement.search(text, *sentence):
            continue
        _si_sentence(b, sentence, tests)


def _si_counts(b: Any, s_start: int, s_end: int) -> None:
    c = _rules()
    for rx in c.si_counts:
        for m in rx.finditer(b.text, s_start, s_end):
            g = m.groupdict()
            pos = number_value(g["pos"]) if g.get("pos") else None
            total = number_value(g["total"]) if g.get("total") else None
            if g.get("neg"):
                pos, total = 0, number_value(g["neg"])
            elif g.get("result"):
                result = g["result"].lower()
                n = number_value(g["all"]) if g.get("all") else None
                if result.startswith("neg"):
                    pos, total = 0, n
                elif n is not None:
                    pos, total = n, n
                else:
                    continue
            # No more tests than the rules name: "9/15/2015" is a date, not 9 of 15.
            bound = len(c.si_tests)
            if pos is None or (total is not None and not pos <= total <= bound) or pos > bound:
                continue
            if (m.start() > 0 and b.text[m.start() - 1] in "/-") or b.text[
                m.end() : m.end() + 1
            ] == "/":
                continue
            b.add("sacroiliac_test_count", {"positive": pos, "total": total}, [m.span()])


_Clause = tuple[int, int, list[tuple[int, int, str]], list[tuple[int, int, str]]]


def _list_result(text: str, clauses: list[_Clause], i: int) -> list[tuple[int, int, str]]:
    """The result a list of tests shares, for the clause ``i`` that names tests but no
    result: "positive FABER, Gaenslen, thigh thrust and compression" (the result heads the
    list) or "FABER, Gaenslen and compression were positive" (it ends it). The list runs
    over clauses that name tests only, and never past a semicolon ("...; the distraction
    test was negative" is a clause of its own)."""

    def joined(k: int) -> bool:  # clause k follows the one before it within the list
        return text[clauses[k][0] - 1] != ";"

    j = i - 1
    while j >= 0 and joined(j + 1) and clauses[j][2]:
        results, tests = clauses[j][3], clauses[j][2]
        if results:
            return results[:1] if results[0][0] < tests[0][0] else []
        j -= 1
    j = i + 1
    while j < len(clauses) and joined(j) and clauses[j][2]:
        results, tests = clauses[j][3], clauses[j][2]
        if results:
            return results[-1:] if results[-1][0] > tests[-1][1] else []
        j += 1
    return []


def _si_sentence(b: Any, sentence: tuple[int, int], tests: list[tuple[int, int, str]]) -> None:
    c = _rules()
    text = b.text
    # Clauses: split at commas, semicolons and "while"/"but"/"whereas".
    bounds = [sentence[0]]
    for m in re.finditer(r"[,;]|\b(?:while|whereas|but)\b", text[sentence[0] : sentence[1]]):
        bounds.append(sentence[0] + m.end())
    bounds.append(sentence[1])
    clauses: list[_Clause] = []
    for lo, hi in pairwise(bounds):
        mine = [t for t in tests if lo <= t[0] < hi]
        results = longest_first(
            [
                (m.start(), m.end(), value)
                for value, rx in c.si_results
                for m in rx.finditer(text, lo, hi)
                if not any(t[0] <= m.start() < t[1] for t in tests)
            ]
        )
        clauses.append((lo, hi, mine, results))
    for i, (_lo, hi, mine, results) in enumerate(clauses):
        if not mine:
            continue
        if not results:
            results = _list_result(text, clauses, i)
            if not results:
                continue
        for start, end, test in mine:
            for k, (r_start, r_end, result) in enumerate(results):
                nxt_start = results[k + 1][0] if k + 1 < len(results) else hi
                sides = [s for _, _, s in _sides(text, r_end, nxt_start)] or [
                    s for _, _, s in _sides(text, sentence[0], start)
                ][-1:]
                b.add(
                    "sacroiliac_test",
                    {"test": test, "result": result, "sides": unique(sides)},
                    [(start, end), (r_start, r_end)],
                )
