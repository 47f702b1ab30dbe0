"""Examination findings normalised into typed deficits, by body region.

The examination is read clause by clause (a sentence cut at ; , : brackets and contrast
words): the parts of the neurological examination (motor, sensory, reflex) with the status
said of them ("decreased", "4/5", "2+ and symmetric"), named tests with their result
("SLR + L at 40 deg", "McMurray neg"), measured motion compared with its normal range
("lumbar flexion 40 degrees", "lacks 15 degrees of extension"), tasks ("unable to heel
walk") and the phrases of the finding files (knee, osteoarthritis, red flags, neuropathic
pain, history). Each becomes a fact; a normal finding is the fact negated, so that "DTRs 2+
and symmetric" answers "no reflex change", and "neurologic exam normal" denies each part.

Negation is clause-bounded ("denies numbness; reports weakness"), reaching on over a list
that states nothing of its own ("denies fever, chills, weight loss"). A clause that reports
the patient's account does not make a sign; plans, goals and guideline wording, someone
else's condition and a past finding that is over make nothing.

Vocabulary: ``intake/rules/findings/exam/`` (signs, tests, motion, normal ranges, and one
file of phrases per topic). Kinds: ``exam_finding``, ``history_finding``, ``red_flag``,
``neuropathic_pain`` (``openimr/fact_kinds.yaml``).
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, ClassVar

from pydantic import Field

from openimr.intake.alternation import Alternation
from openimr.intake.grouped import alternation
from openimr.intake.lexicon import lexicon
from openimr.intake.needles import searchable, sieve, text_pieces
from openimr.intake.numbers import number_pattern, number_value
from openimr.intake.ruleset import RULES_PACKAGE, RuleModel, compile_pattern, load_rules
from openimr.model import Assertion

FOLDER = "findings/exam"
PARTS = ("motor", "sensory", "reflex")

# --- rule files -----------------------------------------------------------------------------


class Cues(RuleModel):
    exam: list[str]
    exam_starts: list[str]
    subjective: list[str]
    hypothetical: list[str]
    deferred: list[str]
    resolved: list[str]
    uncertain: list[str]
    family: list[str]


class SignRules(RuleModel):
    cues: Cues
    contrast: list[str]
    negation: list[str]
    affirm: list[str]
    components: dict[str, list[str]]
    self_signs: dict[str, list[str]]
    equivocal: dict[str, list[str]]
    status: dict[str, list[str]]
    motor_grade: str
    reflex_grade: str
    symmetric: list[str] = Field(default_factory=list)
    normal_exam: dict[str, list[str]]
    side_letters: dict[str, list[str]]
    radicular_claim: list[str]
    roots: dict[str, list[str]]


class TestRule(RuleModel):
    sign: str
    patterns: list[str]


class TestRules(RuleModel):
    tests: dict[str, TestRule]
    results: dict[str, list[str]]


class MotionRules(RuleModel):
    movements: dict[str, list[str]]
    angle: str
    angle_before: str
    bare_angle: str
    arc: str
    percent: str
    lag: list[str]
    range_words: list[str]
    limited: list[str]
    full: list[str]
    full_phrases: list[str]
    limited_phrases: list[str]
    grip: str
    grip_ratio: float


class Ranges(RuleModel):
    tolerance: float
    lag_degrees: float
    normal: dict[str, dict[str, float]]
    implied_region: dict[str, str]


class NumberRule(RuleModel):
    pattern: str
    present_at_least: float | None = None
    absent_below: float | None = None


class Phrase(RuleModel):
    fact: str
    value: dict[str, Any] = Field(default_factory=dict)
    objective: bool = False
    """Only an examination states it: the patient's account does not."""
    past: bool = False
    """A past mention still counts (a history of cancer)."""
    planned: bool = False
    """A planned or intended one counts too (the work the patient is going back to)."""
    present: list[str] = Field(default_factory=list)
    absent: list[str] = Field(default_factory=list)
    numbers: list[NumberRule] = Field(default_factory=list)
    not_with: list[str] = Field(default_factory=list)
    """A mention with one of these just before or after it in its clause is no fact (a
    fracture of a named limb bone is the injury diagnosed, not a red flag to rule out)."""


class PhraseFile(RuleModel):
    phrases: list[Phrase]


_SPECIAL = {"signs.yaml", "tests.yaml", "motion.yaml", "ranges.yaml"}


def phrase_files() -> list[str]:
    folder = resources.files(RULES_PACKAGE).joinpath(FOLDER)
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".yaml"))
    return [f"{FOLDER}/{n}" for n in names if n not in _SPECIAL]


# --- compiled -------------------------------------------------------------------------------


def _fill(pattern: str) -> str:
    return pattern.replace("{WORDNUM}", number_pattern()).replace("{NUM}", number_pattern())


def _symbol_first(pattern: str) -> bool:
    """A pattern starting with a symbol ("+", "-", a lookbehind) sets its own left edge."""
    return bool(re.match(r"\\\W|-|\(\?<|\[", pattern))


def _whole(patterns: list[str]) -> str:
    """One alternation of whole-word patterns. The left edge is tested once, before the
    alternatives (several times faster than an edge in each: Python's engine tries every
    alternative at every place otherwise)."""
    words = [_fill(p) for p in patterns if not _symbol_first(p)]
    symbols = [_fill(p) for p in patterns if _symbol_first(p)]
    parts = []
    if words:
        parts.append(r"(?=\w)(?<!\w)" + alternation(words) + r"(?!\w)")
    parts += [f"(?:{p})" for p in symbols]
    return "|".join(parts)


def _locator(patterns: list[str]) -> str:
    """Where any of the patterns can begin (a test of each place, consuming nothing)."""
    words = [_fill(p) for p in patterns if not _symbol_first(p)]
    symbols = [_fill(p) for p in patterns if _symbol_first(p)]
    locator = [r"(?=\w)(?<!\w)(?=" + alternation(words) + ")"] if words else []
    locator += [f"(?=(?:{p}))" for p in symbols]
    return "|".join(locator)


_RAW = "\x00"  # marks a trigger item that is a pattern of its own, not a whole word


def _trigger(items: list[str]) -> str:
    """Any word of the examination grammar (``items``: whole-word patterns, and patterns
    marked ``_RAW``), without groups of its own."""
    words = [p for p in items if not p.startswith(_RAW)]
    raw = [_fill(p[len(_RAW) :]) for p in items if p.startswith(_RAW)]
    pattern = "|".join(([_whole(words)] if words else []) + raw)
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


def _trigger_needles(items: list[str]) -> str:
    return _phrases_of([p.removeprefix(_RAW) for p in items])


def _phrases_of(patterns: list[str]) -> str:
    """The patterns themselves: what a place ``_locator`` finds must be followed by."""
    return "|".join(f"(?:{_fill(p)})" for p in patterns)


def _alt(patterns: list[str], name: str) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return compile_pattern(_whole(patterns), name)


def _one(pattern: str, name: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return compile_pattern(_fill(pattern), name, flags)


@dataclass
class _PhraseRx:
    rule: Phrase
    present: re.Pattern[str] | None
    absent: re.Pattern[str] | None
    numbers: list[tuple[NumberRule, re.Pattern[str]]]
    not_with: re.Pattern[str] | None = None


class _Compiled:
    def __init__(self) -> None:
        name = f"{FOLDER}/signs.yaml"
        s = load_rules(name, SignRules)
        self.s = s
        self.exam = _alt(s.cues.exam, name)
        self.subjective = _alt(s.cues.subjective, name)
        self.hypothetical = _alt(s.cues.hypothetical, name)
        self.deferred = _alt(s.cues.deferred, name)
        self.resolved = _alt(s.cues.resolved, name)
        self.family = _alt(s.cues.family, name)
        self.uncertain = _alt(s.cues.uncertain, name)
        contrast = "|".join(s.contrast)
        self.contrast = compile_pattern(rf"(?<!\w)(?:{contrast})(?!\w)", name)
        # (not the brackets of a result written "(+)" or "(-)")
        self.boundary = compile_pattern(
            rf"[;,:\[\]]|\((?![+-]\))|(?<!\([+-])\)|\s-\s|(?<!\w)(?:{contrast})(?!\w)", name
        )
        self.exam_starts = _alt(s.cues.exam_starts, name)
        self.negation = _alt(s.negation, name)
        self.affirm = _alt(s.affirm, name)
        self.components = [(k, _alt(v, name)) for k, v in s.components.items()]
        self.self_signs = [(k, _alt(v, name)) for k, v in s.self_signs.items()]
        self.equivocal = {k: _alt(v, name) for k, v in s.equivocal.items()}
        self.abnormal = _alt(s.status["abnormal"], name)
        self.normal = _alt(s.status["normal"], name)
        self.motor_grade = _one(s.motor_grade, name)
        self.reflex_grade = _one(s.reflex_grade, name)
        self.symmetric = _alt(s.symmetric, name)
        self.normal_exam = _alt(s.normal_exam["neurologic"], name)
        self.radicular_claim = _alt(s.radicular_claim, name)
        self.roots = [(root, _alt(ps, name)) for root, ps in s.roots.items()]
        self.side_letters = [
            (side, compile_pattern(r"(?<![\w/])(?:" + "|".join(ws) + r")(?![\w/])", name, 0))
            for side, ws in s.side_letters.items()
        ]
        name = f"{FOLDER}/tests.yaml"
        t = load_rules(name, TestRules)
        self.tests = [
            (test, rule.sign, _alt(rule.patterns, name)) for test, rule in t.tests.items()
        ]
        self.results = {k: _alt(v, name) for k, v in t.results.items()}
        name = f"{FOLDER}/motion.yaml"
        m = load_rules(name, MotionRules)
        self.movements = [(k, _alt(v, name)) for k, v in m.movements.items()]
        self.angle = _one(m.angle, name)
        self.angle_before = _one(m.angle_before, name)
        self.bare_angle = _one(m.bare_angle, name)
        self.arc = _one(m.arc, name)
        self.percent = _one(m.percent, name)
        self.lag = [_one(p, name) for p in m.lag]
        self.range_words = _alt(m.range_words, name)
        self.limited = _alt(m.limited, name)
        self.full = _alt(m.full, name)
        self.full_phrases = _alt(m.full_phrases, name)
        self.limited_phrases = _alt(m.limited_phrases, name)
        self.grip = _one(m.grip, name)
        self.grip_ratio = m.grip_ratio
        self.ranges = load_rules(f"{FOLDER}/ranges.yaml", Ranges)
        # Any word of the examination grammar: a sentence without one is not read for it.
        parts = [
            *[p for ps in s.components.values() for p in ps],
            *[p for ps in s.self_signs.values() for p in ps],
            *s.normal_exam["neurologic"],
            *s.radicular_claim,
            *[p for rule in t.tests.values() for p in rule.patterns],
            *[p for ps in m.movements.values() for p in ps],
            *m.range_words,
            *m.full_phrases,
            *m.limited_phrases,
        ]
        # (An Alternation: searched with only the words whose needles are in the text.)
        items = [*parts, *[_RAW + p for p in (s.motor_grade, m.grip, *m.lag)]]
        full = compile_pattern(_trigger(items), name)
        self.trigger = Alternation(items, _trigger, full, needles_of=_trigger_needles)
        self.phrases = []
        for file in phrase_files():
            for rule in load_rules(file, PhraseFile).phrases:
                self.phrases.append(
                    _PhraseRx(
                        rule,
                        _alt(rule.present, file),
                        _alt(rule.absent, file),
                        [(n, _one(n.pattern, file)) for n in rule.numbers],
                        _alt(rule.not_with, file),
                    )
                )
        # Where each rule's phrases can begin; a rule whose phrases' needles are not in
        # a text (needles.py) begins nowhere in it, and its locator is not run.
        # (An Alternation: searched with only the phrases whose needles are in the text.)
        self.phrase_locators = []
        for x in self.phrases:
            every = x.rule.present + x.rule.absent
            if every:
                sieves = [sieve(rx) for rx in (x.present, x.absent) if rx is not None]
                full = compile_pattern(_locator(every), FOLDER)
                located = Alternation(every, _locator, full, needles_of=_phrases_of)
                self.phrase_locators.append((sieves, located))


@cache
def _compiled() -> _Compiled:
    return _Compiled()


# --- clauses --------------------------------------------------------------------------------

_HEADER = re.compile(
    r"(?:^|(?<=[\s.;]))(?P<h>S|O|A|P|PE|Subjective|Objective|Exam(?:ination)?|Physical\s+exam(?:ination)?|"
    r"Neuro|Assessment|Plan|Impression|History|HPI|ROS)\s*:",
    re.IGNORECASE,
)
_HEADER_KIND = {
    "s": "subjective",
    "subjective": "subjective",
    "history": "subjective",
    "hpi": "subjective",
    "ros": "subjective",
    "p": "plan",
    "plan": "plan",
    "a": "assessment",
    "assessment": "assessment",
    "impression": "assessment",
}


@dataclass
class Clause:
    start: int
    end: int
    sentence: tuple[int, int]
    section: str  # exam | subjective | plan | assessment | none
    subjective: bool = False
    hypothetical: bool = False
    hyp_at: int | None = None  # where a plan's or guideline's wording begins
    family: bool = False
    resolved: bool = False
    deferred: bool = False
    exam_sentence: bool = False
    negation_from: int | None = None  # where a negation that reaches this clause starts
    carried: bool = False  # the negation comes from an earlier clause of a list
    own_result: bool = False
    ends_list: str = ","  # the boundary after it
    regions: list[tuple[int, str]] = field(default_factory=list)


class _Sections:
    """The section headers of a text ("S:", "O:", "Exam:", "Plan:"), to tell the section
    an offset is in (within 1500 characters of its header)."""

    def __init__(self, text: str) -> None:
        self.starts: list[int] = []
        self.kinds: list[str] = []
        for m in _HEADER.finditer(text):
            self.starts.append(m.start())
            self.kinds.append(_HEADER_KIND.get(re.sub(r"\s+", " ", m["h"].lower()), "exam"))

    def at(self, offset: int) -> str:
        i = bisect.bisect_right(self.starts, offset) - 1
        if i < 0 or offset - self.starts[i] > 1500:
            return "none"
        return self.kinds[i]


def _clauses(
    text: str, sentence: tuple[int, int], c: _Compiled, sections: _Sections
) -> list[Clause]:
    s_start, s_end = sentence
    cuts = [(s_start, "")]
    for m in c.boundary.finditer(text, s_start, s_end):
        cuts.append((m.end(), m.group().strip().lower()))
    if c.exam_starts and c.subjective:
        # a run-on sentence that tells the patient's account and then the examination ("she
        # says it has not come out again on exam apprehension negative"): the examination
        # starts a clause of its own
        for m in c.exam_starts.finditer(text, s_start, s_end):
            before = max(a for a, _ in cuts if a <= m.start())
            if c.subjective.search(text, before, m.start()):
                cuts.append((m.start(), ""))
        cuts.sort()
    cuts.append((s_end, "."))
    clauses = []
    for (a, _), (b, sep) in itertools.pairwise(cuts):
        if b > a and text[a:b].strip(" \t\n,;:()[]"):
            clauses.append(Clause(a, b, sentence, "none", ends_list=sep))
    sentence_text = text[s_start:s_end]
    exam_sentence = bool(c.exam.search(sentence_text)) if c.exam else False
    hyp_at = None
    if c.hypothetical and (m := c.hypothetical.search(text, s_start, s_end)):
        hyp_at = m.start()
    family_at = None
    if c.family and (m := c.family.search(text, s_start, s_end)):
        family_at = m.start()
    subjective = False
    negation: int | None = None
    for i, cl in enumerate(clauses):
        body = text[cl.start : cl.end]
        cl.section = sections.at(cl.start)
        cl.exam_sentence = exam_sentence or cl.section == "exam"
        cl.hyp_at = hyp_at if hyp_at is not None and hyp_at < cl.end else None
        cl.hypothetical = (hyp_at is not None and hyp_at < cl.start) or cl.section == "plan"
        cl.family = family_at is not None and family_at < cl.end
        cl.resolved = bool(c.resolved and c.resolved.search(body))
        cl.deferred = bool(c.deferred and c.deferred.search(body))
        sep_before = clauses[i - 1].ends_list if i else ""
        contrast = sep_before not in {",", "", "(", ")", "[", "]"}
        if contrast or sep_before in {";", ":"}:
            subjective = False
        if c.subjective and c.subjective.search(body):
            subjective = True
        if c.exam and c.exam.search(body) and not (c.subjective and c.subjective.search(body)):
            subjective = False
        cl.subjective = subjective or cl.section == "subjective"
        cl.own_result = bool(
            (c.results["positive"] and c.results["positive"].search(body))
            or (c.results["negative"] and c.results["negative"].search(body))
            or (c.normal and c.normal.search(body))
            or (c.affirm and c.affirm.search(body))
        )
        own = c.negation.search(body) if c.negation else None
        if own:
            cl.negation_from = cl.start + own.start()
            negation = cl.negation_from
        elif negation is not None and sep_before == "," and not cl.own_result:
            cl.negation_from = cl.start
            cl.carried = True
        else:
            negation = None
        if sep_before not in {","}:
            negation = cl.negation_from
    return clauses


def _negated_at(text: str, cl: Clause, at: int, c: _Compiled, skip: list[tuple[int, int]]) -> bool:
    """Whether a negation in the clause (or carried into it) reaches offset ``at``."""
    if cl.carried:
        return True
    if c.negation is None:
        return False
    last = None
    for m in c.negation.finditer(text, cl.start, at):
        if any(a <= m.start() < b for a, b in skip):
            continue
        last = m
    if last is None:
        return False
    between = text[last.end() : at]
    return not (c.affirm and c.affirm.search(between))


# --- the builder's side ------------------------------------------------------------------------


@dataclass
class _Found:
    kind: str  # fact kind
    value: dict[str, Any]
    spans: list[tuple[int, int]]
    assertion: Assertion


def _side(text: str, start: int, end: int, around: tuple[int, int], c: _Compiled) -> str | None:
    lo, hi = around
    best: tuple[int, str] | None = None
    chunk = text[lo:hi]
    hits = [(h.start + lo, h.end + lo, h.value) for h in lexicon().find_sides(chunk)]
    for side, rx in c.side_letters:
        hits += [(m.start() + lo, m.end() + lo, side) for m in rx.finditer(chunk)]
    for a, b, side in hits:
        distance = a - end if a >= end else start - b
        if best is None or distance < best[0]:
            best = (max(distance, 0), side)
    return best[1] if best else None


def side_near(
    text: str, start: int, end: int, sentence: tuple[int, int], radius: int = 40
) -> str | None:
    """The side written nearest a mention, within ``radius`` characters in its sentence."""
    lo, hi = max(sentence[0], start - radius), min(sentence[1], end + radius)
    return _side(text, start, end, (lo, hi), _compiled())


def study_of(
    text: str, start: int, end: int, sentence: tuple[int, int], modalities: list
) -> tuple[str | None, tuple[int, int] | None]:
    """The study a finding belongs to: the nearest one named in its sentence with no
    contrast between them ("the exam suggested an S1 radiculopathy, whereas the MRI showed
    ...": the radiculopathy is not the MRI's)."""
    c = _compiled()
    best: tuple[int, str, tuple[int, int]] | None = None
    for name, rx in modalities:
        for m in rx.finditer(text, sentence[0], sentence[1]):
            lo, hi = (m.end(), start) if m.end() <= start else (end, m.start())
            if m.start() < end and m.end() > start:
                lo, hi = start, start
            if c.contrast.search(text, lo, hi):
                continue
            distance = max(0, hi - lo)
            if best is None or distance < best[0]:
                best = (distance, name, m.span())
    return (best[1], best[2]) if best else (None, None)


def _root(text: str, lo: int, hi: int) -> str | None:
    """The nerve root a clause names ("L5 dermatome"), else the one its dermatome, muscle
    or reflex points to (signs.yaml ``roots``)."""
    for hit, _region in lexicon().find_levels(text[lo:hi]):
        if "-" not in hit.value:
            return hit.value
    best: tuple[int, str] | None = None
    for root, rx in _compiled().roots:
        if rx and (m := rx.search(text, lo, hi)) and (best is None or m.start() < best[0]):
            best = (m.start(), root)
    return best[1] if best else None


def _region(text: str, cl: Clause, at: int) -> str | None:
    """The region named in the clause nearest after ``at`` (else before), else the last
    one named earlier in the sentence."""
    mine = [(start, region) for start, region in cl.regions if start >= cl.start]
    after = [r for start, r in mine if start >= at]
    if after:
        return after[0]
    if mine:
        return mine[-1][1]
    return cl.regions[-1][1] if cl.regions else None


def _carried_region(
    text: str,
    sentences: list[tuple[int, int]],
    k: int,
    named: list[tuple[int, str]],
    starts: list[int],
) -> list[tuple[int, str]]:
    """A sentence that names no body part goes on with the one named in the sentence or
    two before it, in the same paragraph ("Right knee: tender. Flexion limited to 95
    degrees."): an examination is written part by part. Placed just before the sentence,
    so the sentence's own words never count as naming it."""
    s_start = sentences[k][0]
    since = sentences[max(0, k - 2)][0]
    i = bisect.bisect_left(starts, s_start) - 1
    if i < 0 or named[i][0] < since or _PARAGRAPH.search(text, named[i][0], s_start):
        return []
    return [(s_start - 1, named[i][1])]


_PARAGRAPH = re.compile(r"\n[ \t]*\n")


def _exam_value(**kw: Any) -> dict[str, Any]:
    value = {
        "region": None,
        "kind": None,
        "sign": None,
        "test": None,
        "side": None,
        "root": None,
        "value": None,
        "normal": None,
        "unit": None,
        "abnormal": None,
        "text": None,
    }
    value.update(kw)
    return value


# --- the neurological examination -----------------------------------------------------------


def _finditer(rx: re.Pattern[str] | None, text: str, lo: int, hi: int) -> list[re.Match[str]]:
    if rx is None or not _in_text(rx, text):
        return []
    return list(rx.finditer(text, lo, hi))


class _Gate:
    """For the text being read: whether each pattern can match anywhere in it (its needles,
    needles.py). The clause readers search a few dozen characters at a time, ~600 times a
    case, and four searches in five are of a pattern with no match in the whole text."""

    text: ClassVar[str | None] = None
    # By the pattern's id (a pattern's own hash reads all its code), with the pattern.
    may: ClassVar[dict[int, tuple[re.Pattern[str], bool]]] = {}
    live: ClassVar[dict[int, tuple[list[Any], list[Any]]]] = {}  # id of a rule list -> live


def _in_text(rx: re.Pattern[str], text: str) -> bool:
    if text is not _Gate.text:
        _Gate.text, _Gate.may, _Gate.live = text, {}, {}
    kept = _Gate.may.get(id(rx))
    if kept is None or kept[0] is not rx:
        kept = _Gate.may[id(rx)] = (rx, sieve(rx).may_match(text_pieces(text)))
    return kept[1]


def _live(rules: list[tuple[Any, ...]], text: str) -> list[tuple[Any, ...]]:
    """The rules (tuples ending in their pattern) whose pattern can match in the text: read
    once a text, not once a clause."""
    if text is not _Gate.text:
        _Gate.text, _Gate.may, _Gate.live = text, {}, {}
    kept = _Gate.live.get(id(rules))
    if kept is None or kept[0] is not rules:
        kept = _Gate.live[id(rules)] = (rules, searchable(rules, text))
    return kept[1]


def _grade_abnormal(m: re.Match[str]) -> tuple[bool, float]:
    g = m["grade"].lower()
    grade = number_value(g) if not g.isdigit() else int(g)
    mod = (m["mod"] or "").lower()
    value = float(grade or 0) + (0.25 if mod in {"+", "plus"} else -0.25 if mod else 0)
    return value < 5, value


def _neuro(
    b: Any, cl: Clause, c: _Compiled, prev_kind: str | None, out: list[_Found]
) -> str | None:
    """The motor, sensory and reflex findings of one clause; returns the kind its last
    part was (a next clause of only a side and a grade, "R 2+", continues it)."""
    text = b.text
    lo, hi = cl.start, cl.end
    spans_taken: list[tuple[int, int]] = []
    equivocal_any = bool(c.equivocal.get("any") and c.equivocal["any"].search(text, lo, hi))
    if equivocal_any:
        return None
    equivocal = {k: bool(rx and rx.search(text, lo, hi)) for k, rx in c.equivocal.items()}
    status: list[tuple[int, int, bool]] = []  # start, end, abnormal
    for m in _finditer(c.abnormal, text, lo, hi):
        status.append((m.start(), m.end(), True))
    for m in _finditer(c.normal, text, lo, hi):
        if not any(a <= m.start() < e for a, e, _ in status):
            status.append((m.start(), m.end(), False))
    motor_grades = _finditer(c.motor_grade, text, lo, hi)
    found_kinds: list[str] = []

    def emit(kind: str, abnormal: bool, spans: list[tuple[int, int]], value: float | None,
             at: int, negated: bool = False) -> None:  # fmt: skip
        if negated:
            abnormal = not abnormal
        if equivocal.get(kind):
            return
        a, e = min(s for s, _ in spans), max(x for _, x in spans)
        v = _exam_value(
            region=_region(text, cl, at),
            kind=kind,
            sign="radicular",
            side=_side(text, a, e, (lo, hi), c),
            root=_root(text, lo, hi),
            value=value,
            normal=5.0 if kind == "motor" and value is not None else None,
            unit="grade" if value is not None else None,
            abnormal=abnormal,
            text=re.sub(r"\s+", " ", text[a:e]),
        )
        out.append(
            _Found("exam_finding", v, spans, Assertion.PRESENT if abnormal else Assertion.NEGATED)
        )
        found_kinds.append(kind)
        spans_taken.extend(spans)

    objective_ok = not cl.subjective
    # grades: objective by nature
    for m in motor_grades:
        abnormal, value = _grade_abnormal(m)
        emit("motor", abnormal, [m.span()], value, m.start())
    # self-contained signs ("numbness", "weak", "atrophy")
    for kind, rx in _live(c.self_signs, text):
        for m in rx.finditer(text, lo, hi):
            if any(a <= m.start() < e for a, e in spans_taken):
                continue
            if not (objective_ok and cl.exam_sentence):
                continue
            neg = _negated_at(text, cl, m.start(), c, [])
            emit(kind, True, [m.span()], None, m.start(), negated=neg)
    # components with their status
    comps: list[tuple[int, int, str]] = []
    for kind, rx in _live(c.components, text):
        for m in rx.finditer(text, lo, hi):
            if any(a <= m.start() < e for a, e in spans_taken):
                continue
            if any(a <= m.start() < e for a, e, _ in comps):
                continue
            comps.append((m.start(), m.end(), kind))
    comps.sort()
    reflex_grades = _finditer(c.reflex_grade, text, lo, hi)
    continues = prev_kind and (status or (prev_kind == "reflex" and reflex_grades))
    if not comps and continues and len(text[lo:hi].split()) <= 4 and not motor_grades:
        # "L Achilles 0, R 2+": a side and a grade continue the previous part
        comps = [(lo, lo, str(prev_kind))]
    if comps and cl.subjective and not cl.exam_sentence:
        return found_kinds[-1] if found_kinds else None
    for i, (a, e, kind) in enumerate(comps):
        nxt = comps[i + 1][0] if i + 1 < len(comps) else hi
        prv = comps[i - 1][1] if i else lo
        candidates = [(s, x, ab) for s, x, ab in status]
        if kind == "reflex":
            for m in reflex_grades:
                if any(sa <= m.start() < sx for sa, sx in spans_taken):
                    continue
                # 2+ is normal (NINDS scale); 0, trace and 1+ are diminished, 3+ and 4+ brisk
                candidates.append((m.start(), m.end(), int(m["grade"]) != 2))
        if kind == "motor" and any(
            a <= m.start() <= nxt + 12 or prv <= m.start() < a for m in motor_grades
        ):
            continue  # "strength 4/5": the grade is the finding
        after = [x for x in candidates if e <= x[0] < nxt]
        before = [x for x in candidates if prv <= x[1] <= a]
        rest_after = [x for x in candidates if x[0] >= e]
        rest_before = [x for x in candidates if x[1] <= a]
        pick = None
        if after:
            pick = min(after, key=lambda x: x[0])
        elif before:
            pick = max(before, key=lambda x: x[1])
        elif rest_after:
            pick = min(rest_after, key=lambda x: x[0])
        elif rest_before:
            pick = max(rest_before, key=lambda x: x[1])
        if pick is None:
            continue
        s, x, abnormal = pick
        if kind == "reflex" and abnormal and c.symmetric and c.symmetric.search(text, lo, hi):
            abnormal = False  # alike on both sides: no focal deficit
        masked = [(sa, sx) for sa, sx, _ in status]
        # "sensory examination showed no deficit": a denial between the part and its status
        neg = _negated_at(text, cl, max(a, s), c, masked) if not cl.carried else False
        emit(kind, abnormal, [(a, e), (s, x)] if a != e else [(s, x)], None, a, negated=neg)
    return found_kinds[-1] if found_kinds else (comps[-1][2] if comps else None)


def _normal_exam(b: Any, cl: Clause, c: _Compiled, out: list[_Found]) -> None:
    for m in _finditer(c.normal_exam, b.text, cl.start, cl.end):
        for kind in PARTS:
            v = _exam_value(
                region=_region(b.text, cl, m.start()),
                kind=kind,
                sign="radicular",
                test="neurologic_examination",
                abnormal=False,
                text=re.sub(r"\s+", " ", m.group()),
            )
            out.append(_Found("exam_finding", v, [m.span()], Assertion.NEGATED))


def _radicular_claim(b: Any, cl: Clause, c: _Compiled, out: list[_Found]) -> None:
    """A radiculopathy named with a side or a root, for the studies to match."""
    text = b.text
    for m in _finditer(c.radicular_claim, text, cl.start, cl.end):
        if _negated_at(text, cl, m.start(), c, []):
            continue
        if c.uncertain and c.uncertain.search(text, cl.start, m.start()):
            continue
        side = _side(text, m.start(), m.end(), (cl.start, cl.end), c)
        root = _root(text, cl.start, cl.end)
        if side is None and root is None:
            continue
        v = _exam_value(
            region=_region(text, cl, m.start()), kind="impression", sign="radicular_level",
            side=side, root=root, abnormal=True, text=re.sub(r"\s+", " ", m.group()),
        )  # fmt: skip
        out.append(_Found("exam_finding", v, [m.span()], Assertion.PRESENT))


# --- named tests ---------------------------------------------------------------------------


def _tests(b: Any, cl: Clause, c: _Compiled, out: list[_Found]) -> list[tuple[int, int]]:
    text = b.text
    lo, hi = cl.start, cl.end
    hits = []
    for test, sign, rx in _live(c.tests, text):
        for m in rx.finditer(text, lo, hi):
            hits.append((m.start(), m.end(), test, sign))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    kept: list[tuple[int, int, str, str]] = []
    for h in hits:
        if not kept or h[0] >= kept[-1][1]:
            kept.append(h)
    if not kept:
        return []
    # Tests joined by "/" or "and" share a result ("Tinel/Phalen +").
    groups: list[list[tuple[int, int, str, str]]] = []
    for h in kept:
        if groups and re.fullmatch(r"\s*(?:/|and|&|or|,)?\s*", text[groups[-1][-1][1] : h[0]]):
            groups[-1].append(h)
        else:
            groups.append([h])
    results = []
    for kind in ("not_radicular", "positive", "negative"):
        for m in _finditer(c.results.get(kind), text, lo, hi):
            if any(a <= m.start() < e for a, e, _, _ in kept):
                continue
            results.append((m.start(), m.end(), kind))
    # the longest result at a place ("back pain only" over "pain")
    results.sort(key=lambda r: (r[0], -(r[1] - r[0])))
    for gi, group in enumerate(groups):
        g_start, g_end = group[0][0], group[-1][1]
        nxt = groups[gi + 1][0][0] if gi + 1 < len(groups) else hi
        prv = groups[gi - 1][-1][1] if gi else lo
        sign = group[0][3]
        mine = [r for r in results if g_end <= r[0] < nxt] or [
            r for r in results if prv <= r[1] <= g_start
        ]
        if sign != "radicular":
            mine = [r for r in mine if r[2] != "not_radicular"]
        if not mine:
            negated = _negated_at(text, cl, g_start, c, [])
            if not negated:
                continue
            result: tuple[int, int, str] | None = None
            positive = False
        else:
            kinds = {r[2] for r in mine}
            if "not_radicular" in kinds:
                result = next(r for r in mine if r[2] == "not_radicular")
                positive = False
            else:
                result = min(mine, key=lambda r: abs(r[0] - g_end))
                positive = result[2] == "positive"
                if positive and result[0] < g_start and _negated_at(text, cl, result[0], c, []):
                    positive = False  # "no laxity on load and shift": the finding is denied
        degrees = None
        if m := c.angle.search(text, g_end, nxt):
            degrees = (
                float(number_value(m["deg"]) or 0) if not m["deg"].isdigit() else float(m["deg"])
            )
        for a, e, test, sgn in group:
            spans = [(a, e)] + ([result[:2]] if result else [])
            v = _exam_value(
                region=_region(text, cl, a),
                kind="provocative_test",
                sign=sgn,
                test=test,
                side=_side(text, a, e, (lo, hi), c),
                root=_root(text, lo, hi),
                value=degrees,
                unit="degrees" if degrees is not None else None,
                abnormal=positive,
                text=re.sub(r"\s+", " ", text[a : max(e, result[1] if result else e)]),
            )
            out.append(
                _Found(
                    "exam_finding", v, spans, Assertion.PRESENT if positive else Assertion.NEGATED
                )
            )
    return [(h[0], h[1]) for h in kept]


# --- motion ----------------------------------------------------------------------------------


def _limited_movement(
    text: str, a: int, e: int, sentence: tuple[int, int], c: _Compiled
) -> tuple[int, int] | None:
    """The words that say a movement written without an angle is limited, across a list of
    movements in its sentence: "decreased flexion, extension and lateral bending",
    "flexion and extension were limited". Between them only other movements, commas and
    "and"/"or"; a denial before the words leaves it unsaid."""
    if c.limited is None:
        return None
    s_start, s_end = sentence
    moves = sorted(
        (m.start(), m.end())
        for _, rx in _live(c.movements, text)
        for m in rx.finditer(text, s_start, s_end)
    )
    joiners = r"(?:\s|,|and\b|or\b|&|/|were\b|was\b|is\b|are\b|both\b|all\b)*"

    def only_movements(start: int, end: int) -> bool:
        gaps, at = [], start
        for s, x in moves:
            if at <= s and x <= end:
                gaps.append(text[at:s])
                at = x
        gaps.append(text[at:end])
        return all(re.fullmatch(joiners, g, re.I) for g in gaps)

    before = list(_finditer(c.limited, text, s_start, a))
    if before and only_movements(before[-1].end(), a):
        said = before[-1]
    elif (after := c.limited.search(text, e, s_end)) and only_movements(e, after.start()):
        said = after
    else:
        return None
    if c.negation and c.negation.search(
        text, max(s_start, min(a, said.start()) - 12), min(a, said.start())
    ):
        return None  # "denies decreased flexion"
    return said.span()


def _motion(b: Any, cl: Clause, c: _Compiled, out: list[_Found]) -> None:
    text = b.text
    lo, hi = cl.start, cl.end
    ranges = c.ranges
    region = _region(text, cl, lo)
    taken: list[tuple[int, int]] = []

    def emit(kind_value: dict[str, Any], spans: list[tuple[int, int]], abnormal: bool) -> None:
        a, e = min(s for s, _ in spans), max(x for _, x in spans)
        v = _exam_value(
            kind="range_of_motion",
            sign="mobility",
            side=_side(text, a, e, (lo, hi), c),
            abnormal=abnormal,
            text=re.sub(r"\s+", " ", text[a:e]),
            **kind_value,
        )
        out.append(
            _Found("exam_finding", v, spans, Assertion.PRESENT if abnormal else Assertion.NEGATED)
        )
        taken.extend(spans)

    for rx in c.lag:
        for m in rx.finditer(text, lo, hi):
            movement = m["movement"].lower()
            deg = float(number_value(m["deg"]) or 0)
            reg = region or ranges.implied_region.get(movement)
            emit({"region": reg, "test": movement, "value": -deg, "normal": 0.0, "unit": "degrees"},
                 [m.span()], deg > ranges.lag_degrees)  # fmt: skip
    moves = []
    for movement, rx in _live(c.movements, text):
        for m in rx.finditer(text, lo, hi):
            if any(a <= m.start() < e for a, e in taken):
                continue
            moves.append((m.start(), m.end(), movement))
    moves.sort()
    s_start, s_end = cl.sentence
    ranged = bool(c.range_words and c.range_words.search(text, s_start, s_end)) or any(
        r in ranges.normal for _, r in cl.regions
    )
    # "90 degrees of flexion, 30 degrees of extension": an angle written just before its
    # movement is that movement's, never the one before it
    befores: dict[int, re.Match[str]] = {}
    for i, (a, _, _) in enumerate(moves):
        prev_end = moves[i - 1][1] if i else lo
        if (before := c.angle_before.search(text, max(prev_end, a - 30), a)) is not None:
            befores[i] = before
    for i, (a, e, movement) in enumerate(moves):
        nxt = moves[i + 1][0] if i + 1 < len(moves) else hi
        span_end = e
        if (m := befores.get(i)) is not None:
            a = m.start()
        else:
            m = c.angle.match(text, e) or c.angle.search(text, e, nxt)
            if (not m or m.start() - e > 25) and ranged:
                m = c.bare_angle.match(text, e)
            if m and any(b.start() <= m.start("deg") < b.end() for b in befores.values()):
                m = None
            if m:
                span_end = m.end()
        if not m or m.start() - e > 25:
            if (p := c.percent.match(text, e)) and p.end() <= hi:
                share = float(p["pct"])
                emit({"region": _region(text, cl, a), "test": movement, "value": share,
                      "normal": 100.0, "unit": "percent of normal"},
                     [(a, p.end())], share < 100 * ranges.tolerance)  # fmt: skip
            elif said := _limited_movement(text, a, e, cl.sentence, c):
                emit({"region": _region(text, cl, a), "test": movement}, [(a, e), said], True)
            continue
        d = m["deg"]
        deg = float(d) if d.isdigit() else float(number_value(d) or 0)
        reg = _region(text, cl, a) or ranges.implied_region.get(movement)
        normal = ranges.normal.get(reg or "", {}).get(movement)
        if normal is None:
            continue
        abnormal = deg < normal * ranges.tolerance if normal > 0 else deg < -ranges.lag_degrees
        emit({"region": reg, "test": movement, "value": deg, "normal": normal, "unit": "degrees"},
             [(a, span_end)], abnormal)  # fmt: skip
    if region in ranges.normal and ranges.normal[region].get("extension") == 0:
        # "knee ROM 0-120": extension lag, then flexion
        for m in _finditer(c.arc, text, lo, hi):
            if any(a <= m.start() < e for a, e in taken) or not c.range_words.search(text, lo, hi):
                continue
            lag, flex = float(m["lo"]), float(m["hi"])
            normal = ranges.normal[region]["flexion"]
            emit({"region": region, "test": "flexion", "value": flex, "normal": normal,
                  "unit": "degrees"}, [m.span()], flex < normal * ranges.tolerance)  # fmt: skip
            emit({"region": region, "test": "extension", "value": -lag, "normal": 0.0,
                  "unit": "degrees"}, [m.span()], lag > ranges.lag_degrees)  # fmt: skip
    for m in _finditer(c.full_phrases, text, lo, hi):
        if not any(a <= m.start() < e for a, e in taken):
            emit({"region": region}, [m.span()], False)
    for m in _finditer(c.limited_phrases, text, lo, hi):
        if not any(a <= m.start() < e for a, e in taken):
            emit({"region": region}, [m.span()], True)
    for m in _finditer(c.range_words, text, lo, hi):
        if any(a <= m.start() < e for a, e in taken):
            continue
        limited = [x for x in _finditer(c.limited, text, lo, hi)]
        full = [x for x in _finditer(c.full, text, lo, hi)]
        near = [(abs(x.start() - m.start()), x, True) for x in limited] + [
            (abs(x.start() - m.start()), x, False) for x in full
        ]
        if not near:
            continue
        _, x, abnormal = min(near, key=lambda t: t[0])
        if _negated_at(text, cl, min(m.start(), x.start()), c, []):
            abnormal = not abnormal
        emit({"region": _region(text, cl, m.start())}, [m.span(), x.span()], abnormal)
    for m in c.grip.finditer(text, lo, cl.sentence[1]):
        if m.start() >= hi:
            break
        a_val, b_val = float(m["a"]), float(m["b"])
        if max(a_val, b_val) <= 0:
            continue
        ratio = min(a_val, b_val) / max(a_val, b_val)
        weak = ratio < c.grip_ratio
        v = _exam_value(
            region="hand",
            kind="function",
            sign="grip",
            test="grip",
            value=min(a_val, b_val),
            normal=max(a_val, b_val),
            abnormal=weak,
            text=re.sub(r"\s+", " ", m.group()),
        )
        out.append(
            _Found("exam_finding", v, [m.span()], Assertion.PRESENT if weak else Assertion.NEGATED)
        )


# --- phrases of the finding files -------------------------------------------------------------


def _phrase_hits(text: str, c: _Compiled) -> list[tuple[int, int, bool, _PhraseRx]]:
    """Every phrase of the finding files in the text: start, end, stated present or
    absent, and its rule."""
    found = []
    # Where any phrase can begin, then each rule tried there.
    in_text = text_pieces(text)
    places = sorted(
        {
            m.start()
            for sieves, locator in c.phrase_locators
            if any(s.may_match(in_text) for s in sieves)
            for m in locator.finditer(text, in_text)
        }
    )
    for p in c.phrases:
        hits: list[tuple[int, int, bool]] = []
        absent: list[tuple[int, int]] = []
        present: list[tuple[int, int]] = []
        for at in places:
            free = not (absent and absent[-1][1] > at)
            if p.absent and free and (m := p.absent.match(text, at)) and m.end() > at:
                absent.append(m.span())
                hits.append((m.start(), m.end(), False))
                continue
            free = not (present and present[-1][1] > at)
            if p.present and free and (m := p.present.match(text, at)) and m.end() > at:
                present.append(m.span())
        ends = [e for _, e in absent]
        for start, end in present:
            i = bisect.bisect_right(ends, start)  # the first absent span ending after it
            if i < len(absent) and absent[i][0] < end:
                continue  # inside a denial ("no instability")
            hits.append((start, end, True))
        for n, rx in p.numbers:
            if not sieve(rx).may_match(in_text):
                continue  # no match in the text (needles.py)
            for m in rx.finditer(text):
                raw = m["n"]
                try:
                    value = float(raw)
                except ValueError:
                    value = float(number_value(raw) or 0)
                if n.present_at_least is not None and value >= n.present_at_least:
                    hits.append((m.start(), m.end(), True))
                elif n.absent_below is not None and value < n.absent_below:
                    hits.append((m.start(), m.end(), False))
        found += [(start, end, present, p) for start, end, present in hits]
    return sorted(found, key=lambda h: (h[0], h[1]))


def _phrases(
    b: Any, hits: list[tuple[int, int, bool, _PhraseRx]], clauses: list[Clause], c: _Compiled,
    out: list[_Found],
) -> None:  # fmt: skip
    text = b.text
    starts = [cl.start for cl in clauses]
    for start, end, present, p in hits:
        rule = p.rule
        cl = _clause_of(clauses, starts, start)
        if cl is None or cl.family:
            continue
        if not rule.planned and (cl.hypothetical or (cl.hyp_at is not None and cl.hyp_at <= start)):
            continue
        if cl.resolved and not rule.past:
            continue
        if rule.objective and cl.subjective:
            continue
        if p.not_with and p.not_with.search(
            text, max(cl.start, start - _NEAR), min(cl.end, end + _NEAR)
        ):
            continue
        stated = present and not _negated_at(text, cl, start, c, [])
        doubt = bool(c.uncertain and c.uncertain.search(text, cl.start, start))
        assertion = (
            Assertion.UNCERTAIN if doubt else Assertion.PRESENT if stated else Assertion.NEGATED
        )
        value = dict(rule.value)
        if rule.fact == "exam_finding":
            value = _exam_value(
                **{
                    "region": _region(text, cl, start),
                    "side": _side(text, start, end, (cl.start, cl.end), c),
                    **rule.value,
                    "abnormal": stated,
                    "text": re.sub(r"\s+", " ", text[start:end]),
                }
            )
        elif rule.fact == "history_finding":
            value = {**rule.value, "text": re.sub(r"\s+", " ", text[start:end])}
        out.append(_Found(rule.fact, value, [(start, end)], assertion))


_NEAR = 30  # characters either side of a mention that ``not_with`` reads


def _clause_of(clauses: list[Clause], starts: list[int], at: int) -> Clause | None:
    i = bisect.bisect_right(starts, at) - 1
    if i >= 0 and clauses[i].start <= at < clauses[i].end:
        return clauses[i]
    return None


# --- entry point ------------------------------------------------------------------------------


def exam_facts(b: Any) -> None:
    """The examination's findings in the builder's text, added as facts to the builder."""
    c = _compiled()
    text = b.text
    out: list[_Found] = []
    all_clauses: list[Clause] = []
    sections = _Sections(text)
    hits = _phrase_hits(text, c)
    hit_starts = [h[0] for h in hits]
    signs = [m.start() for m in c.trigger.finditer(text, text_pieces(text))]
    sentences = b.analysis.sentences
    # The regions of the whole text, read once: each sentence takes those within it.
    found = lexicon().find_regions(text)
    named = [(h.start, h.value) for h in found]
    named_starts = [start for start, _ in named]
    for k, sentence in enumerate(sentences):
        s_start, s_end = sentence
        i = bisect.bisect_left(hit_starts, s_start)
        has_phrase = i < len(hit_starts) and hit_starts[i] < s_end
        j = bisect.bisect_left(signs, s_start)
        has_sign = j < len(signs) and signs[j] < s_end
        if not (has_phrase or has_sign):
            continue
        clauses = _clauses(text, sentence, c, sections)
        all_clauses.extend(clauses)
        lo, hi = bisect.bisect_left(named_starts, s_start), bisect.bisect_left(named_starts, s_end)
        regions = [(h.start, h.value) for h in found[lo:hi] if h.end <= s_end] or _carried_region(
            text, sentences, k, named, named_starts
        )
        for cl in clauses:
            cl.regions = [r for r in regions if r[0] < cl.end]
        if not has_sign:
            continue
        prev_kind = None
        for cl in clauses:
            if cl.hypothetical or cl.family or cl.resolved or cl.deferred:
                prev_kind = None
                continue
            if cl.hyp_at is not None:  # read the clause up to the plan's wording
                cl = dataclasses.replace(cl, end=max(cl.start, cl.hyp_at))
            _normal_exam(b, cl, c, out)
            _radicular_claim(b, cl, c, out)
            tested = _tests(b, cl, c, out)
            if not tested:
                _motion(b, cl, c, out)
            prev_kind = _neuro(b, cl, c, prev_kind, out)
    _phrases(b, hits, all_clauses, c, out)
    seen: set[tuple] = set()
    for f in out:
        key = (f.kind, tuple(sorted(f.spans)), f.assertion, str(sorted(f.value.items())))
        if key in seen:
            continue
        seen.add(key)
        b.add(f.kind, f.value, f.spans, f.assertion)
