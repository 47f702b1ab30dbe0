"""Which patterns can match a text at all, all of them found in one pass (Vectorscan).

A sieve (needles.py) skips a pattern when a string every match holds is missing from the
text. Most searches it lets through still find nothing: the words are there but not in
the pattern's order ("therapy" and "week" in a text, never "therapy 2x a week"). On the
seed cases 30 searches of the simple families alone came up empty per case, 78% of their
time; had every sieve known exactly which patterns match, a review would take a third
less time.

So every pattern a sieve is made for is also written as an expression for Vectorscan (the
BSD-licensed fork of Intel's Hyperscan, through the ``hyperscan`` package), one that
matches wherever the pattern does and perhaps elsewhere, never less (``expression``):

- tests of a place (lookarounds, anchors, word boundaries) are dropped;
- possessive, lazy and atomic forms are read as plain ones, a conditional as either
  branch, a long bounded repeat as an unbounded one;
- the text is read as bytes with every non-ASCII character made one byte (\\x80) that
  every class, category and negated literal of an expression also accepts (``folded``),
  so the positions do not move and a non-ASCII character matches wherever one might.

A pattern that can match the empty string, refers to a group's text, or cannot be written
so (too long for Vectorscan) gets no expression: its sieve answers as before. Case: an
expression is caseless where the pattern is, Vectorscan folding ASCII letters as Python
does; a text holding one of the non-ASCII characters Python also folds to an ASCII letter
(``CASE_TWINS``) is left to the needles, as is a text holding \\x1c-\\x1f (which Python's
``\\s`` matches and Vectorscan's does not).

All the expressions are scanned for at once, and a pattern whose expression is not found
has no match in the text: its search is skipped, and its (empty) result is the same. Where
the prefilter answers, a sieve does not look at its needles at all. A short text (a
sentence, under needles.SCAN_FROM) is not scanned itself: a text just scanned that holds
it answers for it, since a pattern with no match in a text has none in any part of it.
tests/intake/test_prefilter.py checks it against the engine (every rule pattern on the
seed letters, in pieces, in other cases and with non-ASCII characters; random patterns on
random texts; the facts of a review with and without it).

Compiling is the cost (seven seconds or so for the rules' thousand-odd patterns), so it
waits until a run has looked at ``BUILD_AFTER`` texts (a batch, not one review). The
patterns are compiled in chunks of ``CHUNK``, in the order of their ids, each chunk's
database kept beside the run cache under a digest of its expressions and ids (the cache
directory, or nowhere when ``OPENIMR_CACHE`` is off). The process's own prefilter
(``PREFILTER``) also writes to the run cache the patterns of its last build, by id, and the
names of its chunks (``CATALOGUE``): the next run, a single review too, starts from them,
reading the databases with its first text (some 25 ms), and only patterns new to it wait
for a build of their own, once as many texts again have been read. Each such build adds a
chunk; past ``MAX_CHUNKS`` a build compiles them all again in full chunks. A run that has
read ``PRUNE_AFTER`` texts without asking for a third of the catalogue's patterns writes
one of only those it used. Without the
``hyperscan`` package (a platform it has no wheel for), or with ``OPENIMR_PREFILTER=off``,
nothing is built and the sieves answer alone; the facts are the same.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from pathlib import Path
from typing import Any

from openimr import runcache

try:  # pragma: no branch  (Python's own parser, as needles.py reads it)
    from re import _constants as _c
    from re import _parser as _parser
except ImportError:  # pragma: no cover
    _c = _parser = None  # type: ignore[assignment]

# Non-ASCII characters Python's IGNORECASE matches to an ASCII letter (the dotless i, the
# long s, the Kelvin sign; tests/intake/test_needles.py checks every code point).
CASE_TWINS = frozenset("\u0130\u0131\u017f\u212a")

MAGIC = "superset-3"  # bump when ``expression`` changes what it writes
BUILD_AFTER = 200  # texts looked at (sentences included) before a first build
CHUNK = 1024  # patterns per compiled database
MAX_BOUND = 8  # a repeat bounded above this is read as unbounded (quicker to compile)
MAX_LENGTH = 16_000  # Vectorscan refuses longer expressions ("Pattern length exceeds limit")
KEPT_FILES = 16  # compiled chunks kept in the cache directory (the oldest go)
OFF = ("off", "0", "no", "false")
CATALOGUE = "prefilter-catalogue"  # the run cache's table of the last build's patterns
MAX_CATALOGUE = 8_000  # a catalogue grown past this many patterns is started afresh
PRUNE_AFTER = 1_000  # texts a run reads before it may write a catalogue of its own patterns
# Each build adds a chunk for the patterns new to it; past this many, a build compiles them
# all again in full chunks (the same ids): a scan costs ~20 us a chunk.
MAX_CHUNKS = 8

_OTHER = 0x80  # every non-ASCII character
_ALL = frozenset(range(0x81))
_DIGIT = frozenset(range(0x30, 0x3A))
_WORD = _DIGIT | frozenset(range(0x41, 0x5B)) | frozenset(range(0x61, 0x7B)) | {0x5F}
_SPACE = frozenset((0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20))  # \x1c-\x1f: see ``folded``
# Vectorscan's own classes, for the sets it spells shortest (its \s is _SPACE).
_SHORTHANDS = {
    _SPACE | {_OTHER}: r"[\s\x80]",
    _WORD | {_OTHER}: r"[\w\x80]",
    _DIGIT | {_OTHER}: r"[\d\x80]",
    _ALL - _SPACE: r"\S",
    _ALL - _WORD: r"\W",
    _ALL - _DIGIT: r"\D",
}
_UNREAD = re.compile(r"[\x1c-\x1f]")  # in Python's \s, not in Vectorscan's
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def non_ascii_as_one(text: str) -> str:
    """The text with every non-ASCII character made \\x80, the same length: how the
    expressions read it, and PyRuSH's prefilter too (facts/rush.py)."""
    return text if text.isascii() else _NON_ASCII.sub(chr(_OTHER), text)


class _Unwritable(Exception):
    """A construct the expression cannot stand for."""


# --- writing the expression ---------------------------------------------------------------


def _char(code: int) -> str:
    ch = chr(code)
    if (ch.isalnum() or ch == " ") and code < 0x80:
        return ch
    if 0x20 <= code < 0x7F:
        return "\\" + ch
    return f"\\x{code:02x}"


def _class(codes: set[int] | frozenset[int]) -> str:
    """A class of bytes (0-0x80): a shorthand, or in ranges."""
    short = _SHORTHANDS.get(frozenset(codes))
    if short is not None:
        return short
    ordered = sorted(codes)
    if not ordered:
        raise _Unwritable("an empty class")
    if len(ordered) == 1:
        return _char(ordered[0])
    parts, i = [], 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        first, last = _char(ordered[i]), _char(ordered[j])
        parts.append(first if i == j else first + ("" if j == i + 1 else "-") + last)
        i = j + 1
    return "[" + "".join(parts) + "]"


# Python's categories, ASCII and Unicode alike: their ASCII members, and whether negated.
_CATEGORIES = {
    "DIGIT": (_DIGIT, False),
    "NOT_DIGIT": (_DIGIT, True),
    "WORD": (_WORD, False),
    "NOT_WORD": (_WORD, True),
    "SPACE": (_SPACE, False),
    "NOT_SPACE": (_SPACE, True),
}


def _category(category: Any) -> frozenset[int]:
    """The bytes of a category: its ASCII members, and \\x80 (it holds or excludes some
    non-ASCII characters, so one of them may be any)."""
    name = str(category).removeprefix("CATEGORY_").removeprefix("UNI_")
    if name not in _CATEGORIES:  # (a line break category, never in the rules)
        raise _Unwritable(str(category))
    members, negated = _CATEGORIES[name]
    return (_ALL - members if negated else members) | {_OTHER}


def _cased(codes: set[int], caseless: bool) -> set[int]:
    """The codes, with the other case of each ASCII letter when caseless."""
    if not caseless:
        return codes
    return codes | {ord(chr(x).swapcase()) for x in codes if chr(x).isalpha() and x < 0x80}


def _set(items: list[tuple[Any, Any]], caseless: bool) -> set[int]:
    """The bytes a class ([...]) accepts."""
    negate, codes = False, set()
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            codes.add(min(av, _OTHER))
        elif op is _c.RANGE:
            low, high = av
            codes.update(range(low, min(high, 0x7F) + 1))
            if high >= 0x80:
                codes.add(_OTHER)
        elif op is _c.CATEGORY:
            codes |= _category(av)
        else:
            raise _Unwritable(str(op))
    if negate:  # caseless, Python excludes both cases; \x80 may be any other character
        return set(_ALL - _cased(codes, caseless)) | {_OTHER}
    return codes  # a caseless expression adds the other case of a letter itself


_ATOMS = ("LITERAL", "NOT_LITERAL", "ANY", "IN", "CATEGORY")  # written as one character


def _write(items: Any, caseless: bool) -> str:
    out = []
    for op, av in items:
        if op is _c.LITERAL:
            out.append(_char(min(av, _OTHER)))
        elif op is _c.NOT_LITERAL:
            excluded = _cased({av} if av < 0x80 else set(), caseless)
            out.append(_class(set(_ALL - excluded) | {_OTHER}))
        elif op is _c.ANY:
            out.append(_class(_ALL))
        elif op is _c.IN:
            out.append(_class(_set(av, caseless)))
        elif op is _c.CATEGORY:
            out.append(_class(_category(av)))
        elif op is _c.BRANCH:
            out.append("(?:" + "|".join(_write(b, caseless) for b in av[1]) + ")")
        elif op is _c.SUBPATTERN:
            _group_id, add, remove, inner = av
            local = (caseless or bool(add & re.I)) and not (remove & re.I)
            body = _write(inner, local)
            if local != caseless:
                out.append(("(?i:" if local else "(?-i:") + body + ")")
            else:
                out.append(f"(?:{body})")
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            low, high, inner = av
            atom = _write(inner, caseless)
            if len(inner) != 1 or str(inner[0][0]) not in _ATOMS:
                atom = f"(?:{atom})"
            low = min(low, MAX_BOUND)
            if high is _c.MAXREPEAT or high > MAX_BOUND:
                quantifier = {0: "*", 1: "+"}.get(low, f"{{{low},}}")
            elif (low, high) == (0, 1):
                quantifier = "?"
            else:
                quantifier = f"{{{low},{high}}}" if low != high else f"{{{low}}}"
            out.append(atom + quantifier)
        elif op is _c.ATOMIC_GROUP:
            out.append(f"(?:{_write(av, caseless)})")
        elif op in (_c.ASSERT, _c.ASSERT_NOT, _c.AT):
            continue  # a test of a place: without it the expression only accepts more
        elif op is _c.GROUPREF_EXISTS:
            _group_id, yes, no = av
            either = _write(yes, caseless) + "|" + (_write(no, caseless) if no else "")
            out.append(f"(?:{either})")
        else:  # a reference to a group's text, or something new
            raise _Unwritable(str(op))
    return "".join(out)


def expression(pattern: str, flags: int) -> tuple[str, bool] | None:
    """The Vectorscan expression standing for ``pattern`` and whether it is caseless, or
    None when it cannot be written (see the module's docstring)."""
    if _parser is None:  # pragma: no cover
        return None
    try:
        tree = _parser.parse(pattern, flags)
        if tree.getwidth()[0] == 0:
            return None  # it may match the empty string, anywhere
        caseless = bool(tree.state.flags & re.I)
        written = _write(tree, caseless)
    except (_Unwritable, re.error, RecursionError, OverflowError):
        return None
    return (written, caseless) if 0 < len(written) <= MAX_LENGTH else None


def folded(text: str) -> bytes | None:
    """The text as the expressions are scanned for in it: one byte a character, \\x80 for
    every non-ASCII one (None: a text they cannot speak for, see the docstring)."""
    if _UNREAD.search(text):
        return None
    if not text.isascii() and not CASE_TWINS.isdisjoint(text):
        return None
    return non_ascii_as_one(text).encode("latin-1")


# --- compiling and scanning ---------------------------------------------------------------


def _hyperscan() -> Any:
    try:
        import hyperscan
    except ImportError:  # pragma: no cover  (a platform without its wheel)
        return None
    return hyperscan


class _Chunk:
    """Some patterns' expressions compiled together: the ids it covers, up to ``end``."""

    def __init__(
        self, db: Any, end: int, unwritten: frozenset[int], digest: str | None = None
    ) -> None:
        self.db = db
        self.end = end
        self.unwritten = unwritten  # ids in the chunk with no expression: always "may"
        self.digest = digest  # the name of its file in the cache directory
        self._local = threading.local()

    def scratch(self) -> Any:
        """This thread's scratch space for the database (Vectorscan's: one per thread)."""
        found = getattr(self._local, "scratch", None)
        if found is None:
            found = self._local.scratch = _hyperscan().Scratch(self.db)
        return found


def _cache_dir() -> Path | None:
    path = runcache.cache_file()
    return None if path is None else path.parent


def _database(hs: Any, expressions: list[tuple[int, str, bool]]) -> Any:
    db = hs.Database(mode=hs.HS_MODE_BLOCK)
    db.compile(
        expressions=[e.encode("latin-1") for _, e, _ in expressions],
        ids=[i for i, _, _ in expressions],
        flags=[hs.HS_FLAG_SINGLEMATCH | (hs.HS_FLAG_CASELESS if c else 0) for *_, c in expressions],
    )
    return db


def _path(digest: str) -> Path | None:
    folder = _cache_dir()
    return None if folder is None else folder / f"prefilter-{digest}.hs"


def _compiled(hs: Any, expressions: list[tuple[int, str, bool]]) -> tuple[Any, str]:
    """The chunk's database and its digest, from the cache directory or compiled (and kept
    there)."""
    import hashlib  # (only for a build: not on a single review's start)

    digest = hashlib.sha256(
        "\0".join(
            [MAGIC, str(hs.__version__)] + [f"{i}:{c:d}{e}" for i, e, c in expressions]
        ).encode()
    ).hexdigest()[:32]
    db = _loaded(hs, digest)
    if db is None:
        db = _database(hs, expressions)
        path = _path(digest)
        if path is not None:
            _keep(path, hs.dumpb(db))
    return db, digest


def _loaded(hs: Any, digest: str) -> Any:
    """The database kept under ``digest`` (None: none, or one that cannot be read)."""
    path = _path(digest)
    if path is None:
        return None
    with contextlib.suppress(OSError, hs.error):
        db = hs.loadb(path.read_bytes(), hs.HS_MODE_BLOCK)
        with contextlib.suppress(OSError):
            os.utime(path)  # in use: the last to go
        return db
    return None


def _keep(path: Path, data: bytes) -> None:
    """Written whole or not at all, the oldest beyond KEPT_FILES removed; a directory that
    cannot be written keeps nothing."""
    with contextlib.suppress(OSError):
        runcache.write_whole(path, data)
        kept = sorted(path.parent.glob("prefilter-*.hs"), key=lambda p: p.stat().st_mtime)
        for old in kept[:-KEPT_FILES]:
            with contextlib.suppress(OSError):
                old.unlink()


def _refused(hs: Any, written: list[tuple[int, str, bool]]) -> set[int]:
    """The ids of the expressions Vectorscan refuses to compile, found by halves."""
    try:
        _database(hs, written)
        return set()
    except hs.error:
        if len(written) == 1:
            return {written[0][0]}
    half = len(written) // 2
    return _refused(hs, written[:half]) | _refused(hs, written[half:])


def _compile_chunk(
    hs: Any, written: list[tuple[int, str, bool]]
) -> tuple[Any, set[int], str | None]:
    """The database of ``written`` (and its digest), without any expression Vectorscan
    refuses; the ids of those left out."""
    if not written:
        return None, set(), None
    try:
        db, digest = _compiled(hs, written)
        return db, set(), digest
    except hs.error:
        refused = _refused(hs, written)
        kept = [w for w in written if w[0] not in refused]
        if not kept:
            return None, refused, None
        db, digest = _compiled(hs, kept)
        return db, refused, digest


class Prefilter:
    """The patterns registered (``register``), the chunks compiled so far, and the scan of a
    text against them (``scan``). ``shared``: the process's own, which starts from the
    patterns and chunks the last build left in the cache (``CATALOGUE``), so that a single
    review, which never builds, has them too."""

    def __init__(self, shared: bool = False) -> None:
        self.patterns: list[tuple[str, int]] = []  # by id
        self.index: dict[tuple[str, int], int] = {}  # pattern and flags -> id
        self.chunks: list[_Chunk] = []
        self.texts = 0  # texts looked at (``seen``)
        self.next_build = BUILD_AFTER
        self.built = 0  # ids covered by the chunks
        # OPENIMR_PREFILTER=off: none (the needles answer alone; the same facts)
        self.enabled = os.environ.get("OPENIMR_PREFILTER", "").strip().lower() not in OFF
        self.shared = shared
        self._opened = not shared  # the catalogue read
        self._pending: list[tuple[int, str | None, frozenset[int]]] = []  # chunks to load
        self._version = ""  # the hyperscan package that compiled them
        self._lock = threading.Lock()  # one build at a time
        self._registered: set[int] = set()  # the ids this run has asked for
        self._pruned = False  # the catalogue written afresh (see ``_catalogue``)

    def register(self, pattern: str, flags: int) -> int:
        """The pattern's id (the same for the same pattern and flags)."""
        if not self._opened:
            self._open()
        key = (pattern, flags)
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.patterns)
            self.patterns.append(key)
        self._registered.add(found)
        return found

    def _open(self) -> None:
        """The last build's patterns (their ids) and chunks, read from the run cache; its
        databases are read with the first text (``seen``)."""
        self._opened = True
        kept = runcache.get(CATALOGUE, MAGIC) if self.enabled else runcache.MISSING
        if kept is runcache.MISSING or self.patterns:
            return
        with contextlib.suppress(TypeError, ValueError):
            version, patterns, chunks = kept
            if len(patterns) <= MAX_CATALOGUE:
                self.patterns = [(str(p), int(f)) for p, f in patterns]
                self.index = {key: i for i, key in enumerate(self.patterns)}
                self._pending = [(int(end), digest, frozenset(u)) for end, digest, u in chunks]
                self._version = version

    def _load(self) -> None:
        """The catalogue's chunks, all of them or none (a file gone: a build compiles
        them again)."""
        pending, self._pending = self._pending, []
        hs = _hyperscan() if self.enabled else None
        if hs is None or str(hs.__version__) != self._version:
            return
        chunks = []
        for end, digest, unwritten in pending:
            db = None if digest is None else _loaded(hs, digest)
            if digest is not None and db is None:
                return
            chunks.append(_Chunk(db, end, unwritten, digest))
        with self._lock:
            if not self.chunks:
                self.chunks, self.built = chunks, chunks[-1].end if chunks else 0

    def seen(self) -> None:
        """A text looked at: once enough have been, what is registered is compiled."""
        if self._pending:
            self._load()
        self.texts += 1
        if self.texts >= self.next_build and self.built < len(self.patterns):
            self.next_build = 2 * self.texts
            self.build()
        elif self.texts == PRUNE_AFTER and self.shared and self.built and not self._pruned:
            hs = _hyperscan() if self.enabled else None
            if hs is not None and self._stale():
                with self._lock:
                    self._catalogue(hs)

    def build(self) -> None:
        """Compiles every pattern registered and not yet compiled."""
        if self._pending:
            self._load()
        hs = _hyperscan() if self.enabled else None
        if hs is None or self.built == len(self.patterns):
            return
        with self._lock:
            self._build(hs)

    def _build(self, hs: Any) -> None:
        while self.built < len(self.patterns):
            end = min(self.built + CHUNK, len(self.patterns))
            self.chunks.append(self._chunk(hs, self.built, end))
            self.built = end
        if len(self.chunks) > MAX_CHUNKS:  # compacted (a text scanned before is scanned again)
            ranges = [(s, min(s + CHUNK, self.built)) for s in range(0, self.built, CHUNK)]
            self.chunks = [self._chunk(hs, s, e) for s, e in ranges]
        if self.shared and not self._pruned:  # for the next run, a single review's too
            self._catalogue(hs)

    def _catalogue(self, hs: Any) -> None:
        """Writes this build's patterns and chunks for the next run; or, once a long run has
        left a third of them unused (patterns of rules since changed, or of other work: a
        test run's), only those it used, numbered afresh and compiled in chunks of their
        own (once a run: the later builds of this run write nothing)."""
        patterns, chunks = self.patterns[: self.built], self.chunks
        if self.texts >= PRUNE_AFTER and self._stale():
            fresh = Prefilter()
            for i in sorted(self._registered):
                fresh.register(*self.patterns[i])
            fresh._build(hs)
            patterns, chunks = fresh.patterns, fresh.chunks
            self._pruned = True
        kept = [(c.end, c.digest, sorted(c.unwritten)) for c in chunks]
        runcache.put(CATALOGUE, MAGIC, (str(hs.__version__), patterns, kept))

    def _stale(self) -> bool:
        """Whether a third of the patterns compiled were never asked for by this run."""
        used = sum(1 for i in self._registered if i < self.built)
        return self.built - used > self.built // 3

    def _chunk(self, hs: Any, start: int, end: int) -> _Chunk:
        """The chunk of the ids from ``start`` to before ``end``."""
        written, unwritten = [], set()
        for i in range(start, end):
            found = expression(*self.patterns[i])
            if found is None:
                unwritten.add(i)
            else:
                written.append((i, *found))
        db, refused, digest = _compile_chunk(hs, written)
        return _Chunk(db, end, frozenset(unwritten | refused), digest)

    def scan(self, text: str, scanned: int, hits: set[int]) -> tuple[int, int]:
        """Scans ``text`` for the chunks from ``scanned`` on, adding to ``hits`` the ids
        that may match (those found, and those with no expression); returns (chunks
        scanned, ids covered). Covers nothing for a text the expressions cannot read."""
        if scanned >= len(self.chunks):
            return scanned, self.chunks[-1].end if self.chunks else 0
        if scanned < 0:
            return scanned, 0
        data = folded(text)
        if data is None:
            return -1, 0  # never: the needles answer alone
        add = hits.add

        def found(i: int, _start: int, _end: int, _flags: int, _context: Any) -> None:
            add(i)

        chunks = self.chunks[:]  # (another thread may be adding to them)
        for chunk in chunks[scanned:]:
            hits.update(chunk.unwritten)
            if chunk.db is not None:
                chunk.db.scan(data, match_event_handler=found, scratch=chunk.scratch())
        return len(chunks), chunks[-1].end


PREFILTER = Prefilter(shared=True)
