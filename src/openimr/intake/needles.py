"""What a regular expression cannot match without: a cheap test that skips a search.

Most rule patterns are alternations of words ("(?<!\\w)(?:lumbar|low\\s+back)\\s+pain"),
and most find nothing in a given text; Python's engine still tries every alternative at
every word of the text, and a case runs hundreds of them. ``needles(pattern)`` reads the
pattern's syntax tree (Python's own parser) and returns alternatives of lower-case strings
that every match contains: here ("lumbar", "pain") or ("low", "back", "pain"); None when it
cannot say. ``pieces(text)`` are the needles the lower-cased text holds, found in one
Aho-Corasick pass over it for every needle of every sieve (pyahocorasick, in C).
``sieve(rx).may_match(pieces)`` False means some needle of every alternative is missing
from the text, so the pattern has no match there: the search is skipped and its (empty)
result is the same. True means nothing: search. The readers skip only searches whose
result would be empty, so what they find, and its order, do not change. Once a batch has
compiled the prefilter (prefilter.py), a sieve asks it first: it knows, for nearly every
pattern, whether the pattern can match the text at all, and the needles are then not read.

It never says False of a text the pattern matches: a needle is made only of ASCII literals
the pattern must match one after another; every other construct (classes of more than a
few characters, repeats that may be absent, lookarounds, references) ends a needle or makes
the answer None. Case: needles and texts are lower-cased, so they hold for a pattern
matched with or without IGNORECASE. A handful of non-ASCII characters match an ASCII letter
under IGNORECASE without lower-casing to it (the dotless i, the long s, the Kelvin sign):
``pieces`` of a text holding one is None, and every pattern is searched.
tests/intake/test_needles.py checks all this against the engine (every code point for the
case twins; every rule pattern on the seed letters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any, TypeVar

from openimr.intake.prefilter import CASE_TWINS, PREFILTER
from openimr.intake.regex_cache import remembered

# Python's own parser of regular expressions (private, stable within 3.11; anything it
# cannot read is answered None, i.e. search).
try:  # pragma: no branch
    from re import _constants as _c
    from re import _parser as _parser
except ImportError:  # pragma: no cover
    _c = _parser = None  # type: ignore[assignment]

_MAX_STRINGS = 64  # the most alternatives a needle set may hold
_MAX_CLASS = 8  # a character class of at most this many characters is spelled out

# CASE_TWINS (prefilter.py): non-ASCII characters that IGNORECASE matches to an ASCII
# letter although lower() does not make them that letter (checked over every code point by
# tests/intake/test_needles.py).

Exact = frozenset[str] | None  # the strings a node matches (lower-cased), if few and known
# What a match must contain, as alternatives each of which is a set of strings that all
# occur in the match ("lumbar" and "pain", or "lbp"); None: nothing known.
Needles = frozenset[frozenset[str]] | None
_MAX_TERMS = 256  # the most alternatives a needle set may hold


def _cross(a: frozenset[str], b: frozenset[str]) -> frozenset[str] | None:
    if len(a) * len(b) > _MAX_STRINGS:
        return None
    return frozenset(x + y for x in a for y in b)


def _of_exact(exact: frozenset[str]) -> Needles:
    if "" in exact:
        return None  # it may match the empty string: nothing is needed
    return frozenset(frozenset({x}) for x in exact)


def _all_of(candidates: list[Needles]) -> Needles:
    """Needles for parts that must all match: as many of theirs as stay few."""
    known = sorted((c for c in candidates if c), key=len)
    out: Needles = None
    for c in known:
        if out is None:
            out = c
        elif len(out) * len(c) <= _MAX_TERMS:
            out = frozenset(a | b for a in out for b in c)
    return out


def _any_of(alternatives: list[Needles]) -> Needles:
    if any(a is None for a in alternatives):
        return None
    out = frozenset().union(*alternatives)  # type: ignore[arg-type]
    if len(out) > _MAX_TERMS:  # each alternative's longest string alone (needed too)
        out = frozenset(frozenset({max(sorted(t), key=len)}) for t in out)
    return out if len(out) <= _MAX_TERMS else None


def _class(items: list[tuple[Any, Any]]) -> Exact:
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < _MAX_CLASS:
            chars.update(chr(i) for i in range(av[0], av[1] + 1))
        else:  # NEGATE, CATEGORY (\w, \s, \d), wide ranges
            return None
        if len(chars) > _MAX_CLASS:
            return None
    if not chars or not all(ch.isascii() for ch in chars):
        return None
    return frozenset(ch.lower() for ch in chars)


def _node(op: Any, av: Any) -> tuple[Exact, Needles]:
    """(the strings the node matches if few and known, needles for it)."""
    if op is _c.LITERAL:
        ch = chr(av)
        return (frozenset({ch.lower()}), None) if ch.isascii() else (None, None)
    if op is _c.IN:
        return _class(av), None
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):  # consume nothing
        return frozenset({""}), None
    if op is _c.SUBPATTERN:
        return _sequence(av[3])
    if op is _c.ATOMIC_GROUP:
        return _sequence(av)
    if op is _c.BRANCH:
        alternatives = [_sequence(p) for p in av[1]]
        exact: Exact = frozenset()
        for e, _ in alternatives:
            exact = exact | e if exact is not None and e is not None else None
        if exact is not None and len(exact) > _MAX_STRINGS:
            exact = None
        return exact, _any_of([_of_exact(e) if e is not None else n for e, n in alternatives])
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, high, p = av
        e, n = _sequence(p)
        if low == 0:
            if high == 1 and e is not None and len(e) < _MAX_STRINGS:
                return e | {""}, None
            return None, None
        if low == high and e is not None:
            out: Exact = frozenset({""})
            for _ in range(low):
                out = _cross(out, e) if out is not None else None
            if out is not None:
                return out, None
        return None, _of_exact(e) if e is not None else n
    return None, None  # ANY, NOT_LITERAL, GROUPREF, GROUPREF_EXISTS, ...


def _sequence(items: Iterable[tuple[Any, Any]]) -> tuple[Exact, Needles]:
    """A sequence matches its parts one after another: runs of known strings make needles,
    and every part's needles are needed."""
    candidates: list[Needles] = []
    run: frozenset[str] = frozenset({""})
    whole: Exact = frozenset({""})
    for op, av in items:
        e, n = _node(op, av)
        if e is None:
            whole = None
            candidates += [_of_exact(run), n]
            run = frozenset({""})
            continue
        joined = _cross(run, e)
        if joined is None:
            candidates.append(_of_exact(run))
            run = e
        else:
            run = joined
        whole = _cross(whole, e) if whole is not None else None
    candidates.append(_of_exact(run))
    return whole, _all_of(candidates)


Found = tuple[tuple[str, ...], ...] | None


@lru_cache(maxsize=8192)
def _needles(pattern: str, flags: int) -> Found:
    # Read off the pattern once and kept between runs, as its compiled code is.
    return remembered("needles", (pattern, flags), lambda: _read_needles(pattern, flags))


def _read_needles(pattern: str, flags: int) -> Found:
    if _parser is None:  # pragma: no cover
        return None
    try:
        exact, found = _sequence(_parser.parse(pattern, flags))
    except Exception:  # anything the private parser does not read as expected: search
        return None
    if exact is not None:
        found = _of_exact(exact)
    if not found:
        return None
    # Longest strings first within an alternative (the likeliest to be missing).
    return tuple(sorted(tuple(sorted(t, key=lambda x: (-len(x), x))) for t in found))


def needles(pattern: re.Pattern[str]) -> Found:
    """What every match of ``pattern`` contains: alternatives, each a tuple of lower-case
    strings that all occur in the match (None: nothing known)."""
    return _needles(pattern.pattern, pattern.flags)


def fold(text: str) -> str | None:
    """The text as the needles are looked for in it (None: a text they cannot speak for)."""
    if not text.isascii() and not CASE_TWINS.isdisjoint(text):
        return None
    return text.lower()


# Letters from the most to the least common in English: a term's rarest needle is the one
# most likely missing from a text, so it is the one looked up first.
_COMMON = " etaoinsrhldcumfpgwybvkxjqz"


@cache  # a needle is in many terms
def _rarity(needle: str) -> tuple[int, str]:
    return sum(_COMMON.find(ch) if ch in _COMMON else len(_COMMON) for ch in needle), needle


class _Needles:
    """Every needle of every sieve made so far, and which of them a text holds: one
    Aho-Corasick pass (pyahocorasick) over the text finds them all at once. Needles of
    sieves made after the automaton was built (a few, as a run goes) are looked for one by
    one until there are enough of them to build it again."""

    REBUILD = 256  # needles outside the automaton before it is built again
    TEXTS = 32  # or texts that looked for some needles one by one (a batch's steady state)

    def __init__(self) -> None:
        self.order: list[str] = []  # every needle, in the order they came
        self._known: set[str] = set()
        self._automaton: Any = None
        self._built = 0  # how many of ``order`` the automaton holds
        self._texts = 0  # texts looked at since it was built

    def add(self, strings: Iterable[str]) -> None:
        for s in strings:
            if s not in self._known:
                self._known.add(s)
                self.order.append(s)

    def _build(self) -> None:
        import ahocorasick  # (only once a text is looked at)

        automaton = ahocorasick.Automaton()
        for s in self.order:
            automaton.add_word(s, s)
        automaton.make_automaton()
        self._automaton, self._built, self._texts = automaton, len(self.order), 0

    def held(self, folded: str) -> set[str]:
        """The needles that occur in ``folded``."""
        outside = len(self.order) - self._built
        self._texts += 1
        if outside > self.REBUILD or (outside and self._texts >= self.TEXTS):
            self._build()
        found = {s for _, s in self._automaton.iter(folded)} if self._built else set()
        found.update(s for s in self.order[self._built :] if s in folded)
        if "" in self._known:  # in every text (the automaton takes no empty word)
            found.add("")
        return found


_NEEDLES = _Needles()


class Pieces:
    """What the sieves need of a text: which patterns prefilter.py finds may match it
    (``prefiltered``), and the needles it holds (``current``: read from the lower-cased
    text, ``folded``, only when the prefilter cannot answer for a pattern)."""

    __slots__ = ("covered", "folded", "found", "hits", "holder", "scanned", "text", "upto")

    def __init__(self, folded: str, text: str = "") -> None:
        self.folded = folded
        self.text = text
        self.found: frozenset[str] | None = None  # the needles held, as of the first ``upto``
        self.upto = 0
        self.hits: set[int] = set()  # prefilter ids that may match
        self.scanned = 0  # prefilter chunks scanned for (-1: never)
        self.covered = 0  # prefilter ids those chunks cover
        self.holder: Pieces | None = None  # a text scanned that holds this one

    def current(self) -> frozenset[str]:
        """The needles the text holds, of every needle made so far."""
        order = _NEEDLES.order
        if self.found is None:
            self.upto = len(order)
            self.found = frozenset(_NEEDLES.held(self.folded))
        elif self.upto < len(order):
            folded = self.folded
            newer = {s for s in order[self.upto :] if s in folded}
            if newer:
                self.found = self.found | newer
            self.upto = len(order)
        return self.found

    def prefiltered(self) -> tuple[set[int], int]:
        """(hits, covered): a prefilter id under ``covered`` and not in ``hits`` is a
        pattern with no match in the text."""
        chunks = len(PREFILTER.chunks)
        if self.scanned != chunks and self.scanned >= 0:
            if self.scanned > chunks:  # compacted: fewer chunks, the same ids
                self.scanned = 0
            self._scan()
        if self.holder is not None:
            return self.holder.prefiltered()
        return self.hits, self.covered

    def _scan(self) -> None:
        # A short text (a sentence) is answered for by a text just scanned that holds it: a
        # pattern with no match there has none in any part of it. One Vectorscan scan costs
        # ~20 us however short the text, as much as a few dozen searches of a sentence.
        if len(self.text) < SCAN_FROM:
            self.holder = next(
                (p for p in _scanned if len(p.text) <= HOLDER_MOST and self.text in p.text),
                None,
            )
            self.scanned = -1  # never scanned itself
            return
        self.scanned, self.covered = PREFILTER.scan(self.text, self.scanned, self.hits)
        if self not in _scanned:
            _scanned.insert(0, self)
            del _scanned[4:]


SCAN_FROM = 400  # a text this long is scanned by the prefilter; a shorter one borrows
# A text longer than this lends to none: finding a sentence in it would cost more than the
# searches saved (a text of 1 MB has thousands of sentences).
HOLDER_MOST = 100_000
_scanned: list[Pieces] = []  # the last texts scanned, the latest first


class Sieve:
    """A pattern's needles, tested against a text's ``Pieces``: each alternative filed
    under its rarest needle; a text holding none of those holds no alternative."""

    __slots__ = ("by_key", "exact", "keys", "known")

    def __init__(self, found: Found, exact: int, by_key: dict | None = None) -> None:
        self.known = found is not None
        self.by_key = _by_key(found) if by_key is None else by_key
        self.keys = frozenset(self.by_key)
        self.exact = exact  # the pattern's prefilter id
        _NEEDLES.add(s for term in found or () for s in term)

    def may_match(self, pieces: Pieces | None) -> bool:
        """False only when the pattern has no match in the text of ``pieces``."""
        if pieces is None:
            return True
        hits, covered = pieces.prefiltered()
        if self.exact < covered:
            return self.exact in hits
        if not self.known:
            return True
        found = pieces.current()
        if self.keys.isdisjoint(found):
            return False
        has = found.__contains__
        for key in self.keys.intersection(found):
            for term in self.by_key[key]:
                if all(map(has, term)):
                    return True
        return False


def pieces(text: str) -> Pieces | None:
    """The text's ``Pieces`` (None: a text holding a case twin, see CASE_TWINS)."""
    folded = fold(text)
    if folded is None:
        return None
    PREFILTER.seen()
    return Pieces(folded, text)


SHORT = 60  # a text shorter than this is searched as it is: its pieces cost more than it
_kept: dict[str, Pieces | None] = {}
# Sentences (several readers of a case read each of its sentences): more of them kept.
SENTENCE = 2_000  # a text under this many characters is kept with the sentences
_kept_sentences: dict[str, Pieces | None] = {}


def text_pieces(text: str) -> Pieces | None:
    """``pieces(text)`` (None for a short text), the last few texts' kept: several readers
    of one text ask for them."""
    if len(text) < SHORT:
        return None
    return kept_pieces(text)


def kept_pieces(text: str) -> Pieces | None:
    """``pieces(text)``, also for a short text, the last few texts' and sentences' kept."""
    kept, most = (_kept_sentences, 64) if len(text) < SENTENCE else (_kept, 8)
    if text not in kept:
        if len(kept) >= most:
            del kept[next(iter(kept))]
        kept[text] = pieces(text)
    return kept[text]


def _by_key(found: Found) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Each alternative under its rarest needle: if none of these occurs, no alternative
    does; those whose needle occurs are tested whole."""
    by_key: dict[str, list[tuple[str, ...]]] = {}
    for term in found or ():
        by_key.setdefault(max(term, key=_rarity), []).append(term)
    return {k: tuple(v) for k, v in by_key.items()}


def _minimal(found: Found) -> Found:
    """The alternatives no other one implies: one whose every string is within a string of
    another (("back",) and ("low", "back pain")) holds wherever that other does, so the
    other says nothing more. About half the alternatives of the rules go (cross products of
    spellings), and with them half of a sieve's work."""
    kept: list[tuple[str, ...]] = []
    for term in sorted(set(found or ()), key=lambda t: (len(t), sum(map(len, t)), t)):
        if not any(all(any(x in y for y in term) for x in k) for k in kept):
            kept.append(term)
    return tuple(sorted(kept))


@lru_cache(maxsize=8192)
def _sieve(pattern: str, flags: int) -> Sieve:
    found = _needles(pattern, flags)
    if found is None:
        return Sieve(None, PREFILTER.register(pattern, flags))
    # kept between runs, as the needles are: ~0.4 s for the rules' patterns
    minimal = remembered("sieve-3", (pattern, flags), lambda: _minimal(found))
    return Sieve(minimal, PREFILTER.register(pattern, flags))


def sieve(pattern: re.Pattern[str]) -> Sieve:
    """The pattern's ``Sieve``."""
    return _sieve(pattern.pattern, pattern.flags)


Rule = TypeVar("Rule")


def searchable(rules: Iterable[Rule], text: str) -> list[Rule]:
    """The rules (patterns, or tuples ending in one; a None pattern matches nothing) whose
    pattern can match in ``text``: the others lack a needle there, and are not searched."""
    in_text = text_pieces(text)
    found = []
    for rule in rules:
        rx = rule[-1] if isinstance(rule, tuple) else rule
        if rx is not None and sieve(rx).may_match(in_text):
            found.append(rule)
    return found


class Sieves:
    """The sieves of several patterns, tested against one text at once: which of them may
    match (``passing``), each answer the same as its own ``Sieve.may_match``."""

    def __init__(self, patterns: Iterable[re.Pattern[str]]) -> None:
        sieves = [sieve(rx) for rx in patterns]
        self.count = len(sieves)
        self.exact = [s.exact for s in sieves]
        self.last_exact = max(self.exact, default=-1)
        self.unknown = [i for i, s in enumerate(sieves) if not s.known]
        # Every alternative of every pattern under its rarest needle, with its pattern's index.
        by_key: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for i, s in enumerate(sieves):
            for key, terms in s.by_key.items():
                by_key.setdefault(key, []).extend((i, term) for term in terms)
        self.by_key = {k: tuple(v) for k, v in by_key.items()}
        self.keys = frozenset(self.by_key)

    def passing(self, pieces: Pieces | None) -> list[bool]:
        """For each pattern, in order: False only when it has no match in the text."""
        if pieces is None:
            return [True] * self.count
        hits, covered = pieces.prefiltered()
        exact = self.exact
        if covered > self.last_exact:  # the prefilter answers for all
            return [e in hits for e in exact]
        # The prefilter's answer where it has one, as Sieve.may_match; else the needles'.
        out: list[bool | None] = [None if e >= covered else e in hits for e in exact]
        if None in out:
            by_needles = self._needled(pieces)
            out = [by_needles[i] if may is None else may for i, may in enumerate(out)]
        return out  # type: ignore[return-value]

    def _needled(self, pieces: Pieces) -> list[bool]:
        """For each pattern, as its needles alone say."""
        out = [False] * self.count
        for i in self.unknown:
            out[i] = True
        found = pieces.current()
        has = found.__contains__
        for key in self.keys.intersection(found):
            for i, term in self.by_key[key]:
                if not out[i] and all(map(has, term)):
                    out[i] = True
        return out
