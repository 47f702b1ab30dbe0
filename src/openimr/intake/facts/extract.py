"""Clinical facts from a summary or a record, each with its evidence and assertion.

Regular expressions from rules/facts.yaml (and the lexicon's services, drugs, regions)
find the mentions; medspaCy's ConText (rules/context.yaml) decides whether each mention
is present, negated, uncertain, historical or hypothetical; the code here only turns
mentions into facts. Kinds and their values: openimr/fact_kinds.yaml.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import Any

from openimr.fact_kinds import typed_value
from openimr.intake.alternation import Alternation
from openimr.intake.dates import date_pattern, find_dates, parse_date
from openimr.intake.demographics import extract_patient
from openimr.intake.facts import diagnoses, injections
from openimr.intake.facts.changes import change_facts
from openimr.intake.facts.clause_negation import negated_in_clause
from openimr.intake.facts.durations import duration_facts
from openimr.intake.facts.exam import exam_facts, side_near, study_of
from openimr.intake.facts.flares import flare_course
from openimr.intake.facts.guards import guard_of
from openimr.intake.facts.medication_use import medication_use
from openimr.intake.facts.nlp import Analysis, Target
from openimr.intake.facts.opioid_doses import opioid_doses
from openimr.intake.facts.opioid_monitoring import monitoring_gaps
from openimr.intake.facts.rules import SimpleFamily, fact_kinds, fact_rules
from openimr.intake.facts.spans import longest_first
from openimr.intake.facts.work import job_demand
from openimr.intake.lexicon import Hit, lexicon, unique, whole_words
from openimr.intake.needles import Sieves, searchable, sieve, text_pieces
from openimr.intake.numbers import as_written, most, number_pattern, number_value, plausible
from openimr.intake.ruleset import compile_pattern
from openimr.model import Assertion, Evidence, Fact

RULE_FILE = "facts.yaml"
_NOT_PRESENT = {Assertion.NEGATED, Assertion.HYPOTHETICAL}
_NOT_CURRENT = {Assertion.NEGATED, Assertion.HYPOTHETICAL, Assertion.UNCERTAIN}


def _expand(pattern: str) -> str:
    pattern = pattern.replace("{NUMW}", number_pattern(True))
    return pattern.replace("{NUM}", number_pattern()).replace("{DATE}", date_pattern())


def _rx(pattern: str) -> re.Pattern[str]:
    return compile_pattern(_expand(pattern), RULE_FILE)


def _words_pattern(patterns: Iterable[str]) -> str:
    return _expand(whole_words([p.replace("{NUM}", number_pattern()) for p in patterns]))


def _words(patterns: Iterable[str]) -> re.Pattern[str]:
    return compile_pattern(_words_pattern(patterns), RULE_FILE)


def _alternation(patterns: list[str]) -> Alternation:
    """``_words(patterns)``, searched with only the phrases that can match (alternation.py)."""
    return Alternation(patterns, _words_pattern, _words(patterns))


class _Compiled:
    def __init__(self) -> None:
        r = fact_rules()
        self.simple = [
            (
                family,
                [(value, _alternation(ps)) for value, ps in family.targets.items()],
                [(value, _words(ps)) for value, ps in family.results.items()],
            )
            for family in r.simple
        ]
        # Most families find nothing in a given text: a value pattern whose needles are
        # not all in the text (needles.py) has no match there, and is not run.
        self.simple_sieves = Sieves(a.full for _, targets, _ in self.simple for _, a in targets)
        self.guards = {id(f): g for f in r.simple if (g := guard_of(f, _words)) is not None}
        pt = r.prior_treatment
        self.prior_cue = _words(pt.cues)
        self.counts = [_rx(p) for p in pt.counts]
        # The same rules reading any number as written, to find counts that cannot be real.
        self.counts_written = [
            compile_pattern(as_written(p.replace("{NUMW}", "{NUM}")), RULE_FILE) for p in pt.counts
        ]
        self.planned = _words(pt.planned)
        self.authorized = [_rx(p) for p in pt.authorized]
        self.session_count = _rx(
            r"(?<![\w/.-])(?P<n>{NUMW})\s+(?:[a-z][\w-]*\s+){0,4}?(?:visits?|sessions?|treatments?)\b"
        )
        self.received = _words(pt.received)
        self.planned_window, self.planned_after = pt.planned_window, pt.planned_after
        self.none_before = _rx(pt.none_before)
        self.none_after = _rx(pt.none_after)
        self.post_operative_before = _rx(pt.post_operative_before)
        self.post_operative_after = _rx(pt.post_operative_after)
        self.post_operative_window = pt.post_operative_window
        self.modality_words = [(kind, _words(ps)) for kind, ps in pt.modality_words.items()]
        self.durations = [_rx(p) for p in r.prior_treatment.durations]
        self.relief = [_words([p]) for p in r.pain_relief.patterns]
        self.relief_duration = _rx(r.pain_relief.duration)
        self.pain_score = [_rx(p) for p in r.pain_score]
        med = r.stated_med
        self.stated_med = [_rx(p) for p in med.patterns] if med else []
        self.stated_med_unless = _words(med.unless) if med and med.unless else None
        self.care = _CareHours(r.care_hours) if r.care_hours else None
        self.surgery_year = _rx(r.surgery.year)
        self.modalities = [(m, _words(ps)) for m, ps in r.imaging.modalities.items()]
        self.findings = [(f, _words(ps)) for f, ps in r.imaging.findings.items()]
        self.severity = _rx(r"(?:" + r.imaging.severity + r")$")
        self.med_for = [_rx(p) for p in r.medication_duration.for_period]
        self.med_since = [_rx(p) for p in r.medication_duration.since]
        self.weeks_per_unit = r.medication_duration.weeks_per_unit
        self.med_new = _words(r.medication_duration.new_start)
        self.med_supply = [_rx(p) for p in r.medication_duration.supply]
        self.report_section = _rx(r"^\W*(?:" + "|".join(r.imaging.report_sections) + r")\b")
        self.report_window = r.imaging.report_window
        self.ur_cue = _rx(r.ur_history.cue)
        self.ur_action = _rx(r.ur_history.action)
        self.ur_what = _rx(r.ur_history.what)
        self.ur_reason = _rx(r.ur_history.reason)
        self.past_kinds = {k for k, v in fact_kinds().kinds.items() if v.past_by_nature}


@cache
def _compiled() -> _Compiled:
    return _Compiled()


class _CareHours:
    """facts.yaml ``care_hours``, compiled."""

    def __init__(self, r: Any) -> None:
        self.services, self.asked = _words(r.services), _words(r.asked)
        self.unless = _words(r.unless) if r.unless else None
        self.per_week = [_rx(p) for p in r.per_week]
        self.around_the_clock = _words(r.around_the_clock)
        self.per_day = [_rx(p) for p in r.per_day]
        self.times_a_day = [(_words([p]), n) for p, n in r.times_a_day.items()]
        self.days_a_week = [_rx(p) for p in r.days_a_week]
        self.fixed_days = [(_words([p]), n) for p, n in r.fixed_days.items()]
        self.visits_a_week = [_rx(p) for p in r.visits_a_week]
        self.hours_a_visit = [_rx(p) for p in r.hours_a_visit]


class _Builder:
    """Collects facts for one source text."""

    def __init__(self, text: str, source: str, analysis: Analysis) -> None:
        self.text = text
        self.source = source
        self.analysis = analysis
        self.facts: list[Fact] = []

    def ev(self, start: int, end: int) -> Evidence:
        # Trim surrounding whitespace so the quoted words are exactly the evidence.
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return Evidence(text=self.text[start:end], start=start, end=end, source=self.source)

    def add(
        self,
        kind: str,
        value: Any,
        spans: list[tuple[int, int]],
        assertion: Assertion = Assertion.PRESENT,
    ) -> Fact:
        if kind in _compiled().past_kinds and assertion == Assertion.HISTORICAL:
            assertion = Assertion.PRESENT  # implied by the kind itself
        fact = Fact(
            kind=kind,
            value=typed_value(kind, value),
            assertion=assertion,
            evidence=[self.ev(s, e) for s, e in sorted(set(spans))],
        )
        self.facts.append(fact)
        return fact


def _non_overlapping(hits: list[tuple[int, int, Any]]) -> list[tuple[int, int, Any]]:
    """Keep the earliest, then longest, of overlapping matches."""
    kept: list[tuple[int, int, Any]] = []
    for hit in sorted(hits, key=lambda h: (h[0], -(h[1] - h[0]))):
        if not kept or hit[0] >= kept[-1][1]:
            kept.append(hit)
    return kept


# --- simple families ---------------------------------------------------------------------


def _simple_targets(text: str, c: _Compiled) -> list[tuple[SimpleFamily, Target, str, list]]:
    found = []
    in_text = text_pieces(text)
    passing = iter(c.simple_sieves.passing(in_text))
    for family, targets, results in c.simple:
        hits = [
            (m.start(), m.end(), value)
            for (value, alternation), may in zip(
                targets, [next(passing) for _ in targets], strict=True
            )
            if may
            for m in alternation.finditer(text, in_text)
        ]
        for start, end, value in _non_overlapping(hits):
            found.append((family, Target(start, end, family.label), value, results))
    return found


def _result_near(
    b: _Builder, target: Target, results: list[tuple[str, re.Pattern[str]]]
) -> tuple[str | None, tuple[int, int] | None]:
    """The result word nearest to the target in its sentence (e.g. SLR "negative")."""
    s_start, s_end = b.analysis.sentence_of(target.start)
    best: tuple[int, str, tuple[int, int]] | None = None
    for value, rx in results:
        for m in rx.finditer(b.text, s_start, s_end):
            if m.span() == (target.start, target.end):
                continue  # the mention itself ("weakness") is not a result
            if target.start <= m.start() < target.end and m.end() <= target.end:
                distance = 0  # inside the mention: "decreased sensation"
            elif m.start() >= target.end:
                distance = m.start() - target.end
            else:
                distance = target.start - m.end()
            if distance > 60:
                continue
            if best is None or distance < best[0]:
                best = (distance, value, m.span())
    return (best[1], best[2]) if best else (None, None)


def _simple_facts(b: _Builder, found: list) -> None:
    guards = _compiled().guards
    own = {}  # family -> its mentions, for those that word their own negations
    for family, target, _value, _results in found:
        if family.own_negation:
            own.setdefault(id(family), []).append(target)
    for family, target, value, results in found:
        guard = guards.get(id(family))
        if guard and not guard.admits(b.text, target.start, b.analysis.sentence_of(target.start)):
            continue
        assertion = b.analysis.assertion(target)
        if not family.keep_negation and assertion == Assertion.NEGATED:
            assertion = Assertion.PRESENT
        if family.own_negation and assertion == Assertion.NEGATED:
            others = [(t.start, t.end) for t in own[id(family)] if t is not target]
            sentence = b.analysis.sentence_of(target.start)
            if not negated_in_clause(b.text, target.start, target.end, sentence, family, others):
                assertion = Assertion.PRESENT
        if not family.keep_uncertain and assertion == Assertion.UNCERTAIN:
            assertion = Assertion.PRESENT  # the phrase states the uncertainty itself
        if not family.keep_hypothetical and assertion == Assertion.HYPOTHETICAL:
            assertion = Assertion.PRESENT  # the phrase states the plan itself
        val: dict[str, Any] = {}
        if family.value_key:
            val[family.value_key] = value
        spans = [(target.start, target.end)]
        if results:
            result, span = _result_near(b, target, results)
            val["result"] = result
            if span:
                spans.append(span)
            if result in {"negative", "normal"} and assertion == Assertion.PRESENT:
                assertion = Assertion.NEGATED  # "SLR negative": the finding is absent
        b.add(family.kind, val, spans, assertion)


# --- prior treatment ---------------------------------------------------------------------


def _refused_counts(text: str, c: _Compiled) -> list[tuple[int, int]]:
    """Where the text states a count that cannot be real ("-6 visits", "10^26 visits",
    "1,500 visits"; rules/numbers.yaml): the spans of those numbers, in order."""
    in_text = text_pieces(text)
    refused = {
        m.span("n")
        for rx in c.counts_written
        if sieve(rx).may_match(in_text)
        for m in rx.finditer(text)
        if m.groupdict().get("n") and not plausible(m["n"], "visits")
    }
    return sorted(refused)


def _count_targets(text: str, c: _Compiled) -> list[tuple[Target, dict]]:
    found = []
    hits = []
    refused: list[tuple[int, int]] | None = None  # read when a count first needs it
    refused_starts: list[int] = []
    bound = most("visits") or 0
    in_text = text_pieces(text)
    for rx in c.counts:
        if not sieve(rx).may_match(in_text):
            continue  # no match in the text (needles.py)
        for m in rx.finditer(text):
            g = m.groupdict()
            info: dict[str, Any] = {}
            if g.get("times") and g.get("weeks"):
                times = 2 if g["times"].lower() == "twice" else number_value(g["times"])
                weeks = number_value(g["weeks"])
                if not times or not weeks or times * weeks > bound:
                    continue
                info["count"] = times * weeks
            elif g.get("n"):
                n = number_value(g["n"])
                if n is None or n == 0 or n > bound:
                    continue
                # Not part of a count that cannot be real: "-6" is not 6, "10^26" not 26.
                if refused is None:
                    refused = _refused_counts(text, c)
                    refused_starts = [start for start, _ in refused]
                i = bisect.bisect_left(refused_starts, m.end("n"))
                if any(end > m.start("n") for _, end in refused[max(0, i - 1) : i]):
                    continue
                info["count"] = n
                if g.get("more"):
                    info["more"] = True
            elif g.get("unspecified"):
                info["count_text"] = re.sub(r"\s+", " ", m.group().strip())
            hits.append((m.start(), m.end(), info))
    for rx in searchable(c.durations, text):
        for m in rx.finditer(text):
            hits.append((m.start(), m.end(), {"duration": re.sub(r"\s+", " ", m["duration"])}))
    for start, end, info in _non_overlapping(hits):
        if "count" in info and _planned(text, start, end, c):
            continue  # "P: Request PT 2x4", "will ask for six more": not sessions had
        found.append((Target(start, end, "COUNT"), info))
    return found


def _planned(text: str, start: int, end: int, c: _Compiled) -> bool:
    """Whether a count is of a plan, a request or an authorization, not of sessions had:
    a plan word in the words before it (back to its sentence's start) or just after it,
    with no word of receiving nearer."""
    lo = max(0, start - c.planned_window)
    before = text[lo:start]
    if m := re.search(r"[.;\n](?=[^.;\n]*$)", before):
        before = before[m.end() :]
    after = text[end : end + c.planned_after]
    plans = list(c.planned.finditer(before))
    if not plans and not c.planned.search(after):
        return False
    received = list(c.received.finditer(before))
    return not (received and (not plans or received[-1].start() > plans[-1].start()))


def _modality_hits(text: str, services: list[Hit], c: _Compiled) -> list[Hit]:
    """The services named, and the short names of treatments (facts.yaml modality_words)
    where no service is named."""
    hits = list(services)
    for kind, rx in searchable(c.modality_words, text):
        for m in rx.finditer(text):
            if not any(h.start < m.end() and m.start() < h.end for h in hits):
                hits.append(Hit(m.start(), m.end(), kind, m.group()))
    return sorted(hits, key=lambda h: (h.start, h.end))


def _prior_treatment(
    b: _Builder, services: list[Hit], counts: list[tuple[Target, dict]], c: _Compiled
) -> None:
    exclude = set(fact_rules().prior_treatment.exclude_kinds)
    services = _modality_hits(b.text, services, c)
    # The service mentions of each sentence, in text order (one pass, not one per count).
    by_sentence: dict[tuple[int, int], list[int]] = {}
    for i, hit in enumerate(services):
        if hit.value not in exclude:
            by_sentence.setdefault(b.analysis.sentence_of(hit.start), []).append(i)
    # Attach each count to the nearest service mention in its sentence.
    attached: dict[int, list[tuple[Target, dict]]] = {}
    for target, info in counts:
        if b.analysis.assertion(target) == Assertion.HYPOTHETICAL:
            continue  # a denial is read at the treatment's name, not at its count
        sentence = b.analysis.sentence_of(target.start)
        best = None
        for i in by_sentence.get(sentence, []):
            hit = services[i]
            distance = hit.start - target.end if hit.start >= target.end else target.start - hit.end
            if best is None or distance < best[0]:
                best = (distance, i)
        if best is not None:
            attached.setdefault(best[1], []).append((target, info))

    # The treatments named (an operation is not one): where one's words end.
    treatments = [h for h in services if h.value not in exclude]
    treatment_starts = [h.start for h in treatments]
    per_modality: dict[tuple[str, bool], dict[str, Any]] = {}
    denied: dict[tuple[str, bool], list[tuple[int, int]]] = {}
    for i, hit in enumerate(services):
        if hit.value in exclude:
            continue
        # Said of this treatment: just before its name, or after it in its clause and
        # before the next treatment named.
        s_start, s_end = b.analysis.sentence_of(hit.start)
        lo = max(s_start, hit.start - c.post_operative_window)
        hi = min(s_end, hit.end + c.post_operative_window)
        k = bisect.bisect_left(treatment_starts, hit.start)
        if k > 0:
            lo = max(lo, treatments[k - 1].end)
        if k + 1 < len(treatments):
            hi = min(hi, treatments[k + 1].start)
        after_surgery = bool(
            c.post_operative_before.search(b.text[lo : hit.start])
            or c.post_operative_after.match(b.text[hit.end : hi])
        )
        key = (hit.value, after_surgery)
        line_start = max(0, b.text.rfind("\n", 0, hit.start) + 1, hit.start - 60)
        if c.none_before.search(b.text, line_start, hit.start) or c.none_after.match(
            b.text, hit.end
        ):
            denied.setdefault(key, []).append((hit.start, hit.end))
            continue
        target = Target(hit.start, hit.end, "TREATMENT")
        assertion = b.analysis.assertion(target)
        has_cue = c.prior_cue.search(b.text, s_start, s_end) is not None
        mine = attached.get(i, [])
        if assertion == Assertion.NEGATED and any("count" in info for _, info in mine):
            # "PT x12, chiro none": the denial after the list is another treatment's (a
            # denial of this one is read above, right by its name).
            assertion = Assertion.PRESENT
        if assertion in _NOT_PRESENT or not (has_cue or mine):
            continue
        entry = per_modality.setdefault(
            key,
            {"value": {"modality": hit.value, "count": None, "count_text": None,
                       "duration": None, "after_surgery": after_surgery},
             "spans": [], "assertions": []},
        )  # fmt: skip
        entry["spans"].append((hit.start, hit.end))
        entry["assertions"].append(assertion)
        for count_target, info in mine:
            entry["spans"].append((count_target.start, count_target.end))
            value = entry["value"]
            if "count" in info and info.get("more"):
                value["count"] = (value["count"] or 0) + info["count"]
            elif "count" in info:
                value["count"] = max(value["count"] or 0, info["count"])
            for key in ("count_text", "duration"):
                if key in info and not value[key]:
                    value[key] = info[key]
    for entry in per_modality.values():
        assertions = entry["assertions"]
        assertion = Assertion.PRESENT if Assertion.PRESENT in assertions else assertions[0]
        b.add("prior_treatment", entry["value"], entry["spans"], assertion)
    for (modality, after_surgery), spans in denied.items():
        if (modality, after_surgery) not in per_modality:
            value = {"modality": modality, "after_surgery": after_surgery}
            b.add("prior_treatment_none", value, spans)


def _authorized_sessions(b: _Builder, services: list[Hit], c: _Compiled) -> None:
    """Sessions utilization review allowed of a request, by the treatment nearest them in
    their sentence ("Chiropractic 6 visits was authorized by the claims administrator")."""
    exclude = set(fact_rules().prior_treatment.exclude_kinds)
    hits = [
        (m.start(), m.end(), m)
        for rx in searchable(c.authorized, b.text)
        for m in rx.finditer(b.text)
    ]
    if not hits:
        return
    # The counts the records give anywhere ("12 visits were requested"): with them the
    # review can tell whether the item in dispute is what was left or the whole request.
    stated = sorted(
        {int(n) for m in c.session_count.finditer(b.text) if (n := number_value(m["n"]))}
    )
    for start, end, m in _non_overlapping(hits):
        count = number_value(m["n"])
        if not count:
            continue
        s_start, s_end = b.analysis.sentence_of(start)
        near = [h for h in services if s_start <= h.start < s_end and h.value not in exclude]
        if not near:
            # "the request for 12 additional therapy sessions ... was modified to 6 sessions":
            # no treatment named but the request's own
            value = {"modality": "unspecified", "count": count, "counts_stated": stated}
            b.add("authorized_sessions", value, [(start, end)])
            continue
        hit = min(near, key=lambda h: min(abs(h.start - end), abs(start - h.end)))
        # "chiropractic physiotherapy treatment": names written together name one item
        named = [
            h
            for h in near
            if h is hit or not b.text[min(h.end, hit.end) : max(h.start, hit.start)].strip()
        ]
        for h in sorted({h.value: h for h in named}.values(), key=lambda h: h.start):
            value = {"modality": h.value, "count": count, "counts_stated": stated}
            b.add("authorized_sessions", value, [(h.start, h.end), (start, end)])


# --- pain relief, pain score ---------------------------------------------------------------


def _pain_relief_targets(text: str, c: _Compiled) -> list[tuple[Target, re.Match[str]]]:
    hits = [(m.start(), m.end(), m) for rx in searchable(c.relief, text) for m in rx.finditer(text)]
    return [(Target(s, e, "RELIEF"), m) for s, e, m in longest_first(hits)]


def _pain_relief(b: _Builder, found: list[tuple[Target, re.Match[str]]], c: _Compiled) -> None:
    for target, m in found:
        g = m.groupdict()
        value: dict[str, Any] = {
            "percent": int(g["pct"]) if g.get("pct") else None,
            "duration": None,
            "from_score": int(g["from"]) if g.get("from") else None,
            "to_score": int(g["to"]) if g.get("to") else None,
        }
        spans = [(target.start, target.end)]
        if d := c.relief_duration.match(b.text, target.end):
            value["duration"] = re.sub(r"\s+", " ", d["dur"])
            spans = [(target.start, d.end())]
        b.add("pain_relief", value, spans, b.analysis.assertion(target))


def _pain_scores(b: _Builder, c: _Compiled) -> None:
    hits = [
        (m.start(), m.end(), m)
        for rx in searchable(c.pain_score, b.text)
        for m in rx.finditer(b.text)
    ]
    for start, end, m in _non_overlapping(hits):
        score = int(m["score"])
        if score <= 10:
            b.add("pain_score", {"score": score, "scale": 10}, [(start, end)])


# --- medications ---------------------------------------------------------------------------


def _care_hours(b: _Builder, c: _Compiled) -> None:
    """Home care hours a week asked for, in a sentence that names home care and asks for
    it: hours a week as stated; around the clock; hours a day (times a day) on days a week
    (every day when none are named); or visits a week of so many hours each."""
    r = c.care
    if r is None:
        return
    text = b.text

    def first(
        patterns: list[re.Pattern[str]], lo: int, hi: int
    ) -> tuple[float, re.Match[str]] | None:
        for rx in patterns:
            if (m := rx.search(text, lo, hi)) and (n := _count_value(m["n"])) is not None:
                return n, m
        return None

    for lo, hi in b.analysis.sentences:
        if not (r.services.search(text, lo, hi) and r.asked.search(text, lo, hi)):
            continue
        if r.unless and r.unless.search(text, lo, hi):
            continue
        hours = spans = None
        if found := first(r.per_week, lo, hi):
            hours, spans = found[0], [found[1].span()]
        elif m := r.around_the_clock.search(text, lo, hi):
            hours, spans = 24.0 * 7, [m.span()]
        elif found := first(r.per_day, lo, hi):
            per_day, m = found
            spans = [m.span()]
            times = next(
                ((n, t) for rx, n in r.times_a_day if (t := rx.search(text, lo, hi))), None
            )
            days = first(r.days_a_week, lo, hi)
            fixed = next(((n, t) for rx, n in r.fixed_days if (t := rx.search(text, lo, hi))), None)
            week = days[0] if days else fixed[0] if fixed else 7.0
            said = [times[1] if times else None, days[1] if days else None]
            said.append(fixed[1] if fixed and not days else None)
            spans += [x.span() for x in said if x]
            hours = per_day * (times[0] if times else 1) * week
        elif (visits := first(r.visits_a_week, lo, hi)) and (
            each := first(r.hours_a_visit, lo, hi)
        ):
            hours, spans = visits[0] * each[0], [visits[1].span(), each[1].span()]
        if hours is not None and 0 < hours <= 24 * 7:
            b.add("care_hours_requested", {"hours_per_week": round(hours, 1)}, spans)


def _count_value(word: str) -> float | None:
    """A count as written: digits (a decimal too), a number word, once or twice
    (numbers.yaml)."""
    try:
        return float(word)
    except ValueError:
        n = number_value(word)
        return None if n is None else float(n)


def _stated_med(b: _Builder, c: _Compiled) -> None:
    """A total daily morphine-equivalent dose the records state (the prescriber's own sum)."""
    hits = [
        (m.start(), m.end(), m)
        for rx in searchable(c.stated_med, b.text)
        for m in rx.finditer(b.text)
    ]
    for start, end, m in _non_overlapping(hits):
        mg = float(m["mg"])
        sentence = b.analysis.sentence_of(start)
        if c.stated_med_unless and c.stated_med_unless.search(b.text, *sentence):
            continue
        if 0 < mg <= 5000:
            target = Target(start, end, "OPIOID")
            value = {"total_mg": mg, "complete": True, "opioids": []}
            b.add("morphine_equivalent_dose", value, [(start, end)], b.analysis.assertion(target))


def _medication_duration(b: _Builder, hit: Hit, c: _Compiled) -> dict[str, Any]:
    """How long the drug has been taken (when its sentence says so after its name), whether
    it is first prescribed now, and the supply asked for that the text states."""
    s_start, s_end = b.analysis.sentence_of(hit.start)
    tail = b.text[hit.end : s_end]
    found: dict[str, Any] = {}
    # The sentence after too ("New Rx: cyclobenzaprine. No prior use."), unless it names
    # another drug.
    n_start, n_end = b.analysis.sentence_of(s_end + 1) if s_end < len(b.text) else (s_end, s_end)
    following = b.text[s_end:n_end] if n_start >= s_end else ""
    if lexicon().find_drugs(following):
        following = ""
    around = b.text[s_start:s_end] + " " + following
    if c.med_new.search(around):
        found["new_start"] = True
    for rx, per_day in lexicon().dosing:
        if per_day is not None and rx.search(around):
            found["doses_per_day_nearby"] = per_day
            break
    for rx in c.med_supply:
        if m := rx.search(around):
            weeks = _weeks(m, c)
            if weeks is not None:
                found["supply_weeks"] = weeks
                break
    for rx in c.med_for:
        if m := rx.search(tail):
            n = number_value(m["n"]) if m.groupdict().get("n") else 1
            weeks = n * c.weeks_per_unit[m["unit"].lower()] if n is not None else None
            found["duration_weeks"] = round(weeks, 1) if weeks is not None else None
            return found
    for rx in c.med_since:
        if m := rx.search(tail):
            text = m["date"]
            day = parse_date(text) or (parse_date(f"January 1, {text}") if text.isdigit() else None)
            found["since"] = day
            return found
    return found


def _weeks(m: re.Match[str], c: _Compiled) -> float | None:
    g = m.groupdict()
    text = g.get("n") or g.get("n2")
    n = number_value(text) if text else 1
    unit = c.weeks_per_unit.get(g["unit"].lower())
    return None if n is None or unit is None else round(n * unit, 2)


def _medications(b: _Builder, drugs: list[Hit]) -> None:
    lx = lexicon()
    c = _compiled()
    starts = [d.start for d in drugs]  # in text order (one regex's matches)
    for hit in drugs:
        info = lx.drug_info(hit.value)
        target = Target(hit.start, hit.end, "MED")
        window_end = min(len(b.text), hit.end + 60)
        nxt = bisect.bisect_right(starts, hit.start)  # the next drug named
        if nxt < len(starts):
            window_end = min(window_end, starts[nxt])
        after = b.text[hit.end : window_end]
        after = re.split(r"[.;]\s|,\s(?=[A-Za-z])", after, maxsplit=1)[0]
        spans = [(hit.start, hit.end)]
        strength = dosing = None
        per_day = None
        # past the salt and release words ("morphine sulfate ER 60 mg")
        skip = lx.before_strength.match(after).end()
        release = lx.release_of(after[:skip])
        if m := lx.strength.match(after[skip:].lstrip()) or lx.strength.search(after[:12]):
            strength = re.sub(r"\s+", "", m.group())
        parts = []
        for rx, n in lx.dosing:
            for d in rx.finditer(after):
                parts.append((d.start(), d.end(), n))
        for _s, _e, n in sorted(parts):
            if n is not None and per_day is None:
                per_day = n
        if parts:
            lo, hi = min(p[0] for p in parts), max(p[1] for p in parts)
            dosing = re.sub(r"\s+", " ", after[lo:hi])
        extent = max([0] + [p[1] for p in parts])
        if strength:
            extent = max(extent, after.find(m.group()) + len(m.group()))
        if extent:
            spans = [(hit.start, hit.end + extent)]
        med_mg = None
        if info.kind == "opioid" and info.mme_factor and strength and per_day:
            mg = _opioid_mg(strength)
            if mg is not None:
                med_mg = round(mg * per_day * info.mme_factor, 1)
        value = {
            "name": hit.text,
            "generic": info.generic,
            "kind": info.kind,
            "strength": strength,
            "release": release,
            "dosing": dosing,
            "doses_per_day": per_day,
            "med_mg": med_mg,
            "duration_weeks": None,
            "since": None,
            "new_start": None,
            "supply_weeks": None,
            "doses_per_day_nearby": None,
        }
        value.update(_medication_duration(b, hit, c))
        b.add("medication", value, spans, b.analysis.assertion(target))


def _opioid_mg(strength: str) -> float | None:
    """The opioid mg of one dose: "10/325" -> 10, "7.5mg" -> 7.5; mcg/hr patches as is."""
    m = re.match(r"(\d+(?:\.\d+)?)", strength)
    return float(m.group(1)) if m and "%" not in strength else None


# --- surgery, imaging ----------------------------------------------------------------------


def _levels_near(b: _Builder, start: int, end: int, radius: int = 40) -> list[tuple[Hit, str]]:
    lo, hi = max(0, start - radius), min(len(b.text), end + radius)
    s_start, s_end = b.analysis.sentence_of(start)
    lo, hi = max(lo, s_start), min(hi, s_end)
    return [
        (Hit(h.start + lo, h.end + lo, h.value, h.text), region)
        for h, region in lexicon().find_levels(b.text[lo:hi])
    ]


def _surgeries(b: _Builder, services: list[Hit]) -> None:
    window = fact_rules().surgery.date_window
    seen: dict[tuple, Fact] = {}
    quoted_spans: dict[tuple, set[tuple[int, int]]] = {}
    named_again: set[tuple] = set()
    for hit in services:
        if hit.value != "surgery":
            continue
        target = Target(hit.start, hit.end, "SURGERY")
        spans = [(hit.start, hit.end)]
        date = None
        s_start, s_end = b.analysis.sentence_of(hit.start)
        after_end = min(s_end, hit.end + window)
        year = None
        for d_start, d_end, d in find_dates(b.text[hit.end : after_end]):
            date = d
            spans.append((hit.end + d_start, hit.end + d_end))
            break
        else:
            if m := _compiled().surgery_year.search(b.text, hit.end, after_end):
                year = int(m["year"])
                spans.append(m.span("year"))
        levels = _levels_near(b, hit.start, hit.end)
        spans += [(h.start, h.end) for h, _ in levels]
        region_hits = [
            r for r in lexicon().find_regions(b.text[max(s_start, hit.start - 30) : hit.start])
        ]
        regions = unique([r.value for r in region_hits] + [reg for _, reg in levels])
        value = {
            "procedure": re.sub(r"\s+", " ", hit.text),
            "date": date,
            "year": date.year if date else year,
            "spinal_levels": unique([h.value for h, _ in levels]),
            "regions": regions,
        }
        key = (value["procedure"].lower(), value["date"], tuple(value["spinal_levels"]))
        if key in seen:
            # The same surgery named again: its new evidence joins the first fact's.
            quoted = quoted_spans[key]
            for ev in (b.ev(s, e) for s, e in spans):
                if (ev.start, ev.end) not in quoted:
                    quoted.add((ev.start, ev.end))
                    seen[key].evidence.append(ev)
            named_again.add(key)
            continue
        seen[key] = b.add("surgery", value, spans, b.analysis.assertion(target))
        quoted_spans[key] = {(ev.start, ev.end) for ev in seen[key].evidence}
    for key in named_again:
        # Sorted once, not on every mention: a stable sort gives the same order.
        seen[key].evidence.sort(key=lambda e: e.start)


def _imaging_targets(text: str, c: _Compiled) -> list[tuple[Target, str]]:
    in_text = text_pieces(text)
    hits = [
        (m.start(), m.end(), f)
        for f, rx in c.findings
        if sieve(rx).may_match(in_text)
        for m in rx.finditer(text)
    ]
    return [(Target(s, e, "IMAGING"), f) for s, e, f in _non_overlapping(hits)]


def _imaging(b: _Builder, found: list[tuple[Target, str]], c: _Compiled) -> None:
    for target, finding in found:
        s_start, s_end = b.analysis.sentence_of(target.start)
        modality, modality_span = study_of(b.text, target.start, target.end, (s_start, s_end),
                                           c.modalities)  # fmt: skip
        if modality is None and c.report_section.search(b.text[s_start:s_end]):
            # "MRI cervical spine. Impression: disc protrusion": the study named just before.
            window = max(0, s_start - c.report_window)
            for name, rx in c.modalities:
                named = list(rx.finditer(b.text, window, s_start))
                if named:
                    modality, modality_span = name, named[-1].span()
                    break
        if modality is None:
            continue  # a finding with no study named is a diagnosis, not an imaging finding
        spans = [(target.start, target.end), modality_span]
        severity = None
        before = b.text[max(s_start, target.start - 40) : target.start]
        if m := c.severity.search(before):
            severity = m.group().strip(" -")
            spans.append((target.start - len(before) + m.start(), target.start))
        dates = find_dates(b.text[s_start:s_end])
        date = dates[0][2] if dates else None
        levels = _levels_near(b, target.start, target.end, radius=120)
        regions = unique(
            [r.value for r in lexicon().find_regions(b.text[s_start:s_end])]
            + [reg for _, reg in levels]
        )
        kind = "electrodiagnostic_finding" if modality == "emg_ncv" else "imaging_finding"
        value = {
            "modality": modality,
            "finding": finding,
            "severity": severity,
            "spinal_levels": unique([h.value for h, _ in levels]),
            "regions": regions,
            "date": date,
            "text": re.sub(r"\s+", " ", b.text[target.start : target.end]),
            "side": side_near(b.text, target.start, target.end, (s_start, s_end)),
        }
        b.add(kind, value, spans, b.analysis.assertion(target))


# --- diagnoses, regions, UR history --------------------------------------------------------


def _body_regions(b: _Builder) -> None:
    mentions: dict[str, list[Hit]] = {}
    for hit in lexicon().find_regions(b.text):
        mentions.setdefault(hit.value, []).append(hit)
    for hit, region in lexicon().find_levels(b.text):
        mentions.setdefault(region, []).append(hit)
    for region, hits in mentions.items():
        spans = [(h.start, h.end) for h in hits]
        b.add("body_region", {"region": region, "mentions": len(hits)}, spans)


def _ur_history(b: _Builder, c: _Compiled) -> None:
    last_date = None
    for s_start, s_end in b.analysis.sentences:
        # Line breaks as spaces (same length): the patterns read across wrapped lines.
        sentence = b.text[s_start:s_end].replace("\n", " ")
        if not c.ur_cue.search(sentence):
            continue
        action = c.ur_action.search(sentence)
        if not action:
            continue
        spans = [(s_start + action.start(), s_start + action.end())]
        dates = find_dates(sentence)
        date = dates[0][2] if dates else last_date
        if dates:
            spans.append((s_start + dates[0][0], s_start + dates[0][1]))
            last_date = date
        what = reason = None
        if m := c.ur_what.search(sentence):
            what = re.sub(r"\s+", " ", m["what"]).strip()
            spans.append((s_start + m.start("what"), s_start + m.end("what")))
        if m := c.ur_reason.search(sentence.rstrip(". \n")):
            reason = re.sub(r"\s+", " ", m["reason"]).strip()
            spans.append((s_start + m.start("reason"), s_start + m.end("reason")))
        value = {
            "date": date,
            "action": re.sub(r"\s+", " ", action["action"].lower()),
            "what": what,
            "reason": reason,
        }
        b.add("ur_history", value, spans)


def principal_regions(facts: list[Fact]) -> list[str]:
    """The regions a case concerns: its diagnoses' regions, else the most mentioned."""
    from_diagnoses = unique(
        [
            r
            for f in facts
            if f.kind == "diagnosis" and f.assertion not in _NOT_CURRENT
            for r in f.value.get("regions", [])
        ]
    )
    if from_diagnoses:
        return from_diagnoses
    counts = Counter(
        {f.value["region"]: f.value["mentions"] for f in facts if f.kind == "body_region"}
    )
    if not counts:
        return []
    top = max(counts.values())
    return sorted(r for r, n in counts.items() if n == top)


def case_level_facts(facts: list[Fact]) -> list[Fact]:
    """Facts about the whole case: a fracture risk from its parts, and functional
    improvement overall (9792.20), from every mention of it."""
    return _fracture_risk(facts) + _functional_improvement(facts)


def _fracture_risk(facts: list[Fact]) -> list[Fact]:
    """A minor trauma in a potentially osteoporotic patient (ACOEM table 12-1): the two
    facts, stated anywhere in the records, make a red flag for fracture together."""
    stated = (Assertion.PRESENT, Assertion.HISTORICAL)
    fragile = [f for f in facts if f.kind == "bone_fragility" and f.assertion in stated]
    trauma = [f for f in facts if f.kind == "minor_trauma" and f.assertion in stated]
    if not (fragile and trauma):
        return []
    evidence = [*fragile[0].evidence, *trauma[0].evidence]
    flag = typed_value("red_flag", {"flag": "fracture"})
    return [Fact(kind="red_flag", value=flag, assertion=Assertion.PRESENT, evidence=evidence)]


def _functional_improvement(facts: list[Fact]) -> list[Fact]:
    mentions = [f for f in facts if f.kind == "functional_improvement"]
    by_assertion = {a: [f for f in mentions if f.assertion == a] for a in Assertion}
    for status, assertion, group in (
        ("present", Assertion.PRESENT, by_assertion[Assertion.PRESENT]),
        ("absent", Assertion.NEGATED, by_assertion[Assertion.NEGATED]),
        ("uncertain", Assertion.UNCERTAIN, by_assertion[Assertion.UNCERTAIN]),
    ):
        if group:
            domains = unique([f.value["domain"] for f in group])
            return [
                Fact(
                    kind=STATUS,
                    value=typed_value(STATUS, {"status": status, "domains": domains}),
                    assertion=assertion,
                    evidence=[e for f in group for e in f.evidence],
                )
            ]
    empty = typed_value(STATUS, {"status": "not_mentioned", "domains": []})
    return [Fact(kind=STATUS, value=empty, assertion=Assertion.UNCERTAIN)]


STATUS = "functional_improvement_status"


# --- entry point ---------------------------------------------------------------------------

# Quotation marks that are not apostrophes (no letter on both sides): a record quoting a
# note ("would 'consider surgery'") says the same as one that does not, so the patterns
# read the text with these blanked. Same length, so every offset still points into the
# original, which the evidence quotes.
_QUOTE_MARK = re.compile(
    r"[\"\u201c\u201d\u201e\u00ab\u00bb`]|(?<![^\W\d_])['\u2018\u2019]|['\u2018\u2019](?![^\W\d_])"
)


def _unquoted(text: str) -> str:
    return _QUOTE_MARK.sub(" ", text)


def _quoting_original(facts: list[Fact], original: str) -> list[Fact]:
    """The facts with each evidence's words cut from the original text again."""

    def requote(fact: Fact) -> Fact:
        evidence = [e.model_copy(update={"text": original[e.start : e.end]}) for e in fact.evidence]
        return fact.model_copy(update={"evidence": evidence})

    return [requote(f) for f in facts]


def extract_facts(text: str, source: str = "clinical_summary") -> list[Fact]:
    """All the facts in one text, sorted by where their evidence starts."""
    if not text or not text.strip():
        return []
    matched = _unquoted(text)
    if matched != text:
        return _quoting_original(_extract(matched, source), text)
    return _extract(text, source)


def _extract(text: str, source: str) -> list[Fact]:
    c = _compiled()
    lx = lexicon()
    simple = _simple_targets(text, c)
    services = lx.find_services(text)
    counts = _count_targets(text, c)
    relief = _pain_relief_targets(text, c)
    drugs = lx.find_drugs(text)
    imaging = _imaging_targets(text, c)
    injected = injections.find(text)
    diagnosed = diagnoses.find(text)
    targets = (
        [t for _, t, _, _ in simple]
        + [Target(h.start, h.end, "TREATMENT") for h in services]
        + [Target(h.start, h.end, "SURGERY") for h in services if h.value == "surgery"]
        + [t for t, _ in counts]
        + [t for t, _ in relief]
        + [Target(h.start, h.end, "MED") for h in drugs]
        + [t for t, _ in imaging]
        + injected.targets()
        + diagnosed.targets()
    )
    analysis = Analysis(text, targets)
    b = _Builder(text, source, analysis)
    _, demographic = extract_patient(text, source)
    b.facts.extend(demographic)
    diagnoses.add_facts(b, diagnosed)
    _body_regions(b)
    _simple_facts(b, simple)
    flare_course(b)
    monitoring_gaps(b)
    b.facts.extend(job_demand(text, b.facts))
    exam_facts(b)
    _prior_treatment(b, services, counts, c)
    _authorized_sessions(b, services, c)
    _surgeries(b, services)
    _pain_relief(b, relief, c)
    _pain_scores(b, c)
    _stated_med(b, c)
    _care_hours(b, c)
    _medications(b, drugs)
    medication_use(b)
    opioid_doses(b)
    _imaging(b, imaging, c)
    _ur_history(b, c)
    b.facts.extend(duration_facts(text, source, analysis))
    injections.add_facts(b, injected)
    b.facts.extend(change_facts(text, source, analysis.sentences))
    return sorted(b.facts, key=lambda f: (f.evidence[0].start if f.evidence else -1, f.kind))
