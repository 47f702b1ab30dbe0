"""The patient's current diagnoses, read the way a reviewer reads them.

Two readers (vocabulary: rules/findings/diagnoses.yaml; list phrases: facts.yaml
``diagnosis``):

- lists: an assessment section ("A: 1. Lumbago. 2. L5 radiculopathy"), a dictated heading
  ("assessment failed back surgery syndrome ..."), or a phrase that opens a list
  ("diagnosed with ...", "her other diagnoses included ..."). Each item of the list is a
  diagnosis, whether or not the pack knows it; an item after "s/p" names an operation
  (a post-operative state, with its procedure);
- mentions: the named conditions of the vocabulary, wherever the narrative states them.

An item or mention is not a current diagnosis when it is denied, in question, resolved, a
relative's, quoted from a guideline, or only the reason for a past operation.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import pairwise
from typing import Any

from openimr.intake.facts.nlp import Target
from openimr.intake.facts.rules import diagnosis_vocabulary, fact_rules
from openimr.intake.lexicon import lexicon, unique, whole_words
from openimr.intake.needles import searchable
from openimr.intake.ruleset import compile_pattern
from openimr.model import Assertion

RULE_FILE = "findings/diagnoses.yaml"
LABEL = "DIAGNOSIS"


def _rx(pattern: str) -> re.Pattern[str]:
    return compile_pattern(pattern, RULE_FILE)


def _any(patterns: list[str]) -> re.Pattern[str]:
    return _rx(whole_words(patterns))


class _Rules:
    def __init__(self) -> None:
        v = diagnosis_vocabulary()
        heads = "|".join(f"(?:{h})" for h in v.section_heads)
        ends = "|".join(f"(?:{h})" for h in [*v.section_ends, *v.section_heads])
        # A heading starts a line or a sentence (after a full stop), numbered or not.
        start = r"(?:^|(?<=\n)|(?<=[.;]\s)|(?<=[.;]\s\s))[ \t]*(?:[-*\u2022]\s*)?"
        self.section = _rx(start + rf"(?P<head>{heads})\s*(?::|\s-\s|\s?\u2013\s)")
        self.section_end = _rx(rf"(?<![\w/])(?:{ends})\s*:|\n[ \t]*\n")
        dictated = "|".join(f"(?:{h})" for h in v.dictated_heads)
        self.dictated = _rx(
            r"(?:^|(?<=\n)|(?<=[.;]\s))[ \t]*"
            rf"(?P<head>{dictated})\s+(?!{v.not_heading_after})"
            r"(?:(?:is|was|are|were)\s+)?(?=[a-z])"
        )
        self.inline = [compile_pattern(p, "facts.yaml") for p in fact_rules().diagnosis.patterns]
        treated = "|".join(f"(?:{h})" for h in v.named_list_heads)
        self.treated = _rx(rf"\b(?:{treated})\s+(?P<list>[^.;)]+)")
        self.named = _any(
            [p for ps in v.conditions.values() for p in ps]
            + [p for ps in v.complaints.values() for p in ps]
        )
        self.segment = _rx(rf"{_SEGMENT}|(?<!\w){v.item_numbers}")
        self.narrative = _any(v.narrative_words)
        self.negation = _any(v.negations)
        self.negation_after = _any(v.negations_after)
        self.uncertain = _any(v.uncertain)
        self.hypothetical = _any(v.hypothetical)
        self.not_item = _rx(rf"\s*(?:{v.not_items})\s*")
        self.resolved = _any(v.resolved)
        self.family = _any(v.family)
        self.not_patient = _any(v.not_patient)
        self.reason = _rx(rf"\b(?:{'|'.join(v.reason_words)})\s+{v.reason_gap}$")
        self.post_operative = _any(v.post_operative)
        self.post_operative_narrative = _any(v.post_operative_narrative)
        self.post_operative_window = v.post_operative_window
        self.procedures = [(name, _any(ps)) for name, ps in v.procedures.items()]
        self.conditions = _any([p for ps in v.conditions.values() for p in ps])
        self.text_words = [(word, _any(ps)) for word, ps in v.text_words.items()]
        self.not_body_parts = set(v.not_body_parts)


@cache
def _rules() -> _Rules:
    return _Rules()


@dataclass(frozen=True)
class Item:
    """One diagnosis: an item of a list, or a condition the narrative names."""

    start: int
    end: int
    listed: bool
    assertion: Assertion = Assertion.PRESENT
    procedure: str | None = None
    family: bool = False
    where: str | None = None
    """Where the list put it, in a piece of its own ("osteoarthritis, right knee")."""


@dataclass
class Found:
    items: list[Item] = field(default_factory=list)

    def targets(self) -> list[Target]:
        return [Target(i.start, i.end, LABEL) for i in self.items]


# --- lists ---------------------------------------------------------------------------------

# Where a list's items part: numbers ("1.", "2)"), full stops, semicolons, line breaks,
# commas and the words that join two items.
_SEGMENT = (
    r"(?:(?<=\s)|^)\(?\d{1,2}[.)](?=\s)"
    # a full stop, not one of an abbreviation ("poss. CRPS", "vs. strain", "Dr. Lee")
    r"|(?<!\bposs)(?<!\bvs)(?<!\bDr)(?<!\bneg)(?<!\bprob)(?:(?<!\d)\.(?!\d)|\.(?=\s|$))"
    r"|;|\n|(?<=\s)[-*\u2022](?=\s)"
)
_PIECE = re.compile(r",|\s+(?:and|as\s+well\s+as|&|plus)\s+|\s+also\s+")
_LEADING = re.compile(r"^(?:\s|(?:and|or|the|a|an|also|with|including)\s+)+", re.IGNORECASE)


_SENTENCE_END = re.compile(r"\.(?=\s|$)|\n")


@dataclass(frozen=True, order=True)
class _List:
    start: int
    end: int
    said: Assertion = Assertion.PRESENT
    """What the words before an inline list say of all of it."""
    only_named: bool = False
    """Only its items that name a condition or a complaint count ("treated for ...")."""


def _list_spans(text: str, r: _Rules) -> list[_List]:
    """Where lists of diagnoses are, each with what the words before an inline list say of
    all of it ("does not have a diagnosis of ...", "possibly diagnosed with ...")."""
    spans = []
    for m in r.section.finditer(text):
        end = r.section_end.search(text, m.end())
        spans.append(_List(m.end(), end.start() if end else len(text)))
    for m in r.dictated.finditer(text):
        stop = _SENTENCE_END.search(text, m.end())
        spans.append(_List(m.end(), stop.start() if stop else len(text)))
    for m in r.treated.finditer(text):
        cut = max(text.rfind(c, 0, m.start()) for c in ".\n")
        if r.not_patient.search(text, cut + 1, m.end()):
            continue  # "the guidelines make splinting first-line treatment for ..."
        spans.append(_List(m.start("list"), m.end("list"), only_named=True))
    for rx in searchable(r.inline, text):
        for m in rx.finditer(text):
            start = m.start("list")
            cut = max(text.rfind(c, 0, start) for c in ".;\n")
            # "does not have a diagnosis of", "has never been diagnosed with"
            before = _last_words(text[cut + 1 : start], 6)
            said = Assertion.PRESENT
            if r.negation.search(before):
                said = Assertion.NEGATED
            elif r.uncertain.search(before) or r.hypothetical.search(before):
                said = Assertion.UNCERTAIN
            spans.append(_List(start, m.end("list"), said))
    # Earlier and longer lists first, a list of any diagnosis before one of named ones.
    return sorted(set(spans), key=lambda p: (p.start, -p.end, p.only_named))


def _pieces(text: str, r: _Rules, start: int, end: int) -> list[list[tuple[int, int]]]:
    """The list's segments (between full stops, numbers, semicolons), each as its pieces
    (between commas and "and"), as spans of ``text``."""
    cuts = (
        [(start, start)] + [m.span() for m in r.segment.finditer(text, start, end)] + [(end, end)]
    )
    segments = []
    for (_, s), (e, _) in pairwise(cuts):
        if s >= e:
            continue
        pieces, p = [], s
        for m in _PIECE.finditer(text, s, e):
            pieces.append((p, m.start()))
            p = m.end()
        pieces.append((p, e))
        segments.append(pieces)
    return segments


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and (text[s].isspace() or text[s] in "-:*\u2022"):
        s += 1
    if m := _LEADING.match(text, s, e):
        s = m.end()
    while e > s and (text[e - 1].isspace() or text[e - 1] in ".,;:"):
        e -= 1
    return s, e


def _list_items(text: str, r: _Rules, start: int, end: int) -> list[Item]:
    items: list[Item] = []
    for segment in _pieces(text, r, start, end):
        for s, e in segment:
            s, e = _trim(text, s, e)
            if s >= e:
                continue
            piece = text[s:e]
            if r.narrative.search(piece) and not r.named.search(piece):
                return items  # a sentence of narrative: the list has ended
            if r.not_item.fullmatch(piece):
                continue
            if items and _only_where(r, piece):
                # "osteoarthritis, right knee": where the item before it is
                last = items.pop()
                items.append(replace(last, end=e, where=piece))
                continue
            said_of_last = not r.conditions.search(piece) and (
                r.negation_after.search(piece) or r.resolved.search(piece)
            )
            if said_of_last and items:
                # "..., resolved", "CTS, which resolved after splinting": of the item before
                last = items.pop()
                items.append(Item(last.start, last.end, True, Assertion.NEGATED, last.procedure))
                continue
            items.extend(_split_item(text, r, s, e))
    return items


def _only_where(r: _Rules, piece: str) -> bool:
    """The piece names a body part (and a side), nothing else (not a condition a region is
    read from: "depression")."""
    if r.named.search(piece):
        return False
    regions = lexicon().find_regions(piece)
    if any(h.value in r.not_body_parts for h in regions):
        return False
    hits = [(h.start, h.end) for h in regions] + [
        (h.start, h.end) for h, _ in lexicon().find_levels(piece)
    ]
    if not hits:
        return False
    rest = piece
    for start, end in sorted(hits, reverse=True):
        rest = rest[:start] + " " + rest[end:]
    return r.not_item.fullmatch(rest) is not None


def _split_item(text: str, r: _Rules, s: int, e: int) -> list[Item]:
    """One piece of a list: a diagnosis, the part of it a negation or a question cuts off
    ("DM2 w/o neuropathy"), and an operation it is after ("FBSS status post L4-5 fusion")."""
    out: list[Item] = []

    def keep_before(cut: int) -> None:
        b_start, b_end = _trim(text, s, cut)
        if b_end - b_start >= 3 and not r.not_item.fullmatch(text[b_start:b_end]):
            out.extend(_split_item(text, r, b_start, b_end))

    if (post := r.post_operative.search(text, s, e)) is not None:
        keep_before(post.start())
        if (procedure := _procedure(text, r, post.end(), e)) is not None:
            out.append(Item(post.start(), e, True, Assertion.PRESENT, procedure))
        return out
    if (family := r.family.search(text, s, e)) is not None and family.start() - s < 3:
        return [Item(s, e, True, family=True)]
    if r.negation_after.search(text, s, e) is not None:
        return [Item(s, e, True, Assertion.NEGATED)]  # "CTS ruled out by EMG", "unclear"
    cues = [
        (m.start(), a)
        for rx, a in ((r.negation, Assertion.NEGATED), (r.uncertain, Assertion.UNCERTAIN))
        if (m := rx.search(text, s, e)) is not None
    ]
    assertion = Assertion.PRESENT
    if cues:
        cut, assertion = min(cues)
        keep_before(cut)
        s = cut
    if r.resolved.search(text, s, e):
        assertion = Assertion.NEGATED
    out.append(Item(s, e, True, assertion))
    return out


def _procedure(text: str, r: _Rules, s: int, e: int) -> str | None:
    found = [(m.start(), name) for name, rx in r.procedures if (m := rx.search(text, s, e))]
    return min(found)[1] if found else None


# --- mentions ------------------------------------------------------------------------------


def find(text: str) -> Found:
    """The diagnoses' spans in ``text`` (their assertions wait for ConText)."""
    r = _rules()
    items: list[Item] = []
    covered = []
    for span in _list_spans(text, r):
        if any(cs <= span.start < ce for cs, ce in covered):
            continue  # a list inside another is read as part of it
        listed = _list_items(text, r, span.start, span.end)
        if span.only_named:
            listed = [i for i in listed if r.named.search(text, i.start, i.end)]
        if span.said != Assertion.PRESENT:
            listed = [replace(i, assertion=span.said) for i in listed]
        items.extend(listed)
        if listed:
            covered.append((span.start, max(i.end for i in listed)))
    for m in r.conditions.finditer(text):
        if any(s <= m.start() < e for s, e in covered):
            continue
        items.append(Item(m.start(), m.end(), False))
    for m in r.post_operative_narrative.finditer(text):
        if any(s <= m.start() < e for s, e in covered):
            continue
        # the operation named next, in the clause: "s/p R CTR 2015", "status post a left TKA"
        end = min(len(text), m.end() + r.post_operative_window)
        if stop := re.compile(r"[.;,()]|\n").search(text, m.end(), end):
            end = stop.start()
        if (procedure := _procedure(text, r, m.end(), end)) is not None:
            items.append(Item(m.start(), end, False, procedure=procedure))
    return Found(sorted(items, key=lambda i: (i.start, i.end)))


def _sentence(b: Any, pos: int) -> tuple[int, int]:
    sentences = b.analysis.sentences
    i = bisect.bisect_right(sentences, (pos, len(b.text) + 1)) - 1
    if 0 <= i < len(sentences) and sentences[i][0] <= pos < sentences[i][1]:
        return sentences[i]
    return 0, len(b.text)


def _clause_start(text: str, lo: int, pos: int) -> int:
    cut = max(text.rfind(";", lo, pos), text.rfind(".", lo, pos))
    return lo if cut < 0 else cut + 1


def _mention_assertion(b: Any, r: _Rules, item: Item) -> Assertion | None:
    """A narrative mention's assertion, or None when it is no diagnosis of the patient."""
    text = b.text
    s_start, s_end = _sentence(b, item.start)
    if r.not_patient.search(text, s_start, s_end):
        return None
    c_start = _clause_start(text, s_start, item.start)
    before = text[c_start : item.start]
    if r.family.search(before):
        return None
    if _reason_for_operation(b, r, s_start, item):
        return None
    assertion = b.analysis.assertion(Target(item.start, item.end, LABEL))
    if assertion == Assertion.HYPOTHETICAL and not _may_come(b, r, item):
        assertion = Assertion.PRESENT
    if assertion == Assertion.PRESENT and r.negation.search(_last_words(before)):
        assertion = Assertion.NEGATED  # "EMG neg for CTS"
    if assertion == Assertion.PRESENT and r.uncertain.search(_last_words(before)):
        assertion = Assertion.UNCERTAIN  # "the physician suspects CRPS"
    if assertion in (Assertion.PRESENT, Assertion.HISTORICAL):
        c_end = min(
            [
                i
                for i in (text.find(";", item.end, s_end), text.find(".", item.end, s_end))
                if i >= 0
            ]
            or [s_end]
        )
        if r.resolved.search(before) or r.resolved.search(text, item.end, c_end):
            return Assertion.NEGATED
        if r.negation_after.search(text, item.end, c_end):
            return Assertion.NEGATED
    return assertion


def _post_operative_assertion(b: Any, r: _Rules, item: Item) -> Assertion | None:
    """A post-operative state the narrative states ("she is s/p R CTR"): ConText's, unless
    the sentence is a guideline's or a relative's."""
    s_start, s_end = _sentence(b, item.start)
    if r.not_patient.search(b.text, s_start, s_end):
        return None
    if r.family.search(b.text, _clause_start(b.text, s_start, item.start), item.start):
        return None
    assertion = b.analysis.assertion(Target(item.start, item.end, LABEL))
    return Assertion.PRESENT if assertion == Assertion.HISTORICAL else assertion


def _last_words(text: str, n: int = 3) -> str:
    """The last ``n`` words of ``text``: a word that makes a condition a question stands
    next to it ("suspected early CRPS"), not before the treatment it is the reason for
    ("consider TENS for CRPS")."""
    return " ".join(text.split()[-n:])


def _may_come(b: Any, r: _Rules, item: Item) -> bool:
    """ConText's hypotheticals ("requesting", "will", a plan heading) leave a named
    condition the patient's (the reason for a plan is a diagnosis); only words that say
    the condition itself may come ("if", "risk of") make it hypothetical."""
    if b.analysis.assertion(Target(item.start, item.end, LABEL)) != Assertion.HYPOTHETICAL:
        return False
    s_start, _ = _sentence(b, item.start)
    return (
        r.hypothetical.search(b.text, _clause_start(b.text, s_start, item.start), item.start)
        is not None
    )


def _reason_for_operation(b: Any, r: _Rules, s_start: int, item: Item) -> bool:
    """The condition is why a past operation was done: "TKA for end-stage DJD"."""
    gap = b.text[s_start : item.start]
    if not r.reason.search(gap):
        return False
    for hit in lexicon().find_services(b.text):
        if hit.value != "surgery" or not s_start <= hit.start < item.start:
            continue
        target = Target(hit.start, hit.end, "SURGERY")
        if b.analysis.assertion(target) != Assertion.HYPOTHETICAL:
            return True
    return False


def _as_vocabulary(r: _Rules, words: str) -> str:
    """A diagnosis's words as the pack's vocabulary writes them ("of her knee": "of the
    knee"), on one line."""
    for word, rx in r.text_words:
        words = rx.sub(word, words)
    return re.sub(r"\s+", " ", words)


def add_facts(b: Any, found: Found) -> None:
    """The diagnosis facts of one text (``b``: extract's builder, with its ConText)."""
    r = _rules()
    seen: set[tuple[int, int]] = set()
    for item in found.items:
        if item.family or (item.start, item.end) in seen:
            continue
        seen.add((item.start, item.end))
        if item.listed:
            assertion = item.assertion
            if assertion == Assertion.PRESENT and _may_come(b, r, item):
                assertion = Assertion.HYPOTHETICAL  # "if he is diagnosed with CRPS"
        elif item.procedure is not None:
            found_assertion = _post_operative_assertion(b, r, item)
            if found_assertion is None:
                continue
            assertion = found_assertion
        else:
            found_assertion = _mention_assertion(b, r, item)
            if found_assertion is None:
                continue
            assertion = found_assertion
        words = b.text[item.start : item.end]
        text = words
        if item.where is not None:
            # "osteoarthritis, right knee": "right knee osteoarthritis"
            text = f"{item.where} {b.text[item.start : item.end - len(item.where)].rstrip(' ,')}"
        # An operation's name says where it was done ("TKA": the knee).
        named = f"{words} {item.procedure}" if item.procedure else words
        regions = unique(
            [h.value for h in lexicon().find_regions(named)]
            + [reg for _, reg in lexicon().find_levels(named)]
        )
        value: dict[str, Any] = {"text": _as_vocabulary(r, text), "regions": regions}
        if item.procedure is not None:
            value["procedure"] = item.procedure
        b.add("diagnosis", value, [(item.start, item.end)], assertion)
