"""A whole-words alternation searched with only the phrases that can match in the text.

A rule's phrases are one alternation (``lexicon.whole_words``: ``(?<![\\w])(?:(?:p1)|(?:p2)
|...)(?![\\w])``), and the engine tries every phrase at every word of the text, though in a
given text most phrases cannot match anywhere: their needles (needles.py) are missing. A
phrase that matches nowhere in the text fails at every position inside the alternation too
(its branch is followed by the same ``(?![\\w])`` and nothing else), so the alternation of
the other phrases, in the same order, finds the same matches in the same order.

``Alternation.finditer`` searches only those: the phrase alone when one can match; when
several can, the alternation of those (compiled for each such set, the last few kept);
the whole when all can, or when it cannot tell (a short text, a pattern that refers to its
own groups). The matches' spans are the same (their groups are numbered as in the phrases
searched).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from openimr.intake.grouped import transient
from openimr.intake.needles import Pieces, Sieves
from openimr.intake.regex_cache import compile_cached

# A reference to a group (\1, (?P=name), (?(1)...)): dropping phrases would renumber it.
_REFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


# An alternation is searched whole this many times before its phrases' sieves are built
# (a few ms for a large rule): a single review does not pay for what only a batch gains.
SEARCHES_BEFORE_SIEVES = 4
MOST_KEPT = 16  # alternations of some of the phrases kept for each (the latest)


class Alternation:
    """``pattern_of(phrases)`` compiled (``full``), searched through ``finditer(text,
    pieces)`` with only the phrases whose needles are in the text."""

    __slots__ = (
        "_alone",
        "_reducible",
        "_searches",
        "_sieves",
        "_some",
        "full",
        "needles_of",
        "pattern_of",
        "phrases",
    )

    def __init__(
        self,
        phrases: list[str],
        pattern_of: Callable[[list[str]], str],
        full: re.Pattern[str],
        needles_of: Callable[[list[str]], str] | None = None,
    ) -> None:
        self.phrases = list(phrases)
        self.pattern_of = pattern_of
        # What each phrase's needles are read from (default: its own pattern); a pattern
        # that only tests a place (a lookahead) has none of its own.
        self.needles_of = needles_of or pattern_of
        self.full = full
        self._reducible = len(self.phrases) > 1 and not _REFERENCE.search(full.pattern)
        self._searches = 0
        # Built once it has been searched SEARCHES_BEFORE_SIEVES times: each phrase alone
        # and their sieves.
        self._alone: list[re.Pattern[str]] = []
        self._sieves: Sieves | None = None
        self._some: dict[tuple[int, ...], re.Pattern[str]] = {}  # alternations of a few

    def finditer(
        self, text: str, pieces: Pieces | None, pos: int = 0, endpos: int | None = None
    ) -> Iterator[re.Match[str]]:
        """``full.finditer(text, pos, endpos)``'s matches (their spans); ``pieces`` are those
        of ``text[pos:endpos]`` (``needles.text_pieces``), or of a text holding it."""
        end = len(text) if endpos is None else endpos
        if pieces is None or not self._reducible:
            return self.full.finditer(text, pos, end)
        if self._sieves is None:
            self._searches += 1
            if self._searches <= SEARCHES_BEFORE_SIEVES:
                return self.full.finditer(text, pos, end)
            flags = self.full.flags
            try:
                alone = [compile_cached(self.pattern_of([p]), flags) for p in self.phrases]
                if self.needles_of is self.pattern_of:
                    sieved = alone
                else:
                    sieved = [compile_cached(self.needles_of([p]), flags) for p in self.phrases]
            except re.error:  # pragma: no cover  (a phrase that compiles only among the others)
                self._reducible = False
                return self.full.finditer(text, pos, end)
            self._alone, self._sieves = alone, Sieves(sieved)
        keep = [i for i, may in enumerate(self._sieves.passing(pieces)) if may]
        if not keep:
            return iter(())
        if len(keep) == len(self.phrases):
            return self.full.finditer(text, pos, end)
        if len(keep) == 1:
            return self._alone[keep[0]].finditer(text, pos, end)
        if any(i in self._sieves.unknown for i in keep):
            return self.full.finditer(text, pos, end)  # a phrase that may match the empty string
        return self._of(tuple(keep)).finditer(text, pos, end)

    def _of(self, keep: tuple[int, ...]) -> re.Pattern[str]:
        """The alternation of the phrases ``keep``, in their order."""
        found = self._some.get(keep)
        if found is None:
            if len(self._some) >= MOST_KEPT:
                del self._some[next(iter(self._some))]
            # (compiled here, not kept between runs: the sets a batch meets are many, and
            # the run cache keeps every value a run uses)
            with transient():
                pattern = self.pattern_of([self.phrases[i] for i in keep])
            found = self._some[keep] = re.compile(pattern, self.full.flags)
        return found
