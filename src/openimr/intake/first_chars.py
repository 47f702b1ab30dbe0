"""A pattern led by a test of its first character, where the engine has none of its own.

Python's engine tries a pattern at every position of the text; when a pattern starts with
a literal prefix or a small set of characters (case-sensitive), the engine skips ahead to
the next place one occurs. Most rule patterns start otherwise (a lookbehind, an optional
sign, words matched IGNORECASE), and each position then costs a full attempt. ``led(p)``
is ``(?=[F])(?:p)``, F every character a match of p can start with (read off the
pattern's syntax tree, Python's own parser): at a position whose character is not in F the
attempt fails at once. It matches exactly where p does, the same spans and groups (the
test consumes nothing and holds wherever p matches; it adds no group), under any flags (F
is written from p's own literals, ranges and classes, which the flags read alike).

The pattern is left as it is when F cannot be told (a class with a negation, any
character, a back reference, local flags), when p may match the empty string, when the
engine already skips by a prefix or a set of its own, and when F holds a broad class
(``\\w``, ``\\s``, a negated category) or many characters: the test would rarely fail.
tests/intake/test_first_chars.py checks every rule pattern against the original.
"""

from __future__ import annotations

import re
from typing import Any

from openimr.intake.regex_cache import remembered

try:  # Python's own parser and compiler (private, stable within 3.11)
    from re import _compiler, _parser
    from re import _constants as _c
except ImportError:  # pragma: no cover
    _c = _compiler = _parser = None  # type: ignore[assignment]

_MAX_CHARS = 24  # the most characters (ranges counted whole) F may hold
MEMO = "first_chars-2"  # the name its results are kept under: a new one whenever they change
_LOCAL_FLAGS = re.compile(r"\(\?(?:[aiLmsux]+(?:-[imsx]+)?|-[imsx]+)[:)]")

First = tuple[set[tuple[str, Any]], bool] | None  # (F's items, whether it may match empty)


def _sequence(items: Any) -> First:
    out: set[tuple[str, Any]] = set()
    for op, av in items:
        if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            continue  # consumes nothing: the first character is what comes next
        found = _node(op, av)
        if found is None:
            return None
        chars, empty = found
        out |= chars
        if not empty:
            return out, False
    return out, True


def _node(op: Any, av: Any) -> First:
    if op is _c.LITERAL:
        return {("literal", av)}, False
    if op is _c.IN:
        chars: set[tuple[str, Any]] = set()
        for item, value in av:
            if item is _c.LITERAL:
                chars.add(("literal", value))
            elif item is _c.RANGE:
                chars.add(("range", value))
            elif item is _c.CATEGORY and value is _c.CATEGORY_DIGIT:
                chars.add(("digit", value))
            else:  # a negation, a broad category
                return None
        return chars, False
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:
            return None
        return _sequence(sub)
    if op is _c.ATOMIC_GROUP:
        return _sequence(av)
    if op is _c.BRANCH:
        out: set[tuple[str, Any]] = set()
        empty = False
        for alternative in av[1]:
            found = _sequence(alternative)
            if found is None:
                return None
            out |= found[0]
            empty = empty or found[1]
        return out, empty
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, _high, sub = av
        found = _sequence(sub)
        if found is None:
            return None
        return found[0], found[1] or low == 0
    return None  # ANY, NOT_LITERAL, GROUPREF, GROUPREF_EXISTS, ...


def _class(chars: set[tuple[str, Any]]) -> str | None:
    parts, size = [], 0
    for kind, value in sorted(chars, key=repr):
        if kind == "literal":
            parts.append(_escape(value))
            size += 1
        elif kind == "range":
            parts.append(f"{_escape(value[0])}-{_escape(value[1])}")
            size += value[1] - value[0] + 1
        else:
            parts.append(r"\d")
            size += 10
    if not parts or size > _MAX_CHARS:
        return None
    return "[" + "".join(parts) + "]"


def _escape(code: int) -> str:
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else (f"\\U{code:08x}")
    )


_SKIPS = 1 | 4  # SRE_INFO_PREFIX, SRE_INFO_CHARSET: the engine skips ahead itself


def _led(pattern: str, flags: int) -> str:
    if _parser is None or _LOCAL_FLAGS.search(pattern) or flags & re.VERBOSE:
        return pattern
    try:
        parsed = _parser.parse(pattern, flags)
        if parsed.state.flags & re.VERBOSE:
            return pattern
        code = _compiler._code(parsed, flags)
        found = _sequence(parsed)
    except Exception:  # anything the private parts do not read as expected: as it is
        return pattern
    if code[0] == _c.INFO and code[2] & _SKIPS:
        return pattern
    if found is None or found[1]:
        return pattern
    if len(found[0]) == 1 and parsed[0][0] is _c.LITERAL:
        return pattern  # a lone first letter the attempt itself tests as soon
    first = _class(found[0])
    if first is None:
        return pattern
    return f"(?={first})(?:{pattern})"


def led(pattern: str, flags: int = 0) -> str:
    """``pattern``, led by a test of its first character where that helps (see above);
    read off once and kept between runs, as its compiled code is."""
    return remembered(MEMO, (pattern, int(flags)), lambda: _led(pattern, int(flags)))


def first_items(pattern: str, flags: int = 0) -> set[tuple[str, Any]] | None:
    """What a match of ``pattern`` can start with (("literal", code), ("range", (lo, hi))
    or ("digit", ...)), None when that cannot be told, it may match the empty string, or
    it has groups of its own."""
    if _parser is None or _LOCAL_FLAGS.search(pattern) or flags & re.VERBOSE:
        return None
    try:
        parsed = _parser.parse(pattern, flags)
    except Exception:
        return None
    if parsed.state.flags & re.VERBOSE or parsed.state.groups > 1:
        return None
    found = _sequence(parsed)
    if found is None or found[1]:
        return None
    return found[0]
