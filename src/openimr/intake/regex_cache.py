"""The rule files' regular expressions, compiled once and kept between runs.

Python compiles a regular expression in Python code (parse, then emit the engine's code),
and the rule files hold about a thousand of them, a few hundred KB in all: a third of the
start-up of one ``openimr review`` command went there. ``compile_cached`` keeps what the
compiler emits (the engine's code, flags and groups) in the run cache (``openimr.runcache``,
which says where its file is), keyed by the pattern's text and flags, and the next run
hands it straight to the engine (``_sre.compile``, the last step of ``re.compile``): the
same pattern object, ``==`` to what ``re.compile`` gives (tests/intake/test_regex_cache.py
checks every rule pattern). An entry the engine refuses is compiled afresh.
"""

from __future__ import annotations

import re
from typing import Any

from openimr.runcache import MISSING, forget, get, put, remembered

try:  # the compiler's parts (private, stable within a Python version)
    import _sre
    from re import _compiler, _constants, _parser
except ImportError:  # pragma: no cover
    _sre = None  # type: ignore[assignment]

# The engine's code changes with its MAGIC: each has its own table.
PATTERNS = f"patterns-{getattr(_constants, 'MAGIC', 0)}"

Entry = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]

__all__ = ["PATTERNS", "compile_cached", "remembered"]


def _emit(pattern: str, flags: int) -> Entry:
    """What ``re._compiler.compile`` hands to the engine for ``pattern``."""
    parsed = _parser.parse(pattern, flags)
    code = [int(op) for op in _compiler._code(parsed, flags)]
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    return (
        flags | parsed.state.flags,
        code,
        parsed.state.groups - 1,
        groupindex,
        tuple(indexgroup),
    )


def _engine(pattern: str, entry: Any) -> re.Pattern[str]:
    final_flags, code, groups, groupindex, indexgroup = entry
    return _sre.compile(pattern, final_flags, list(code), groups, groupindex, tuple(indexgroup))


def compile_cached(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, from the run cache when it holds the pattern."""
    if _sre is None or flags & re.DEBUG:  # pragma: no cover
        return re.compile(pattern, flags)
    key = (pattern, int(flags))
    entry = get(PATTERNS, key)
    if entry is not MISSING:
        try:
            return _engine(pattern, entry)
        except Exception:  # an entry the engine refuses: compiled afresh
            forget(PATTERNS, key)
    try:
        entry = _emit(pattern, key[1])
        compiled = _engine(pattern, entry)
    except re.error:
        raise
    except Exception:  # pragma: no cover  (a compiler this module does not know)
        return re.compile(pattern, flags)
    put(PATTERNS, key, entry)
    return compiled
