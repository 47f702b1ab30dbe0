"""An alternation of phrases grouped by the character each can start with.

Python's engine tries the alternatives of ``(?:(?:p1)|(?:p2)|...)`` one after another at
every place it is tried; matched IGNORECASE (as the rule files are), it cannot even skip
one by its first letter, and an alternation of a few hundred phrases (drug names, exam
words) costs a few hundred attempts at every word of the text. ``alternation(phrases)``
writes the same alternation grouped by first character: ``(?:(?=[sS])(?:(?:p1)|(?:p4))|
(?=[mM])(?:(?:p2))|...)``, each group holding, in their order, the phrases that can start
with its characters, and no character in two groups. At a place whose character is c, only
the group of c is tried, and it tries exactly the phrases that could match there, in the
order the alternation tries them: the same match (the first phrase that matches, and the
same backtracking into later ones), the same groups.

A phrase's first characters are read off its syntax tree (first_chars.py). A phrase that
can start otherwise than with an ASCII character (a class, any character, local flags,
the empty string) is in every group, in its place, and alone in a last group tried where
no group's character is (and at the end of the text): at every place the phrases tried
are still every one that could match there, in their order. The phrases are left as one
plain alternation when one has groups of its own (written in several groups, they would
be numbered anew) or a placeholder the rules fill in later ("{NUM}"), or when too few
of them have a first character to gain. IGNORECASE matches each of the few non-ASCII
characters it folds to an ASCII letter (the dotless i, the Kelvin sign, the long s) to
that one letter only, so the groups stay apart under it too.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from functools import lru_cache

from openimr.intake.first_chars import first_items
from openimr.intake.regex_cache import remembered

_FEW = 8  # fewer phrases than this are left as they are
MEMO = "grouped-4"  # the name its results are kept under: a new one whenever they change
_PLACEHOLDER = re.compile(r"\{[A-Za-z_]")  # a rule's placeholder, filled in later


def plain(phrases: list[str]) -> str:
    return "(?:" + "|".join(f"(?:{p})" for p in phrases) + ")"


def alternation(phrases: list[str]) -> str:
    """``(?:(?:p1)|(?:p2)|...)``, grouped by first character where that can be told; read
    off once and kept between runs, as compiled patterns are (within ``transient()``: only
    the last few, in this run)."""
    if len(phrases) < _FEW:
        return plain(phrases)
    if _transient:
        return _recent(tuple(phrases))
    return remembered(MEMO, tuple(phrases), lambda: _grouped(list(phrases)))


_transient = False


@contextlib.contextmanager
def transient() -> Iterator[None]:
    """Alternations of phrases a text picked (alternation.py): a batch meets many such sets,
    and what the run cache holds it keeps for the run and writes to its file."""
    global _transient
    before, _transient = _transient, True
    try:
        yield
    finally:
        _transient = before


@lru_cache(maxsize=1024)
def _recent(phrases: tuple[str, ...]) -> str:
    return _grouped(list(phrases))


def _grouped(phrases: list[str]) -> str:
    if any(_PLACEHOLDER.search(p) for p in phrases):
        return plain(phrases)  # filled in after ("{NUM}", "{SIDE_EFFECT}"): not yet known
    try:
        if any(re.compile(p).groups for p in phrases):
            return plain(phrases)  # a phrase in several groups would number them anew
    except re.error:  # a phrase that is a pattern only among the others
        return plain(phrases)
    firsts: list[set[str] | None] = []  # None: it may start anywhere (or match empty)
    for p in phrases:
        items = first_items(p)
        chars: set[str] | None = set()
        for kind, value in items or [("unknown", 0)]:
            if kind != "literal" or value > 0x7F:
                chars = None
                break
            chars.add(chr(value).lower())  # type: ignore[union-attr]
        firsts.append(chars)
    if sum(chars is not None for chars in firsts) < _FEW:
        return plain(phrases)
    anywhere = {i for i, chars in enumerate(firsts) if chars is None}
    # Characters that start the same phrases share a group; a phrase that may start
    # anywhere is in every group, in its place.
    by_char: dict[str, tuple[int, ...]] = {}
    for ch in sorted(set().union(*(chars for chars in firsts if chars is not None))):
        by_char[ch] = tuple(
            i
            for i, chars in enumerate(firsts)
            if i in anywhere or ch in chars  # type: ignore[operator]
        )
    groups: dict[tuple[int, ...], list[str]] = {}
    for ch, members in by_char.items():
        groups.setdefault(members, []).append(ch)
    parts = []
    every = ""
    for members, chars in sorted(groups.items(), key=lambda g: (g[0][0], g[0])):
        cls = "".join(
            re.escape(c) + re.escape(c.upper()) if c.isalpha() else re.escape(c) for c in chars
        )
        every += cls
        parts.append(f"(?=[{cls}])" + plain([phrases[i] for i in members]))
    if anywhere:
        # Where no group's character is (or at the end of the text): those alone.
        parts.append(f"(?![{every}])" + plain([phrases[i] for i in sorted(anywhere)]))
    return "(?:" + "|".join(parts) + ")"
