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

A phrase's first characters are read off its syntax tree (first_chars.py); the phrases are
left as one plain alternation when any of them can start otherwise than with an ASCII
character (a class, any character, the empty string), when one has groups of its own or
a placeholder the rules fill in later ("{NUM}"), or when there are too few phrases to
gain. IGNORECASE matches each of the few non-ASCII characters it folds to an ASCII letter
(the dotless i, the Kelvin sign, the long s) to that one letter only, so the groups stay
apart under it too.
"""

from __future__ import annotations

import re

from openimr.intake.first_chars import first_items
from openimr.intake.regex_cache import remembered

_FEW = 8  # fewer phrases than this are left as they are
MEMO = "grouped-3"  # the name its results are kept under: a new one whenever they change
_PLACEHOLDER = re.compile(r"\{[A-Za-z_]")  # a rule's placeholder, filled in later


def plain(phrases: list[str]) -> str:
    return "(?:" + "|".join(f"(?:{p})" for p in phrases) + ")"


def alternation(phrases: list[str]) -> str:
    """``(?:(?:p1)|(?:p2)|...)``, grouped by first character where that can be told; read
    off once and kept between runs, as compiled patterns are."""
    if len(phrases) < _FEW:
        return plain(phrases)
    return remembered(MEMO, tuple(phrases), lambda: _grouped(list(phrases)))


def _grouped(phrases: list[str]) -> str:
    if any(_PLACEHOLDER.search(p) for p in phrases):
        return plain(phrases)  # filled in after ("{NUM}", "{SIDE_EFFECT}"): not yet known
    firsts: list[set[str]] = []
    for p in phrases:
        items = first_items(p)
        if items is None:  # (also a phrase with groups: reordered, they would be renumbered)
            return plain(phrases)
        chars = set()
        for kind, value in items:
            if kind != "literal" or value > 0x7F:
                return plain(phrases)
            chars.add(chr(value).lower())
        firsts.append(chars)
    # Characters that start the same phrases share a group.
    by_char: dict[str, tuple[int, ...]] = {}
    for ch in sorted(set().union(*firsts)):
        by_char[ch] = tuple(i for i, chars in enumerate(firsts) if ch in chars)
    groups: dict[tuple[int, ...], list[str]] = {}
    for ch, members in by_char.items():
        groups.setdefault(members, []).append(ch)
    parts = []
    for members, chars in sorted(groups.items(), key=lambda g: (g[0][0], g[0])):
        cls = "".join(
            re.escape(c) + re.escape(c.upper()) if c.isalpha() else re.escape(c) for c in chars
        )
        parts.append(f"(?=[{cls}])" + plain([phrases[i] for i in members]))
    return "(?:" + "|".join(parts) + ")"
