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

Every position is tried, as PyRuSH does, until 5,000 characters have been (the
expression costs about that much to build), and where it cannot speak for the trie:
a text with a backslash (the trie's escape character, which PyFastNER also reads as a
character), a changed limit on repeats, a PyFastNER version not compared (``VERIFIED``).
"""

from __future__ import annotations

import contextlib
import re
import string
from typing import Any

VERIFIED = {"1.0.10"}  # PyFastNER versions whose walk the expression was checked against
END = "<END>"  # PyFastNER's key for "a rule ends here"
_OTHER = "\x80"  # every non-ASCII character is read as this one
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
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


def _pattern(node: dict, pre_key: str, wildcard: bool, most: int) -> str:
    """What may follow a trie node, as PyFastNER.processRules walks it; ``most`` is its
    limit on repeats ("+")."""
    if END in node:
        return ""  # a rule ends here: whatever follows, a walk that got here matches
    # A walk that reaches the end of the text may match there by PyFastNER's end-of-text
    # readings of a node (its "\\e", ")" and "+" keys): counted as a possible match.
    alternatives = [r"\Z"]
    for key, child in node.items():
        if key == "\\":  # wildcards
            for w, sub in child.items():
                if w in _CLASSES:
                    alternatives.append(_CLASSES[w] + _pattern(sub, w, True, most))
                elif w in "()\\":
                    alternatives.append(re.escape(w) + _pattern(sub, w, True, most))
                elif w == "b":  # the start of the text (a walk from position 0 only)
                    alternatives.append(r"\A" + _pattern(sub, w, True, most))
                elif w == "e":  # the end of the text
                    alternatives.append(r"\Z" + _pattern(sub, w, True, most))
                else:  # e.g. "\+", which PyFastNER reads oddly
                    raise _Unsupported(w)
        elif key in ("(", ")"):  # capture marks consume nothing
            alternatives.append(_pattern(child, key, False, most))
        elif key == "+":
            # Up to `most` more of what came before (PyFastNER takes none or as many as
            # there are, up to its limit), or the character "+" itself: both walk on into
            # the same node. Bounded, so that a long run costs at most `most` steps.
            if wildcard:
                repeat = _CLASSES[pre_key] if pre_key in _REPEATABLE else ""
            else:
                repeat = _literal(pre_key)
            repeats = f"{repeat}{{0,{most}}}" if repeat else ""
            alternatives.append(rf"(?:\+|{repeats})" + _pattern(child, "+", False, most))
        elif len(key) == 1:
            alternatives.append(_literal(key) + _pattern(child, key, False, most))
    return "(?:" + "|".join(alternatives) + ")"


# The expression takes about as long to build as walking 5,000 characters: built once
# that many have been walked, so that a small case does not pay for it.
BUILD_AFTER = 5_000


class Prefiltered:
    """A stand-in for ``FastCNER.process`` that walks the trie only where it can match."""

    def __init__(self, fastner: Any) -> None:
        self.fastner = fastner
        self.most = _repeat_limit()
        self.starts: re.Pattern[str] | None = None
        self.built = False
        self.walked = 0  # characters walked at every position, before it is built

    def build(self) -> None:
        import PyFastNER

        self.built = True
        if PyFastNER.__version__ not in VERIFIED:
            return
        # A trie it cannot stand for leaves every position to be tried.
        with contextlib.suppress(_Unsupported, RecursionError, re.error):
            self.starts = re.compile(
                "(?=" + _pattern(self.fastner.rule_map, " ", False, self.most) + ")"
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
        folded = _NON_ASCII.sub(_OTHER, text)
        return [m.start() for m in self.starts.finditer(folded) if m.start() < len(text)]

    def __call__(self, text: str, offset: int = 0, matches: dict | None = None) -> dict:
        # FastCNER.process, with its loop over every position replaced.
        f = self.fastner
        matches = {} if matches is None else matches
        f.offset = offset
        f.overlap_checkers.clear()
        for i in self.positions(text):
            pre_char = text[i - 1] if i > 0 else " "
            f.processRules(text, f.rule_map, i, 0, i, matches, pre_char, False, " ")
        f.removePseudo(matches)
        return matches


def _repeat_limit() -> int:
    """PyFastNER's limit on repeats: a module global, set by the last FastCNER made."""
    from PyFastNER import ReplicationFunctionsLambda

    return int(ReplicationFunctionsLambda.gmax_repeat)
