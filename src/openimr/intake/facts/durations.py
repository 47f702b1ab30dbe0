"""When things began, read by meaning: complaints, activity limitations, injuries and
operations (``onset``), the request's own date (``request_date``) and the urine drug tests
done before (``urine_drug_test_history``). Vocabulary: rules/durations.yaml; dates:
openimr.intake.dates; the pack anchors every time to the decision date.

A time is one of: a span that runs to now ("for 14 months", "x 6 wks", "of ten days'
duration"), a span back to the start ("two years ago", "ten days out from surgery"), a start
date ("since 3/2/2015", "began in March 2014", "around Thanksgiving of last year"), or a link
to a start stated before ("ever since", "since then", "since the injury"). What it is the time
of is the nearest topic word of its clause (pain, another symptom, a limitation, the injury,
an operation, or a treatment, which is no complaint's time).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from openimr.fact_kinds import typed_value
from openimr.intake.alternation import Alternation
from openimr.intake.dates import (
    PartialDate,
    date_pattern,
    date_rules,
    find_dates,
    find_partial_dates,
)
from openimr.intake.facts.nlp import Analysis
from openimr.intake.lexicon import lexicon, whole_words
from openimr.intake.needles import sieve, text_pieces
from openimr.intake.numbers import half_pattern, number_pattern, number_value
from openimr.intake.ruleset import RuleModel, compile_pattern, load_rules
from openimr.model import Evidence, Fact

RULE_FILE = "durations.yaml"


class UrineTestRules(RuleModel):
    names: list[str]
    planned: list[str]
    none: list[str]
    count: list[str]
    past_year: list[str]
    per_year: dict[str, int]


class DurationRules(RuleModel):
    units: dict[str, list[str]]
    days_per_unit: dict[str, float]
    hedges: list[str]
    span_before: list[str]
    span_after: list[str]
    ago: list[str]
    since: list[str]
    strong_start: list[str]
    since_then: list[str]
    since_injury: list[str]
    topics: dict[str, list[str]]
    no_limitation: list[str]
    normal_until: dict[str, list[str]]
    worsening: list[str]
    ended: list[str]
    not_the_patient: list[str]
    denied: list[str]
    request_date: dict[str, list[str]]
    urine_drug_test: UrineTestRules
    planned: list[str]
    post_op_day: list[str]
    surgery_dated: list[str]


@cache
def duration_rules() -> DurationRules:
    return load_rules(RULE_FILE, DurationRules)


def _alternatives(patterns: list[str]) -> str:
    return "(?:" + "|".join(patterns) + ")"


def _words_pattern(patterns: list[str]) -> str:
    """Whole words, numbers and dates filled in."""
    filled = whole_words([p.replace("{NUM}", number_pattern(True)) for p in patterns])
    return filled.replace("{DATE}", date_pattern())


class _Compiled:
    def __init__(self) -> None:
        r = duration_rules()

        def rx(pattern: str) -> re.Pattern[str]:
            return compile_pattern(pattern.replace("{DATE}", date_pattern()), RULE_FILE)

        def words(patterns: list[str]) -> re.Pattern[str]:
            return compile_pattern(_words_pattern(patterns), RULE_FILE)

        self.unit_of = [(name, rx(rf"^{_alternatives(ps)}$")) for name, ps in r.units.items()]
        unit = _alternatives([p for ps in r.units.values() for p in ps])
        half = half_pattern()
        number = rf"\d+\.\d+|{number_pattern(True)}|an?"
        amount = (
            rf"(?:(?P<halfa>half\s+an?)|(?P<n>{number})(?:\s*(?:-|to|or)\s*(?P<n2>{number}))?"
            rf"(?:\s+(?P<half1>{half}))?)"
        )
        unit_part = rf"[\s-]*(?P<unit>{unit})(?![\w/])(?:\s+(?P<half2>{half}))?(?:'s|s'|')?"
        hedges = rf"(?:{_alternatives(r.hedges)}\s*)*"
        self.spans = [
            rx(rf"(?<!\w){_alternatives(r.span_before)}\s*{hedges}{amount}{unit_part}"),
            rx(rf"(?<![\w-]){hedges}{amount}{unit_part}\s*{_alternatives(r.span_after)}(?!\w)"),
            # "for the last month": one of the unit
            rx(rf"(?<!\w){_alternatives(r.span_before)}\s+the\s+(?:past|last|previous)\s+"
               rf"(?P<unit>day|week|month|year)(?![\w/])"),
        ]  # fmt: skip
        self.ago = rx(rf"(?<![\w-]){hedges}{amount}{unit_part}\s+{_alternatives(r.ago)}(?!\w)")
        self.since_cue = rx(
            rf"(?<!\w){_alternatives(r.since)}\s+(?:(?:the|about|around|approximately|roughly|"
            rf"late|early|mid|sometime\s+in|in|on|of|at)\s+)*$"
        )
        self.strong_start = words(r.strong_start)
        self.since_then = words(r.since_then)
        self.since_injury = words(r.since_injury)
        # (Alternations: searched with only the words whose needles are in the chunk.)
        self.topics = [
            (topic, Alternation(ps, _words_pattern, words(ps))) for topic, ps in r.topics.items()
        ]
        self.no_limitation = words(r.no_limitation)
        self.normal_until = [
            (topic, rx(rf"(?<!\w){_alternatives(ps)}\s+(?:[\w']+\s+){{0,5}}?until\s+$"))
            for topic, ps in r.normal_until.items()
        ]
        self.worsening = words(r.worsening)
        self.ended = words(r.ended)
        self.not_the_patient = words(r.not_the_patient)
        self.denied = rx(rf"(?<!\w){_alternatives(r.denied)}\s+(?:[\w/-]+\s+)?$")
        self.planned = words(r.planned)
        self.post_op_day = [rx(p) for p in r.post_op_day]
        self.surgery_dated = [
            compile_pattern(p.replace("{DATE}", date_pattern()), RULE_FILE, flags=0)
            for p in r.surgery_dated
        ]
        self.request_cue = words(r.request_date["cue"])
        self.request_not = words(r.request_date.get("not", []))
        u = r.urine_drug_test
        self.test_names = words(u.names)
        test = _alternatives(u.names)
        self.test_none = words([p.replace("{TEST}", test) for p in u.none])
        self.test_planned = words(u.planned)
        self.test_count = [
            rx(p.replace("{NUM}", number_pattern(True)).replace("{TEST}", test)) for p in u.count
        ]
        self.test_past_year = words(u.past_year)
        self.test_per_year = [(n, words([p])) for p, n in u.per_year.items()]
        self.days_per_unit = r.days_per_unit


@cache
def _compiled() -> _Compiled:
    return _Compiled()


@dataclass
class _Time:
    start: int
    end: int
    days: float | None = None  # a span to now
    when: PartialDate | None = None  # a start date
    linked: bool = False  # "ever since": the start stated before
    injury: bool = False  # "since the injury"
    surgery: bool = False  # "OR 9/2/17", "POD #12": an operation's time whatever the words


def _amount(m: re.Match[str], c: _Compiled) -> float | None:
    g = m.groupdict()
    if g.get("halfa"):
        n: float | None = 0.5
    elif "n" not in g:
        n = 1  # "for the last month"
    else:
        n = _number(g.get("n"))
        if n is not None and g.get("n2") and (n2 := _number(g["n2"])) is not None:
            n = (n + n2) / 2  # "3-4 weeks": the middle
        if n is not None and (g.get("half1") or g.get("half2")):
            n += 0.5
    unit = next((name for name, rx in c.unit_of if rx.match(g["unit"])), None)
    if n is None or unit is None:
        return None
    return n * c.days_per_unit[unit]


def _number(text: str | None) -> float | None:
    if not text:
        return None
    s = text.strip().lower()
    if re.fullmatch(r"\d+\.\d+", s):
        return float(s)
    if s in ("a", "an"):
        return 1
    value = number_value(s)
    return None if value is None else float(value)


def _times(text: str, lo: int, hi: int, c: _Compiled) -> list[_Time]:
    """Every time stated in text[lo:hi], in order, the longest of overlapping ones."""
    found: list[_Time] = []
    chunk = text[lo:hi]
    in_chunk = text_pieces(chunk)
    for rx in c.spans:
        if not sieve(rx).may_match(in_chunk):
            continue  # no match in the chunk (needles.py)
        for m in rx.finditer(chunk):
            if (days := _amount(m, c)) is not None:
                found.append(_Time(lo + m.start(), lo + m.end(), days=days))

    def hits(rx: re.Pattern[str]) -> Iterable[re.Match[str]]:
        return rx.finditer(chunk) if sieve(rx).may_match(in_chunk) else ()

    for m in hits(c.ago):
        if (days := _amount(m, c)) is not None:
            found.append(_Time(lo + m.start(), lo + m.end(), days=days))
    for rx in c.post_op_day:
        for m in hits(rx):
            found.append(_Time(lo + m.start(), lo + m.end(), days=float(m["n"]), surgery=True))
    dated_surgery = {
        lo + m.end() for rx in c.surgery_dated for m in hits(rx)
    }  # where a date of an operation starts
    for start, end, when in find_partial_dates(chunk, short_years=True):
        before = chunk[max(0, start - 40) : start]
        cue = c.since_cue.search(before)
        surgery = lo + start in dated_surgery
        if re.fullmatch(r"\d{1,2}/\d{2}", chunk[start:end]) and not (cue or surgery):
            continue  # "5/10" is a pain score unless a date is due
        if cue:
            found.append(_Time(lo + start - len(cue.group()), lo + end, when=when))
        else:
            found.append(_Time(lo + start, lo + end, when=when, surgery=surgery))
    for m in hits(c.since_injury):
        found.append(_Time(lo + m.start(), lo + m.end(), injury=True))
    for m in hits(c.since_then):
        found.append(_Time(lo + m.start(), lo + m.end(), linked=True))
    kept: list[_Time] = []
    for t in sorted(found, key=lambda t: (t.start, -(t.end - t.start))):
        if not kept or t.start >= kept[-1].end:
            kept.append(t)
    return kept


def _clauses(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """A sentence's clauses: split at semicolons and at a full stop before a capital."""
    out, start = [], lo
    for m in re.finditer(r";|\.\s+(?=[A-Z])|\n\s*\n", text[lo:hi]):
        out.append((start, lo + m.start()))
        start = lo + m.end()
    out.append((start, hi))
    return [(s, e) for s, e in out if e > s]


def _heads(text: str, lo: int, hi: int, c: _Compiled) -> list[tuple[int, int, str]]:
    """The topic words of text[lo:hi], with drugs and services as treatments or operations."""
    chunk = text[lo:hi]
    in_chunk = text_pieces(chunk)
    heads = [
        (lo + m.start(), lo + m.end(), topic)
        for topic, words in c.topics
        if sieve(words.full).may_match(in_chunk)
        for m in words.finditer(chunk, in_chunk)
    ]
    lx = lexicon()
    for hit in lx.find_drugs(text[lo:hi]):
        heads.append((lo + hit.start, lo + hit.end, "treatment"))
    for hit in lx.find_services(text[lo:hi]):
        topic = "surgery" if hit.value == "surgery" else "treatment"
        heads.append((lo + hit.start, lo + hit.end, topic))
    return sorted(h for h in heads if not c.denied.search(text[max(lo, h[0] - 30) : h[0]]))


def _topic_of(
    t: _Time, heads: list[tuple[int, int, str]], clause: tuple[int, int]
) -> tuple[str, int, int] | None:
    """The nearest topic word of the time's clause: before it, else just after it."""
    before = [h for h in heads if clause[0] <= h[0] and h[1] <= t.start]
    after = [h for h in heads if h[0] >= t.end and h[1] <= clause[1]]
    if before:
        best = max(before, key=lambda h: (h[1], h[1] - h[0]))
        if t.start - best[1] <= 90 or not after or after[0][0] - t.end > 40:
            return best[2], best[0], best[1]
    if after:
        first = min(after, key=lambda h: (h[0], -(h[1] - h[0])))
        return first[2], first[0], first[1]
    return None


def _in(heads: list[tuple[int, int, str]], clause: tuple[int, int]) -> bool:
    return any(clause[0] <= h[0] and h[1] <= clause[1] for h in heads)


def _evidence(text: str, source: str, start: int, end: int) -> Evidence:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Evidence(text=text[start:end], start=start, end=end, source=source)


def _value(topic: str, t: _Time, anchor: _Time | None = None) -> dict[str, Any]:
    base = anchor or t
    value: dict[str, Any] = {"topic": topic, "days": base.days, "with_injury": base.injury}
    when = base.when
    if when is not None:
        value.update(year=when.year, month=when.month, day=when.day, years_back=when.years_back)
        if when.holiday is not None:
            rule = date_rules().holidays[when.holiday]
            value.update(day=rule.day, weekday=rule.weekday, nth=rule.nth)
    return value


_TOPICS_OF_TIME = ("pain", "symptom", "complaint", "limitation", "injury", "surgery")
_COMPLAINTS = ("pain", "symptom", "complaint", "limitation")


def _onsets(text: str, source: str, analysis: Analysis, c: _Compiled) -> list[Fact]:
    facts: list[Fact] = []
    last: _Time | None = None  # the last start stated (for "ever since", "since then")
    complaint = None  # the last complaint named in the sentence before
    all_heads = _heads(text, 0, len(text), c)
    for s_start, s_end in analysis.sentences:
        sentence = text[s_start:s_end]
        if c.not_the_patient.search(sentence):
            last = None
            continue
        heads = all_heads[
            bisect.bisect_left(all_heads, (s_start,)) : bisect.bisect_left(all_heads, (s_end,))
        ]
        heads = [h for h in heads if h[1] <= s_end]
        previous = complaint
        complaints = [h for h in heads if h[2] in ("pain", "symptom", "complaint")]
        complaint = complaints[-1] if complaints else None
        for clause in _clauses(text, s_start, s_end):
            clause_text = text[clause[0] : clause[1]]
            for m in c.no_limitation.finditer(clause_text):
                if re.search(r"\buntil\b", clause_text[m.end() :], re.IGNORECASE):
                    continue  # "fully functional until 3 weeks ago": it began then
                span = (clause[0] + m.start(), clause[0] + m.end())
                value = {"topic": "limitation", "days": 0.0, "with_injury": False}
                facts.append(_fact(text, source, value, [span]))
            ended = c.ended.search(clause_text) is not None
            for t in _times(text, clause[0], clause[1], c):
                if t.linked:
                    anchor = last
                    if anchor is None and any(h[2] == "injury" for h in heads if h[1] <= t.start):
                        anchor = _Time(t.start, t.end, injury=True)
                    if anchor is None:
                        continue
                    topic = _topic_of(_Time(t.end, t.end), heads, (t.end, clause[1]))
                    topic = topic or _topic_of(t, heads, clause)
                    if topic and topic[0] in _TOPICS_OF_TIME and not ended:
                        spans = [(t.start, t.end), (topic[1], topic[2])]
                        if anchor.end > anchor.start and anchor is last:
                            spans.append((anchor.start, anchor.end))
                        facts.append(_fact(text, source, _value(topic[0], t, anchor), spans))
                    continue
                if t.surgery:
                    topic: tuple[str, int, int] | None = ("surgery", t.start, t.end)
                else:
                    topic = _topic_of(t, heads, clause)
                weak = t.when is not None and not c.strong_start.search(text[clause[0] : t.end])
                if topic is None and previous and not _in(heads, clause) and not weak:
                    # "Neck pain + L arm paresthesias. Onset 2/23/16.": the last complaint
                    topic = (previous[2], previous[0], previous[1])
                lead = text[clause[0] : t.start]
                for until_topic, rx in c.normal_until:
                    if rx.search(lead):
                        topic = (until_topic, t.start, t.end)
                if weak and topic is not None and topic[0] in _COMPLAINTS:
                    topic = None  # "seen on 3/20/2018 for back pain": a visit, not an onset
                if topic and topic[0] == "surgery" and t.when is not None and t.when.whole_year:
                    topic = None  # "appendectomy in 1990": no day to count from
                if topic is None or topic[0] not in _TOPICS_OF_TIME or ended:
                    if t.when is not None or t.days is not None:
                        last = t if topic and topic[0] in _TOPICS_OF_TIME else last
                    continue
                between = text[max(clause[0], min(topic[1], t.start) - 30) : t.start]
                if c.worsening.search(between) or c.planned.search(between):
                    continue
                spans = [(t.start, t.end), (topic[1], topic[2])]
                facts.append(_fact(text, source, _value(topic[0], t), spans))
                last = t
    return facts


def _fact(text: str, source: str, value: dict[str, Any], spans: list[tuple[int, int]]) -> Fact:
    return Fact(
        kind="onset",
        value=typed_value("onset", value),
        evidence=[_evidence(text, source, s, e) for s, e in sorted(set(spans))],
    )


def _request_dates(text: str, source: str, analysis: Analysis, c: _Compiled) -> list[Fact]:
    """The day the request was made: a whole date in a sentence that says it was
    requested (not a review's decision on it), the date nearest the word."""
    facts = []
    for s_start, s_end in analysis.sentences:
        sentence = text[s_start:s_end]
        cues = list(c.request_cue.finditer(sentence))
        if not cues or c.request_not.search(sentence):
            continue
        dates = find_dates(sentence)
        if not dates:
            continue
        cue = cues[0]
        start, end, day = min(
            dates, key=lambda d: min(abs(d[0] - cue.end()), abs(cue.start() - d[1]))
        )
        spans = [(s_start + start, s_start + end), (s_start + cue.start(), s_start + cue.end())]
        facts.append(
            Fact(
                kind="request_date",
                value=typed_value("request_date", day),
                evidence=[_evidence(text, source, a, z) for a, z in sorted(spans)],
            )
        )
    return facts


def _urine_tests(text: str, source: str, analysis: Analysis, c: _Compiled) -> list[Fact]:
    """Urine drug tests done before, one fact a sentence that names them: the dated tests,
    a count, a test some time ago, or none at all."""
    facts = []
    for s_start, s_end in analysis.sentences:
        sentence = text[s_start:s_end]
        names = list(c.test_names.finditer(sentence))
        if not names or c.not_the_patient.search(sentence):
            continue
        spans = [(s_start + m.start(), s_start + m.end()) for m in names]
        if m := c.test_none.search(sentence):
            spans.append((s_start + m.start(), s_start + m.end()))
            value: dict[str, Any] = {"none": True}
            facts.append(_test_fact(text, source, value, spans))
            continue
        dates, schedule_start = [], None
        whole = [d for _, _, d in find_partial_dates(sentence) if d.whole_year]
        for start, end, when in find_partial_dates(sentence, short_years=True):
            before = sentence[max(0, start - 20) : start]
            if re.search(r"\bsince\s+$", before, re.IGNORECASE):
                schedule_start = when  # "monthly since 9/2015": when the tests began
                continue
            if c.test_planned.search(sentence[max(0, start - 25) : start]):
                continue  # "requested on 5/15/2016": the day it was asked for
            year = when.year
            if year is None and len(whole) == 1 and when.day is None:
                year = whole[0].year  # "four times in 2014, in February, May, ..."
            if year is None and not when.whole_year and when.holiday is None:
                # "last UDT in January": the most recent such day, read on the decision date
                dates.append(f"--{when.month:02d}-{when.day or 15:02d}")
                spans.append((s_start + start, s_start + end))
                continue
            if when.whole_year or year is None or not 1900 < year < 2100:
                continue
            day = PartialDate(month=when.month, year=year, day=when.day).resolve(
                dt.date(year, 12, 31)
            )
            if day is not None:
                dates.append(day.isoformat())
                spans.append((s_start + start, s_start + end))
        count = None
        for rx in c.test_count:
            if m := rx.search(sentence):
                count = 1 if m.groupdict().get("one") else number_value(m["n"])
                spans.append((s_start + m.start(), s_start + m.end()))
                break
        ago = None
        if m := c.ago.search(sentence):
            ago = _amount(m, c)
            spans.append((s_start + m.start(), s_start + m.end()))
        past_year = c.test_past_year.search(sentence) is not None
        per_year = next((n for n, rx in c.test_per_year if rx.search(sentence)), None)
        if count is None and per_year and (past_year or schedule_start):
            count = per_year if past_year else None
        if count is None and per_year:
            continue  # "monthly, last 5/2/2016": how many in the year is not said
        if not (dates or count or ago):
            continue  # "P: UDS today", "sees the doctor monthly": no test done stated
        if not dates and count is None and c.test_planned.search(sentence):
            continue
        value = {"count": count, "dates": dates, "days_ago": ago, "past_year": past_year}
        if schedule_start is not None and count is not None:
            value["past_year"] = True  # "x6 since 9/2015": counted from a start this year
        facts.append(_test_fact(text, source, value, spans))
    return facts


def _test_fact(text: str, source: str, value: dict[str, Any], spans: list) -> Fact:
    return Fact(
        kind="urine_drug_test_history",
        value=typed_value("urine_drug_test_history", value),
        evidence=[_evidence(text, source, s, e) for s, e in sorted(set(spans))],
    )


def duration_facts(text: str, source: str, analysis: Analysis) -> list[Fact]:
    """The onsets, the request's date and the urine drug test history of one text."""
    c = _compiled()
    return (
        _onsets(text, source, analysis, c)
        + _request_dates(text, source, analysis, c)
        + _urine_tests(text, source, analysis, c)
    )
