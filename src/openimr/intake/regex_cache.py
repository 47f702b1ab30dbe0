"""The rule files' regular expressions, compiled once and kept between runs.

Python compiles a regular expression in Python code (parse, then emit the engine's code),
and the rule files hold about a thousand of them, a few hundred KB in all: a third of the
start-up of one ``openimr review`` command went there. ``compile_cached`` keeps what the
compiler emits (the engine's code, flags and groups) in one file per Python version, and
the next run hands it straight to the engine (``_sre.compile``, the last step of
``re.compile``): the same pattern object, ``==`` to what ``re.compile`` gives
(tests/intake/test_regex_cache.py checks every rule pattern).

The file is ``$OPENIMR_REGEX_CACHE`` if set (``off``: no file), else
``~/.cache/openimr/patterns-<python>.marshal`` (``$XDG_CACHE_HOME`` if set). It is keyed by
the pattern's text and flags, so a changed rule is simply compiled afresh; it is written
at exit when something new was compiled, atomically, and never needed: a file that cannot
be read or written, or an entry the engine refuses, falls back to ``re.compile``.
"""

from __future__ import annotations

import atexit
import contextlib
import marshal
import os
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:  # the compiler's parts (private, stable within a Python version)
    import _sre
    from re import _compiler, _constants, _parser
except ImportError:  # pragma: no cover
    _sre = None  # type: ignore[assignment]

_TAG = f"{sys.implementation.cache_tag}-{getattr(_constants, 'MAGIC', 0)}"
MAX_ENTRIES = 3_000  # beyond this (~4 MB a thousand), the file keeps only what this run used

Entry = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]
_entries: dict[tuple[str, int], Entry] | None = None
_used: dict[tuple[str, int], Entry] = {}
# Other things read off a pattern (needles.py's), kept the same way: name -> key -> value.
_memos: dict[str, dict[Any, Any]] = {}
_memos_used: dict[str, dict[Any, Any]] = {}
_dirty = False
_registered = False


def cache_file() -> Path | None:
    """Where the compiled patterns are kept (None: nowhere)."""
    setting = os.environ.get("OPENIMR_REGEX_CACHE")
    if setting is not None:
        return None if setting.strip().lower() in ("", "0", "off", "no") else Path(setting)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):  # no home directory: no file
            return None
    return Path(base) / "openimr" / f"patterns-{_TAG}.marshal"


def _read(path: Path | None) -> tuple[dict[tuple[str, int], Entry], dict[str, dict[Any, Any]]]:
    if path is None:
        return {}, {}
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}, {}
    if not isinstance(data, dict) or data.get("tag") != _TAG:
        return {}, {}
    entries, memos = data.get("entries"), data.get("memos")
    if not isinstance(memos, dict) or not all(isinstance(m, dict) for m in memos.values()):
        memos = {}
    return (entries if isinstance(entries, dict) else {}), memos


def _load() -> dict[tuple[str, int], Entry]:
    global _entries, _memos, _registered
    if _entries is None:
        _entries, _memos = _read(cache_file())
        if not _registered:
            atexit.register(_save)
            _registered = True
    return _entries


def remembered(name: str, key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``, kept in the file under ``name`` and ``key`` (both marshal-able, and
    the value a function of the key alone: e.g. a pattern's text and flags)."""
    global _dirty
    _load()
    memo = _memos.setdefault(name, {})
    if key in memo:
        value = memo[key]
    else:
        value = memo[key] = compute()
        _dirty = True
    _memos_used.setdefault(name, {})[key] = value
    return value


def _save() -> None:
    """Write the file if this run compiled something it did not hold (merged with what
    other runs wrote meanwhile)."""
    path = cache_file()
    if not _dirty or path is None:
        return
    merged, memos = _read(path)
    merged.update(_used)
    for name, used in _memos_used.items():
        memos.setdefault(name, {}).update(used)
    if len(merged) > MAX_ENTRIES or sum(map(len, memos.values())) > MAX_ENTRIES:
        merged, memos = dict(_used), {name: dict(used) for name, used in _memos_used.items()}
    with contextlib.suppress(OSError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                marshal.dump({"tag": _TAG, "entries": merged, "memos": memos}, out)
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise


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
    """``re.compile(pattern, flags)``, from the file when it holds the pattern."""
    global _dirty
    if _sre is None or flags & re.DEBUG:  # pragma: no cover
        return re.compile(pattern, flags)
    flags = int(flags)
    key = (pattern, flags)
    entries = _load()
    entry = entries.get(key)
    if entry is not None:
        try:
            compiled = _engine(pattern, entry)
        except Exception:  # an entry the engine refuses: compiled afresh
            entry = None
        else:
            _used[key] = entry
            return compiled
    try:
        entry = _emit(pattern, flags)
        compiled = _engine(pattern, entry)
    except re.error:
        raise
    except Exception:  # pragma: no cover  (a compiler this module does not know)
        return re.compile(pattern, flags)
    entries[key] = _used[key] = entry
    _dirty = True
    return compiled
