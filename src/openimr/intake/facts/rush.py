"""PyRuSH's sentence rules, tried only where one of them can match (issue 8).

PyRuSH (medspaCy's clinical sentence splitter) finds sentence begins and ends with
PyFastNER: from every character of the text it walks a trie of ~800 rules, in pure
Python, ~15 ms a KB, though only about one character in eight starts a walk that reaches
the end of a rule. ``Prefiltered`` keeps PyFastNER's own walk but starts it only there:
one regular expression, built from the same trie, finds every position where some rule
could match. It accepts more than the trie does (any number of repeats up to the limit,
classes widened to every non-ASCII character, any walk that reaches the end of the text),
never less (its start-of-text wildcard is the start of the text, as in PyFastNER's
walk); a walk from any other position ends without a match, and a walk changes nothing
unless it matches, so the matches, their order and the sentences are PyRuSH's own.
tests/intake/test_facts.py compares them on many texts.

Every position is tried, as PyRuSH does, where the expression cannot speak for the trie:
a text with a backslash (the trie's escape character, which PyFastNER also reads as a
character), a changed limit on repeats, a PyFastNER version not compared (``VERIFIED``).
"""

from __future__ import annotations

import contextlib
import re
import string
from typing import Any

from openimr.intake.prefilter import non_ascii_as_one
from openimr.intake.regex_cache import compile_cached

VERIFIED = {"1.0.10"}  # PyFastNER versions whose walk the expression was checked against
END = "<END>"  # PyFastNER's key for "a rule ends here"
_OTHER = "\x80"  # every non-ASCII character is read as this one (prefilter.non_ascii_as_one)
# PyFastNER's wildcards as character classes over the text with non-ASCII folded: exact
# for ASCII (its tests are str.isspace, islower, isupper, isdigit, string.punctuation and
# comparisons with "~" and chr(160)) and accepting any non-ASCII character.
_CLASSES = {
    "s": r"[ \t\x80]",
    "n": r"[\n\r]",
    "d": r"[0-9\x80]",
    "C": r"[A-Z\x80]",
    "c": r"[a-z\x80]",
    "p": "[" + re.escape(string.punctuation) + "]",
    "a": r"[^\t\n\x0b\x0c\r\x1c-\x1f ]",
    "u": r"[\x7f\x80]",
    "w": r"[\t\n\x0b\x0c\r\x1c-\x1f \x7f\x80]",
}
_REPEATABLE = set("sndCcpauw")  # PyFastNER's replication functions


def _literal(char: str) -> str:
    return _OTHER if char > "\x7f" else re.escape(char)


class _Unsupported(Exception):
    """A trie the expression cannot stand for: every position is tried instead."""


def _pattern(node: dict, pre_key: str, wildcard: bool, most: int, runs: bool = False) -> str:
    """What may follow a trie node, as PyFastNER.processRules walks it; ``most`` is its
    limit on repeats ("+"). ``runs``: a repeat is read as PyFastNER reads it, none or all of
    the run (up to the limit), not any number in between: for ASCII texts only (folded,
    a non-ASCII character stands for every class, and a run read whole could run past one
    that PyFastNER's test stops at)."""
    if END in node:
        return ""  # a rule ends here: whatever follows, a walk that got here matches
    # A walk that reaches the end of the text may match there by PyFastNER's end-of-text
    # readings of a node (its "\\e", ")" and "+" keys): counted as a possible match.
    alternatives = [r"\Z"]
    for key, child in node.items():
        if key == "\\":  # wildcards
            for w, sub in child.items():
                if w in _CLASSES:
                    alternatives.append(_CLASSES[w] + _pattern(sub, w, True, most, runs))
                elif w in "()\\":
                    alternatives.append(re.escape(w) + _pattern(sub, w, True, most, runs))
                elif w == "b":  # the start of the text (a walk from position 0 only)
                    alternatives.append(r"\A" + _pattern(sub, w, True, most, runs))
                elif w == "e":  # the end of the text
                    alternatives.append(r"\Z" + _pattern(sub, w, True, most, runs))
                else:  # e.g. "\+", which PyFastNER reads oddly
                    raise _Unsupported(w)
        elif key in ("(", ")"):  # capture marks consume nothing
            alternatives.append(_pattern(child, key, False, most, runs))
        elif key == "+":
            # Up to `most` more of what came before (PyFastNER takes none or as many as
            # there are, up to its limit), or the character "+" itself: both walk on into
            # the same node. Bounded, so that a long run costs at most `most` steps.
            if wildcard:
                repeat = _CLASSES[pre_key] if pre_key in _REPEATABLE else ""
            else:
                repeat = _literal(pre_key)
            repeats = f"{repeat}{{0,{most}}}" if repeat else ""
            if runs and repeat:  # the whole run (possessive: never given back), or none
                repeats = f"{repeat}{{0,{most}}}+|"
            alternatives.append(rf"(?:\+|{repeats})" + _pattern(child, "+", False, most, runs))
        elif len(key) == 1:
            alternatives.append(_literal(key) + _pattern(child, key, False, most, runs))
    return "(?:" + "|".join(alternatives) + ")"


# Built once this many characters have been walked at every position. Written and
# compiled afresh the expression took as long as walking 5,000 characters; kept between
# runs (regex_cache) it takes ~10 ms, under a second text's walk: built at once.
BUILD_AFTER = 0


class Prefiltered:
    """A stand-in for ``FastCNER.process`` that walks the trie only where it can match."""

    def __init__(self, fastner: Any) -> None:
        self.fastner = fastner
        self.most = _repeat_limit()
        self.starts: re.Pattern[str] | None = None
        self.ascii_starts: re.Pattern[str] | None = None
        self.built = False
        self.walked = 0  # characters walked at every position, before it is built
        self.walks = Walks()

    def build(self) -> None:
        import PyFastNER

        self.built = True
        if PyFastNER.__version__ not in VERIFIED:
            return
        # A trie it cannot stand for leaves every position to be tried.
        # Compiled once and kept between runs (regex_cache), as the rule patterns are.
        with contextlib.suppress(_Unsupported, RecursionError, re.error):
            self.starts = compile_cached(
                "(?=" + _pattern(self.fastner.rule_map, " ", False, self.most) + ")"
            )
            # For an ASCII text (most): a run is read whole or not at all, as PyFastNER
            # reads it, which spares the expression trying every length of every run.
            self.ascii_starts = compile_cached(
                "(?=" + _pattern(self.fastner.rule_map, " ", False, self.most, True) + ")"
            )

    def positions(self, text: str) -> list[int] | range:
        """The positions a walk can match from, in order (every one where unsure)."""
        if not self.built:
            self.walked += len(text)
            if self.walked < BUILD_AFTER:
                return range(len(text))
            self.build()
        if self.starts is None or "\\" in text or _repeat_limit() != self.most:
            return range(len(text))
        if text.isascii() and self.ascii_starts is not None:
            return [m.start() for m in self.ascii_starts.finditer(text) if m.start() < len(text)]
        folded = non_ascii_as_one(text)
        return [m.start() for m in self.starts.finditer(folded) if m.start() < len(text)]

    def __call__(self, text: str, offset: int = 0, matches: dict | None = None) -> dict:
        # FastCNER.process, with its loop over every position replaced, and each walk
        # replayed from the walks already taken over the same characters (``Walks``).
        f = self.fastner
        matches = {} if matches is None else matches
        f.offset = offset
        f.overlap_checkers.clear()
        positions = self.positions(text)
        # Replayed only once the prefilter is built (a batch): before, in a single short
        # case, every position is walked once, and keeping the walks would cost more.
        walks = self.walks if isinstance(positions, list) and _WALKS_VERIFIED(f) else None
        for i in positions:
            if walks is not None and i > 0:
                walks.walk(f, text, i, matches)
                continue
            pre_char = text[i - 1] if i > 0 else " "
            f.processRules(text, f.rule_map, i, 0, i, matches, pre_char, False, " ")
        f.removePseudo(matches)
        return matches


def _repeat_limit() -> int:
    """PyFastNER's limit on repeats: a module global, set by the last FastCNER made."""
    from PyFastNER import ReplicationFunctionsLambda

    return int(ReplicationFunctionsLambda.gmax_repeat)


# --- walks replayed -------------------------------------------------------------------------
#
# A walk from position i > 0 reads the characters from i on, one after another, as far as it
# gets, and changes nothing but through ``addDeterminants`` (the matches it adds, in order).
# It does not depend on where it is (its start-of-text wildcard fires at position 0 only,
# never replayed) nor on any character after the last one it read: it never got there. So a
# walk that read text[i..r] makes the same calls, shifted, from any position whose next
# characters are the same; one that read the last character of its text may also have read
# the end of the text, and is replayed only where the same characters end the text.
# ``Walks`` keeps each walk's calls under the characters it read (a trie) and replays them
# through PyFastNER's own ``addDeterminants``: the matches, their order and the overlaps
# resolved between them are the walk's own. Characters the trie has not seen are walked
# (and kept). Sentence ends are written alike from text to text (". The", ".\n\n"), so most
# walks of a new text are replays; ~0.5 ms a seed case.


class _Reads(str):
    """The text, noting the furthest index a walk reads (``furthest``)."""

    furthest: int

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, int):
            if key > self.furthest:
                self.furthest = key
        elif key.stop is not None and key.stop - 1 > self.furthest:
            self.furthest = key.stop - 1
        return str.__getitem__(self, key)


_OUTCOME = None  # the trie key of a walk's calls (every other key is a character)
_END = 0  # the trie key of the calls of a walk that read on to the end of the text
MAX_NODES = 50_000  # characters kept in the trie (~10 MB) before it starts afresh


class Walks:
    """Walks taken, under the characters each read, to be replayed (see above)."""

    def __init__(self) -> None:
        self.root: dict = {}
        self.nodes = 0

    def walk(self, f: Any, text: str, i: int, matches: dict) -> None:
        """What ``f.processRules`` from position ``i`` (> 0) does to ``matches``."""
        n = len(text)
        node: dict | None = self.root
        j = i
        calls = None
        while j < n:
            node = node.get(text[j])
            if node is None:
                break
            j += 1
            calls = node.get(_OUTCOME)
            if calls is not None:
                break
        else:  # every character to the end read: a walk that read them and the end
            calls = node.get(_END)
        if calls is not None:
            add = f.addDeterminants
            for rule, begin, end, at in calls:
                add(text, rule, matches, i + begin, 0 if end is None else i + end, i + at)
            return
        self.take(f, text, i, matches)

    def take(self, f: Any, text: str, i: int, matches: dict) -> None:
        """Walk from position ``i`` (> 0), and keep the walk."""
        n = len(text)
        reads = _Reads(text)
        reads.furthest = -1
        calls = []
        real = f.addDeterminants

        def record(_text, rule, matches, begin, end, at):
            # match_end 0 is PyFastNER's "not set" (a set one is at least i > 0)
            calls.append((rule, begin - i, end - i if end else None, at - i))
            real(text, rule, matches, begin, end, at)

        f.addDeterminants = record
        try:
            f.processRules(reads, f.rule_map, i, 0, i, matches, text[i - 1], False, " ")
        finally:
            del f.addDeterminants
        if reads.furthest < i:
            return  # pragma: no cover  (a walk reads its first character)
        if self.nodes > MAX_NODES:
            self.root, self.nodes = {}, 0
        node = self.root
        for k in range(i, reads.furthest + 1):
            child = node.get(text[k])
            if child is None:
                child = node[text[k]] = {}
                self.nodes += 1
            node = child
        # One that read the last character may have read the end too: kept for that end.
        node[_END if reads.furthest == n - 1 else _OUTCOME] = tuple(calls)


def _WALKS_VERIFIED(f: Any) -> bool:
    """Walks are replayed only with PyFastNER's own ``addDeterminants`` and walk (not one
    that a caller replaced on the instance)."""
    return "addDeterminants" not in vars(f) and "processRules" not in vars(f)


# --- sentence starts ------------------------------------------------------------------------


def split_gaps(idx: list[int], space: list[bool], spans: list[Any]) -> list[bool]:
    """PyRuSH's ``cpredict_split_gaps`` for one document with no limit on a sentence's
    length (the component's default), without its debug logging: it formats every token of
    the document into a log message on every call, logged or not. ``idx`` and ``space`` are
    each token's character offset and whether it is whitespace; ``spans`` RuSH's sentences.
    Which tokens start a sentence."""
    n = len(idx)
    guesses = [False] * n
    count = len(spans)
    t = 0
    k = 0  # the span being read
    while t < n:
        at = idx[t]
        next_begin = spans[k + 1].begin if k < count - 1 else -1
        # 1. A gap between spans: its first whitespace token starts a sentence, else its
        # first token.
        if k < count - 1 and at >= spans[k].end and at < next_begin:
            gap_start = gap_end = t
            while gap_end < n and idx[gap_end] < next_begin:
                gap_end += 1
            first = gap_start
            for i in range(gap_start, gap_end):
                if space[i]:
                    first = i
                    break
            guesses[first] = True
            t = gap_end
            continue
        # 2. On to the span the token is in or before.
        while k < count and at >= spans[k].end:
            k += 1
        if k >= count:  # after every span, each whitespace token starts one
            if space[t]:
                guesses[t] = True
            t += 1
            continue
        span = spans[k]
        if at < span.begin:
            t += 1
            continue
        if at < span.end:
            if at == span.begin:
                guesses[t] = True
            if t + 1 < n and idx[t + 1] >= span.end:  # the token after the span's last
                guesses[t + 1] = True
            t += 1
            continue
        t += 1  # pragma: no cover  (a token at or after its span's end was moved past)
    return guesses
