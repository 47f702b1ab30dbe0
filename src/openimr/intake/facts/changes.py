"""Changes over treatment: what was measured, its values before and after, which way it
went and the treatment it is credited to (fact kind ``measured_change``).

The words are data (rules/changes.yaml); the grammar is here. Each sentence is read on its
own and cut into clauses (at commas, semicolons and "but"): a clause's direction words
("improved", "unchanged", "plateaued", "no relief") apply to the measures of that clause,
so that "pain unchanged, function improved" is two changes, one of each. Values written
as a change ("15 -> 45 min", "from 8/10 to 4/10", "one at night instead of three",
"7/10 without and 3/10 with the medication") give the direction by the measure's sense
(a higher pain score is worse, a longer sitting tolerance better). A change in a sentence
that only states a goal, a plan or a guideline ("goal: improve sitting tolerance") is no
change of the patient's.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import Field

from openimr.fact_kinds import typed_value
from openimr.intake.alternation import Alternation
from openimr.intake.facts.spans import longest_first
from openimr.intake.grouped import alternation
from openimr.intake.lexicon import Hit, lexicon, whole_words
from openimr.intake.needles import Sieves, kept_pieces, searchable
from openimr.intake.numbers import number_value
from openimr.intake.ruleset import RuleModel, compile_pattern, load_rules
from openimr.model import Evidence, Fact

RULE_FILE = "changes.yaml"
KIND = "measured_change"


class Measure(RuleModel):
    category: str
    higher: str
    patterns: list[str]


class LimbRules(RuleModel):
    mentions: list[str]
    severe: list[str]
    mild: list[str]
    absent: list[str]
    past: list[str]


class ChangeRules(RuleModel):
    measures: dict[str, Measure]
    directions: dict[str, list[str]]
    side_effects: list[str]
    transitions: list[str]
    percent_relief: list[str]
    fractions: dict[int, list[str]]
    frequencies: dict[str, int]
    credit_cues: list[str]
    weak_credit_cues: list[str]
    pronouns: list[str]
    state_adjectives: list[str] = Field(default_factory=list)
    state_categories: list[str] = Field(default_factory=list)
    treatments: dict[str, list[str]]
    generic: list[str]
    hypothetical: list[str]
    without: list[str] = Field(default_factory=list)
    negation: list[str] = Field(default_factory=list)
    negation_not_stated: list[str] = Field(default_factory=list)
    reversals: list[str] = Field(default_factory=list)
    doing: list[str] = Field(default_factory=list)
    minimal_change_percent: float
    limb_symptoms: LimbRules | None = None


# How each direction word class reads: the direction it gives, and whether it needs a
# measure in its clause (a bare "now" or "still" says nothing of a treatment).
_CLASSES = {
    "better": ("better", False),
    "better_if_measured": ("better", True),
    "worse": ("worse", False),
    "unchanged": ("unchanged", False),
    "unchanged_if_measured": ("unchanged", True),
    "no_effect": ("no_effect", False),
    "no_effect_if_measured": ("no_effect", True),
    "up": ("up", True),
    "down": ("down", True),
    "not_assessed": ("not_assessed", False),
    "not_tried": ("not_tried", False),
    "not_tolerated": ("not_tolerated", False),
    "tolerated": ("tolerated", False),
    "limited": ("limited", True),
    "independent": ("independent", True),
}

# Number words and the units a value is written with, one phrase each in the order they
# are tried, grouped by first character (grouped.py: the same matches, fewer trials).
_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
_TEENS = "fifteen sixteen seventeen eighteen nineteen"
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
_TENS_UNITS = r"(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?"
_WORD_NUMBERS = alternation(
    [
        *f"{_ONES} {_TEENS}".split(),
        *[f"{tens}{_TENS_UNITS}" for tens in _TENS.split()],
        r"a\s+hundred",
        r"one\s+hundred",
    ]
)
_UNITS = (
    r"(?:\s*"
    + alternation(
        [
            r"/\s*(?:10|5|day|d|wk|week)\b",
            "%",
            r"percent\b",
            r"deg(?:rees?)?\b",
            "°",
            r"lbs?\b",
            r"pounds?\b",
            r"kg\b",
            r"min(?:utes?)?\b",
            r"hours?\b",
            r"hrs?\b",
            r"h\b",
            r"mg\b",
            r"mcg\b",
            r"blocks?\b",
            r"miles?\b",
            r"mi\b",
            r"feet\b",
            r"ft\b",
            r"(?:tabs?|tablets?|pills?)\b",
            r"x\s*/\s*day",
            r"times\s+(?:a|per)\s+day",
            r"(?:a|per)\s+day",
        ]
    )
    + r")*"
)


@cache
def change_rules() -> ChangeRules:
    return load_rules(RULE_FILE, ChangeRules)


def _value_pattern(rules: ChangeRules) -> str:
    frequencies = "|".join(sorted(rules.frequencies, key=len, reverse=True))
    digits = r"(?<![\w./])\d+(?:\.\d+)?(?:\s*[+-](?=\s*/\s*5))?(?![\d])"
    number = rf"(?:{digits}|(?<!\w){_WORD_NUMBERS}(?!\w))"
    return rf"(?:{number}{_UNITS}(?:\s+(?:{frequencies})\b)?|(?<!\w)(?:{frequencies})(?!\w))"


class _Compiled:
    def __init__(self) -> None:
        r = change_rules()
        self.rules = r
        side = "(?:" + "|".join(r.side_effects) + ")"
        value = _value_pattern(r)

        def filled(pattern: str) -> str:
            return pattern.replace("{N}", value).replace("{SIDE_EFFECT}", side)

        def rx(pattern: str) -> re.Pattern[str]:
            return compile_pattern(filled(pattern), RULE_FILE)

        def words(patterns: list[str]) -> re.Pattern[str]:
            return rx(whole_words(patterns))

        def phrases(patterns: list[str]) -> Alternation:
            """``words(patterns)``, searched with only the phrases that can match."""
            return Alternation(patterns, lambda ps: filled(whole_words(ps)), words(patterns))

        drugs = lexicon().drug_names.pattern
        self.measures = []
        for name, m in r.measures.items():
            patterns = [p for p in m.patterns if p != "{DRUG}"]
            self.measures.append((name, m, phrases(patterns) if patterns else None))
            if "{DRUG}" in m.patterns:
                self.drug_measure = (name, m)
        self.drugs = re.compile(drugs, re.IGNORECASE)
        self.directions = [(cls, phrases(ps)) for cls, ps in r.directions.items()]
        self.transitions = [rx(p) for p in r.transitions]
        self.percent = [rx(p) for p in r.percent_relief]
        self.fractions = [(share, phrases(ps)) for share, ps in r.fractions.items()]
        self.frequencies = [(words([p]), n) for p, n in r.frequencies.items()]
        # The sieve of each pattern read sentence by sentence (needles.py), by its id: the
        # patterns live as long as this object.
        per_sentence = [a.full for _, a in self.directions] + self.transitions + self.percent
        per_sentence += [a.full for _, a in self.fractions]
        per_sentence += [a.full for _, _, a in self.measures if a is not None]
        self.sieves = Sieves(per_sentence)
        self.sieve_index = {id(rx): i for i, rx in enumerate(per_sentence)}
        self.credit = words(r.credit_cues + r.weak_credit_cues)
        self.weak_credit = words(r.weak_credit_cues)
        self.state = words(r.state_adjectives) if r.state_adjectives else None
        self.pronoun = rx(r"\W*(?:" + whole_words(r.pronouns) + r")")
        self.treatments = [(kind, words(ps)) for kind, ps in r.treatments.items()]
        self.generic = words(r.generic)
        self.hypothetical = words(r.hypothetical)
        self.without = words(r.without) if r.without else None
        limb = r.limb_symptoms
        self.limb = (
            {
                name: words(getattr(limb, name))
                for name in ("mentions", "severe", "mild", "absent", "past")
            }
            if limb
            else None
        )
        # A denial reaches over a short list: "no log of use, pain relief or function".
        self.negation = rx(
            r"(?:"
            + whole_words(r.negation)
            + r")\s+(?:[\w/-]+(?:\s*,\s*|\s+or\s+|\s+and\s+|\s+)){0,6}?$"
        )
        self.not_stated = words(r.negation_not_stated or ["documented"])
        self.reversal = rx(r"(?:" + whole_words(r.reversals) + r")") if r.reversals else None
        self.doing = words(r.doing or ["(?!)"])


@cache
def _compiled() -> _Compiled:
    return _Compiled()


@dataclass
class _Mention:
    start: int
    end: int
    name: str
    category: str
    higher: str


@dataclass
class _Treatment:
    start: int
    end: int
    kind: str
    text: str


@dataclass
class Change:
    """One change found: the values of a ``measured_change`` fact and its evidence spans."""

    value: dict[str, Any]
    spans: list[tuple[int, int]]


def _read_value(text: str, c: _Compiled) -> float | None:
    """The number a value is written with: "45 min" 45, "3.5/10" 3.5, "4-/5" 3.7,
    "eight" 8, "BID" 2, "1 at bedtime" 1; hours in minutes ("one hour" 60)."""
    n = _number(text.strip(), c)
    if n is not None and re.search(r"\b(?:hours?|hrs?|h)\b", text, re.IGNORECASE):
        return n * 60
    return n


def _number(text: str, c: _Compiled) -> float | None:
    if m := re.match(r"(\d+(?:\.\d+)?)\s*([+-])?", text):
        n = float(m.group(1))
        if m.group(2):
            n += 0.3 if m.group(2) == "+" else -0.3
        return n
    first = re.match(r"(?:a\s+|one\s+)?hundred|[a-z]+(?:[\s-][a-z]+)?", text, re.IGNORECASE)
    if first:
        for candidate in (first.group(), first.group().split()[0].split("-")[0]):
            if "hundred" in candidate.lower():
                return 100.0
            n = number_value(candidate)
            if n is not None:
                return float(n)
    for rx, n in c.frequencies:
        if rx.fullmatch(text) or rx.match(text):
            return float(n)
    return None


def _clauses(text: str, start: int, end: int, more: list[int]) -> list[tuple[int, int]]:
    """A sentence cut at semicolons, commas (not inside numbers), contrast words and the
    offsets ``more``."""
    cuts = sorted({start, *more})
    for m in re.finditer(
        r";|(?<!\d),|,(?!\d)|\s(?:but|though|although|however|whereas|yet)\s", text[start:end]
    ):
        cuts.append(start + m.end())
    cuts = sorted(set(cuts))
    cuts.append(end)
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def _in(span: tuple[int, int], clause: tuple[int, int]) -> bool:
    return clause[0] <= span[0] < clause[1]


def _distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    if a[1] <= b[0]:
        return b[0] - a[1]
    if b[1] <= a[0]:
        return a[0] - b[1]
    return 0


def _category_of_value(text: str) -> str | None:
    t = text.lower()
    if "/10" in t.replace(" ", ""):
        return "pain"
    if "/5" in t.replace(" ", ""):
        return "strength"
    if re.search(r"deg|°", t):
        return "motion"
    if re.search(r"/\s*(?:day|d)\b|per\s+day|a\s+day|tabs?|tablets?|pills?|\bmg\b|\bmcg\b", t):
        return "medication"
    if re.search(r"\bkg\b", t):
        return "strength"
    return None


def find_changes(text: str, sentences: list[tuple[int, int]]) -> list[Change]:
    c = _compiled()
    found: list[Change] = []
    services = [
        _Treatment(h.start, h.end, h.value, h.text)
        for h in lexicon().find_services(text)
        if h.value not in {"unknown"}
    ]
    drugs = lexicon().find_drugs(text)
    treatments = services + [
        _Treatment(h.start, h.end, f"drug:{lexicon().drug_info(h.value).generic}", h.text)
        for h in drugs
    ]
    # The treatments' spans in order of start, for the ones near a match (a long text has
    # thousands): none is longer than ``longest``.
    spans = sorted((t.start, t.end) for t in treatments)
    starts = [start for start, _ in spans]
    longest = max((end - start for start, end in spans), default=0)

    def near(lo: int, hi: int) -> list[tuple[int, int]]:
        return spans[bisect.bisect_left(starts, lo) : bisect.bisect_left(starts, hi)]

    for kind, rx in searchable(c.treatments, text):
        for m in rx.finditer(text):
            m_start, m_end = m.span()
            if any(s < m_end and m_start < e for s, e in near(m_start - longest, m_end)):
                continue
            # "TENS unit trial", "the H-wave rental trial": part of the name before it
            # (a name that ends at most 12 characters before it)
            if any(_joined(text, e, m_start) for _, e in near(m_start - 12 - longest, m_start + 1)):
                continue
            treatments.append(_Treatment(m_start, m_end, kind, m.group()))
            i = bisect.bisect_left(starts, m_start)
            starts.insert(i, m_start)
            spans.insert(i, (m_start, m_end))
            longest = max(longest, m_end - m_start)
    treatments.sort(key=lambda t: t.start)
    # Each sentence's treatments and drugs by bisection (both in order of where they start;
    # find_drugs reads them in one pass): a long text has thousands of each.
    treatment_starts = [t.start for t in treatments]
    drug_starts = [d.start for d in drugs]
    inherited: list[_Treatment] = []
    for s_start, s_end in sentences:
        sentence = text[s_start:s_end]
        here = _starting(treatments, treatment_starts, s_start, s_end)
        drugs_here = _starting(drugs, drug_starts, s_start, s_end)
        said_of_patient = bool(sentence.strip()) and not c.generic.search(sentence)
        if said_of_patient:
            found += _sentence(text, s_start, s_end, here, drugs_here, c, inherited)
        elif sentence.strip():
            # A guideline or a reviewer's reading of it: only what it says is not on record
            # ("no documentation of functional improvement") is kept.
            said = _sentence(text, s_start, s_end, here, drugs_here, c, inherited)
            found += [ch for ch in said if ch.value["direction"] == "not_assessed"]
        if said_of_patient:
            found += _limb_symptoms(text, s_start, s_end, c)
        # A course named in one sentence is what the next one's changes follow from
        # ("Completed 8 acupuncture sessions. She now sleeps through the night.").
        inherited = [t for t in here if t.kind != "medication" and not t.kind.startswith("drug:")]
    return found


def _limb_symptoms(text: str, s_start: int, s_end: int, c: _Compiled) -> list[Change]:
    """How bad the limb symptoms of a sentence are (measure ``limb_symptoms``, category
    ``limb``): severe or disabling, or mild, or absent ("without radiation")."""
    if c.limb is None or c.limb["past"].search(text, s_start, s_end):
        return []
    out = []
    mentions = list(c.limb["mentions"].finditer(text, s_start, s_end))
    if not mentions and (cue := c.limb["absent"].search(text, s_start, s_end)):
        # "axial pain without radiation": no limb symptoms
        mention = _Mention(cue.start(), cue.end(), "limb_symptoms", "limb", "worse")
        return [_change(mention, "mild", None, cue.span(), None, None, None)]
    for m in mentions:
        if c.hypothetical.search(text, s_start, m.start()):
            continue  # "refer if the severe leg pain persists"
        clause = next(
            (cl for cl in _clauses(text, s_start, s_end, []) if _in(m.span(), cl)), (s_start, s_end)
        )
        mention = _Mention(m.start(), m.end(), "limb_symptoms", "limb", "worse")
        for direction, where in (
            ("absent", clause),
            ("mild", clause),
            ("severe", (s_start, s_end)),
        ):
            cue = c.limb[direction].search(text, *where)
            if cue:
                d = "mild" if direction == "absent" else direction
                out.append(_change(mention, d, None, cue.span(), None, None, None))
                break
    return out


def _starting(items: list[Any], starts: list[int], lo: int, hi: int) -> list[Any]:
    """The items (in order of ``starts``) that start from ``lo`` to before ``hi``."""
    return items[bisect.bisect_left(starts, lo) : bisect.bisect_left(starts, hi)]


def _joined(text: str, end: int, start: int) -> bool:
    """Whether a word at ``start`` continues the name that ends at ``end``."""
    gap = text[end:start] if 0 <= start - end <= 12 else None
    return (
        gap is not None
        and re.fullmatch(r"[\s-]*(?:(?:rental|home|unit|device)\s*)?", gap) is not None
    )


def _sentence(
    text: str,
    s_start: int,
    s_end: int,
    mine: list[_Treatment],
    drugs: list[Hit],
    c: _Compiled,
    inherited: list[_Treatment],
) -> list[Change]:
    """The changes one sentence states; ``mine`` and ``drugs``: the treatments and drugs
    that start in it."""
    # The sentence's pieces (needles.py): a pattern whose needles are not in the sentence
    # has no match in it, and is not run.
    in_sentence = kept_pieces(text[s_start:s_end])
    passing = c.sieves.passing(in_sentence)

    def hits(rx: re.Pattern[str] | Alternation) -> Iterable[re.Match[str]]:
        if isinstance(rx, Alternation):
            if passing[c.sieve_index[id(rx.full)]]:
                return rx.finditer(text, in_sentence, s_start, s_end)
        elif passing[c.sieve_index[id(rx)]]:
            return rx.finditer(text, s_start, s_end)
        return ()

    # Direction words, longest first where they overlap.
    cue_hits = [(m.start(), m.end(), cls) for cls, rx in c.directions for m in hits(rx)]
    cues = longest_first(cue_hits)
    transitions = longest_first([(m.start(), m.end(), m) for rx in c.transitions for m in hits(rx)])
    percents = longest_first(
        [(m.start(), m.end(), m) for rx in c.percent for m in hits(rx)]
        + [(m.start(), m.end(), share) for share, rx in c.fractions for m in hits(rx)]
    )
    # Measures, not inside a direction word ("stopped working" is no work status) nor a
    # value ("ER" of "ER strength 4-/5").
    measure_hits = []
    for name, m, rx in c.measures:
        if rx is None:
            continue
        for hit in hits(rx):
            if hit.end() > hit.start():
                measure_hits.append((hit.start(), hit.end(), (name, m)))
    for d in drugs:
        name, m = c.drug_measure
        measure_hits.append((d.start, d.end, (name, m)))
    blocked = [(s, e) for s, e, _ in cues]
    measures = [
        _Mention(s, e, name, m.category, m.higher)
        for s, e, (name, m) in longest_first(measure_hits)
        if not any(bs <= s and e <= be and (bs, be) != (s, e) for bs, be in blocked)
        # a treatment's name that holds the measure's ("home exercise program") wins
        and not any(
            t.start <= s and e <= t.end and e - s < t.end - t.start and m.category != "medication"
            for t in mine
        )
    ]
    # A direction word inside a measure's words ("help" of "her husband's help") is none.
    cues = [
        (qs, qe, cls)
        for qs, qe, cls in cues
        if not any(
            m.start <= qs and qe <= m.end and (qe - qs) < (m.end - m.start) for m in measures
        )
    ]
    # A treatment named as what was measured ("no longer using the cane", "meds
    # unchanged") is not what a change is credited to, unless a cue says so.
    # Nor is a word inside a value written as a change ("from 4 tablets to 2 tablets").
    mine = [t for t in mine if not any(ts <= t.start and t.end <= te for ts, te, _ in transitions)]
    implicit = [t for t in mine if not any(m.start < t.end and t.start < m.end for m in measures)]
    if not mine:
        implicit = inherited[-1:]
    hypothetical = [m.span() for m in c.hypothetical.finditer(text, s_start, s_end)]
    creditable = [
        t
        for t in mine
        if not any(
            m.start < t.end and t.start < m.end and m.category != "medication" for m in measures
        )
    ]
    credits = _credits(text, s_start, s_end, creditable, c)
    without = c.without.search(text, s_start, s_end) if c.without else None

    changes: list[Change] = []
    # "with the medication he mows the lawn without it he stays on the couch": two states
    cuts = [m.start() for m in c.without.finditer(text, s_start, s_end)] if c.without else []
    clauses = _clauses(text, s_start, s_end, cuts)
    used_cues: set[int] = set()
    last_measures: list[_Mention] = []
    for n, clause in enumerate(clauses):
        if n and _reversed(text, clauses[n - 1], clause, c):
            # "went back to work but stopped after three weeks": the gain did not last.
            for ch in changes:
                if ch.value["direction"] == "better" and any(
                    _in(span, clauses[n - 1]) for span in ch.spans
                ):
                    ch.value["direction"] = "unchanged"
        in_clause = [m for m in measures if _in((m.start, m.end), clause)]
        # "It did not help" after "He tried the TENS unit": the treatment just named.
        pronoun = None
        if (
            inherited
            and c.pronoun.match(text, clause[0])
            and not any(_in((t.start, t.end), clause) for t in implicit)
        ):
            pronoun = inherited[-1]
        clause_cues = [(s, e, cls) for s, e, cls in cues if _in((s, e), clause)]
        if any(_in(h, clause) and h[0] <= min([m.start for m in in_clause] + [clause[1]])
               for h in hypothetical):  # fmt: skip
            # A goal or plan: said, but not a change of the patient's.
            if clause_cues:
                planned = in_clause or [_Mention(*clause_cues[0][:2], "overall", "overall", "")]
                for measure in planned:
                    changes.append(
                        _change(measure, "planned", None, (measure.start, measure.end),
                                None, None, None)
                    )  # fmt: skip
            last_measures = in_clause or last_measures
            continue
        # Values written as a change.
        for t_start, t_end, m in transitions:
            if not _in((t_start, t_end), clause):
                continue
            measure = _measure_for(m, t_start, t_end, measures, clause)
            if measure is None:
                continue
            before = _read_value(m["before"], c)
            after = _read_value(m["after"], c) if m.groupdict().get("after") else before
            if before is None or after is None:
                continue
            direction = _numeric_direction(before, after, measure.higher, c)
            percent = None
            if measure.category == "pain" and before > 0:
                percent = round((before - after) / before * 100, 1)
            credit = _credit_for(
                measure, (t_start, t_end), clause, credits, implicit, pronoun=pronoun
            )
            changes.append(
                _change(measure, direction, credit, (t_start, t_end), before, after, percent)
            )
            used_cues.update(i for i, (s, e, _) in enumerate(cues) if s < t_end and t_start < e)
        # Relief as a share ("50% relief", "cuts it in half"): a change of pain.
        for p_start, p_end, m in percents:
            if not _in((p_start, p_end), clause):
                continue
            share = m if isinstance(m, int) else _read_value(m["pct"], c)
            if share is None or share > 100:
                continue
            pain = _Mention(p_start, p_end, "pain", "pain", "worse")
            credit = _credit_for(pain, (p_start, p_end), clause, credits, implicit, pronoun=pronoun)
            direction = "better" if share > 0 else "unchanged"
            changes.append(_change(pain, direction, credit, (p_start, p_end), None, None, share))
            used_cues.update(i for i, (s, e, _) in enumerate(cues) if s < p_end and p_start < e)
        # Direction words.
        measured = [
            m
            for m in in_clause
            if not _covered(m, changes)
            and not any(ps <= m.start and m.end <= pe for ps, pe, _ in percents)
        ]
        live = [
            i for i, (qs, qe, _) in enumerate(cues) if i not in used_cues and _in((qs, qe), clause)
        ]
        # Each measure of the clause takes the direction word nearest it ("less pain and
        # back to full duty": less of pain, back to full duty).
        nearest = {
            id(m): min(live, key=lambda i: (_distance(cues[i][:2], (m.start, m.end)), -i))
            for m in measured
            if live
        }
        for i, (q_start, q_end, cls) in enumerate(cues):
            if i not in live:
                continue
            if measured:
                attached = [m for m in measured if _attached(text, cues[i], m)]
                targets = attached or [m for m in measured if nearest.get(id(m)) == i]
                targets = [m for m in targets if not _state(text, cues[i], m, c)]
                if not targets:
                    continue
            else:
                targets = last_measures
            direction, needs_measure = _CLASSES.get(cls, (cls, False))
            denied = None
            if direction in {"better", "up", "down"}:
                window = max(s_start, q_start - 60)
                cut = list(re.finditer(r";|\sbut\s|\.\s", text[window:q_start]))
                if cut:
                    window += cut[-1].end()
                denied = c.negation.search(text, window, q_start)
                # "without restrictions now": the denial is of the measure between
                if (
                    denied
                    and not c.not_stated.search(denied.group())
                    and any(denied.start() <= m.start and m.end <= q_start for m in measures)
                ):
                    denied = None
            if denied:
                # "no reduction in medication": no change; "no documentation of
                # decreased use": not stated either way.
                if c.not_stated.search(denied.group()):
                    direction = "not_assessed"
                else:
                    direction = "no_effect" if direction == "better" else "unchanged_amount"
                needs_measure = True
            if targets:
                for measure in targets:
                    d = _direction_for(measure, direction)
                    if needs_measure and measure.category == "medication" and d == "effective":
                        d = None  # "now on gabapentin" says nothing of its effect
                    if d is None:
                        continue
                    credit = _credit_for(
                        measure, (q_start, q_end), clause, credits, implicit, pronoun=pronoun
                    )
                    percent = 0.0 if measure.category == "pain" and d == "unchanged" else None
                    if cls == "no_effect" and measure.category == "pain":
                        percent = 0.0
                    changes.append(
                        _change(measure, d, credit, (q_start, q_end), None, None, percent,
                                measure_span=(measure.start, measure.end))
                    )  # fmt: skip
            elif not needs_measure:
                overall = _Mention(q_start, q_end, "overall", "overall", "better")
                credit = _credit_for(
                    overall,
                    (q_start, q_end),
                    clause,
                    credits,
                    implicit,
                    near=True,
                    pronoun=pronoun,
                )
                d = "unchanged" if direction == "no_effect" else direction
                if d in {"up", "down"}:
                    continue
                changes.append(_change(overall, d, credit, (q_start, q_end), None, None, None))
        # Function stated with and without a treatment ("with the medication he mows the
        # lawn; without it he stays on the couch"), or on it: credited to that treatment.
        if not clause_cues:
            for measure in in_clause:
                if measure.category not in {"function", "work"} or _covered(measure, changes):
                    continue
                credit = _credit_for(measure, (measure.start, measure.end), clause, credits, [])
                if credit is None and (without or not c.doing.search(text, *clause)):
                    continue
                d = "better" if without else "stated"
                changes.append(
                    _change(measure, d, credit, (measure.start, measure.end), None, None, None)
                )
        last_measures = in_clause or last_measures
    return changes


def _reversed(text: str, before: tuple[int, int], clause: tuple[int, int], c: _Compiled) -> bool:
    """Whether ``clause`` opens with "but" and undoes the clause before it."""
    return bool(
        c.reversal
        and re.search(r"\bbut\s+$", text[before[0] : clause[0]])
        and c.reversal.match(text, clause[0])
    )


def _attached(text: str, cue: tuple[int, int, str], measure: _Mention) -> bool:
    """A direction word written right before its measure ("increased pain", "decrease in
    medication"): it says nothing of the other measures of its clause."""
    gap = text[cue[1] : measure.start] if cue[1] <= measure.start else None
    return (
        gap is not None
        and re.fullmatch(r"\s*(?:(?:in|of)\s+)?(?:(?:her|his|the|their)\s+)?", gap) is not None
    )


def _state(text: str, cue: tuple[int, int, str], measure: _Mention, c: _Compiled) -> bool:
    """An examination finding, not a change: "decreased range of motion"."""
    return (
        c.state is not None
        and measure.category in c.rules.state_categories
        and cue[1] <= measure.start
        and not text[cue[1] : measure.start].strip()
        and c.state.fullmatch(text, cue[0], cue[1]) is not None
    )


def _covered(measure: _Mention, changes: list[Change]) -> bool:
    return any(
        ch.value["measure"] == measure.name and (measure.start, measure.end) in ch.spans
        for ch in changes
    )


def _measure_for(
    m: re.Match[str], start: int, end: int, measures: list[_Mention], clause: tuple[int, int]
) -> _Mention | None:
    """The measure a written change is of: by its unit ("/10" pain, "deg" motion) when it
    has one, else the measure named just before it (or just after, in its clause)."""
    unit_category = _category_of_value(m.group())
    before = [x for x in measures if x.end <= start + 1 and start - x.end <= 80]
    inside = [x for x in measures if start <= x.start and x.end <= end]
    after = [x for x in measures if x.start >= end and _in((x.start, x.end), clause)]
    candidates = list(reversed(before)) + inside + after
    if unit_category:
        fitting = [x for x in candidates if x.category == unit_category]
        if fitting:
            return fitting[0]
        if unit_category == "pain":
            return _Mention(start, end, "pain", "pain", "worse")
    in_clause = [x for x in candidates if _in((x.start, x.end), clause) or x in before[-1:]]
    return in_clause[0] if in_clause else None


def _numeric_direction(before: float, after: float, higher: str, c: _Compiled) -> str:
    if before == after or (
        before and abs(after - before) / abs(before) * 100 < c.rules.minimal_change_percent
    ):
        return "unchanged"
    up = after > before
    return "better" if up == (higher == "better") else "worse"


def _direction_for(measure: _Mention, direction: str) -> str | None:
    """A direction word read for one measure: amounts up or down by the measure's sense;
    a medication's "helps" / "no relief" is its effect, not its dose."""
    if direction == "unchanged_amount":
        return "unchanged"
    if direction in {"up", "down"}:
        if measure.category == "overall":
            return None
        up = direction == "up"
        return "better" if up == (measure.higher == "better") else "worse"
    if measure.category == "medication":
        return {
            "better": "effective",
            "no_effect": "ineffective",
            "worse": None,
            "limited": None,
            "independent": None,
        }.get(direction, direction)
    if direction == "no_effect":
        return "unchanged"
    if direction in {"not_tolerated", "tolerated"} and measure.category not in {"overall"}:
        return None
    if direction in {"limited", "independent"} and measure.category not in {"function", "work"}:
        return None
    return direction


def _credits(
    text: str, s_start: int, s_end: int, mine: list[_Treatment], c: _Compiled
) -> list[tuple[_Treatment, tuple[int, int], bool]]:
    """Treatments a cue credits ("since starting acupuncture", "with the medication"):
    the treatment named within a few words after the cue."""
    out = []
    for m in c.credit.finditer(text, s_start, s_end):
        for t in mine:
            gap = text[m.end() : t.start]
            if t.start >= m.end() and len(gap) <= 30 and len(gap.split()) <= 4:
                out.append((t, m.span(), bool(c.weak_credit.fullmatch(m.group()))))
                break
    return out


def _credit_for(
    measure: _Mention,
    span: tuple[int, int],
    clause: tuple[int, int],
    credits: list[tuple[_Treatment, tuple[int, int], bool]],
    mine: list[_Treatment],
    near: bool = False,
    pronoun: _Treatment | None = None,
) -> _Treatment | None:
    """The treatment a change is credited to: one a cue credits (in the clause, else in
    the sentence), else one named in the clause, else the sentence's first."""
    own = (measure.start, measure.end)

    def not_self(t: _Treatment) -> bool:
        return not (t.start < own[1] and own[0] < t.end)

    explicit = [(t, s, weak) for t, s, weak in credits if not_self(t)]
    in_clause = [(t, s) for t, s, _ in explicit if _in(s, clause)]
    if in_clause:
        return min(in_clause, key=lambda p: _distance(p[1], span))[0]
    named = [t for t in mine if not_self(t) and _in((t.start, t.end), clause)]
    if named and measure.category != "medication":
        return min(named, key=lambda t: _distance((t.start, t.end), span))
    strong = [(t, s) for t, s, weak in explicit if not weak]
    if strong:
        return min(strong, key=lambda p: _distance(p[1], span))[0]
    if pronoun is not None:
        return pronoun
    if explicit:
        return min(explicit, key=lambda p: _distance(p[1], span))[0]
    if measure.category == "medication" or not mine:
        return None
    others = [t for t in mine if not_self(t)]
    if others and not near:
        return others[0]
    if others and near:
        return min(others, key=lambda t: _distance((t.start, t.end), span))
    return None


def _change(
    measure: _Mention,
    direction: str,
    credit: _Treatment | None,
    span: tuple[int, int],
    before: float | None,
    after: float | None,
    percent: float | None,
    measure_span: tuple[int, int] | None = None,
) -> Change:
    spans = [span]
    if measure_span:
        spans.append(measure_span)
    elif measure.category != "overall" and (measure.start, measure.end) != span:
        spans.append((measure.start, measure.end))
    if credit:
        spans.append((credit.start, credit.end))
    value = {
        "measure": measure.name,
        "category": measure.category,
        "before": before,
        "after": after,
        "direction": direction,
        "percent": percent,
        "quantified": before is not None or (percent is not None and percent > 0),
        "credited_to": re.sub(r"\s+", " ", credit.text) if credit else None,
        "credited_kind": credit.kind if credit else None,
    }
    return Change(value=value, spans=sorted(set(spans)))


def change_facts(text: str, source: str, sentences: list[tuple[int, int]]) -> list[Fact]:
    """The ``measured_change`` facts of one text, each with its evidence."""
    facts = []
    for change in find_changes(text, sentences):
        evidence = []
        for start, end in change.spans:
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                evidence.append(Evidence(text=text[start:end], start=start, end=end, source=source))
        facts.append(Fact(kind=KIND, value=typed_value(KIND, change.value), evidence=evidence))
    return facts
