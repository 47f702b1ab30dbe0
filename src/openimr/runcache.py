"""Work worth keeping between runs: compiled rule patterns, what is read off them, parsed
rule files. Never needed, only sooner.

A command reads the same few hundred KB of rule files and compiles the same thousand
regular expressions every time it starts; doing it once and keeping the results cut more
than half a second of a cold start. The store is one file of tables (name -> key ->
value), each value kept encoded on its own and decoded only when this run asks for it: a
run reads the file in a few milliseconds however much other runs (the test suite) put
there, and pays only for what it uses.

The file is ``$OPENIMR_CACHE`` if set (``off``: no file), else
``~/.cache/openimr/startup-<python>.pickle`` (``$XDG_CACHE_HOME`` if set). Values are a
function of their key alone (a pattern's text and flags, a file's text), so a changed rule
is simply computed afresh. It is written at exit when this run computed something new,
merged with what other runs wrote meanwhile, atomically; a file that cannot be read or
written falls back to computing. The file is the user's own (mode 0600, in their cache
directory), like Python's own byte-code cache, and is read only from there.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

_FORMAT = 2  # bump when the file's layout changes
_TAG = f"{sys.implementation.cache_tag}-{_FORMAT}"
MAX_ENTRIES = 20_000  # a table grown past this keeps only what the last run used
STALE_WRITES = 100  # a table unused by this many writes of the file is dropped

MISSING: Any = object()
_raw: dict[str, dict[Hashable, bytes]] | None = None  # the file's tables, still encoded
_used: dict[str, dict[Hashable, Any]] = {}  # this run's values, decoded
_fresh: set[tuple[str, Hashable]] = set()  # computed by this run (not in the file)
_registered = False


def cache_file() -> Path | None:
    """Where the store is kept (None: nowhere)."""
    setting = os.environ.get("OPENIMR_CACHE")
    if setting is not None:
        return None if setting.strip().lower() in ("", "0", "off", "no") else Path(setting)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):  # no home directory: no file
            return None
    return Path(base) / "openimr" / f"startup-{_TAG}.pickle"


def read_tables(path: Path | None) -> dict[str, dict[Hashable, bytes]]:
    """The file's tables, values still encoded ({} for no file or one not ours)."""
    return _read(path)[0]


def _read(path: Path | None) -> tuple[dict[str, dict[Hashable, bytes]], int, dict[str, int]]:
    """The file's tables; how many writes it has had; the write that last used each table."""
    if path is None:
        return {}, 0, {}
    try:
        data = pickle.loads(path.read_bytes())
    except Exception:  # missing, truncated, foreign: nothing kept
        return {}, 0, {}
    if not isinstance(data, dict) or data.get("tag") != _TAG:
        return {}, 0, {}
    tables, writes, last = data.get("tables"), data.get("writes"), data.get("last")
    if not isinstance(tables, dict):
        return {}, 0, {}
    tables = {
        name: table
        for name, table in tables.items()
        if isinstance(name, str) and isinstance(table, dict)
    }
    writes = writes if isinstance(writes, int) else 0
    last = {n: w for n, w in last.items() if isinstance(w, int)} if isinstance(last, dict) else {}
    return tables, writes, last


def _tables() -> dict[str, dict[Hashable, bytes]]:
    global _raw, _registered
    if _raw is None:
        _raw = read_tables(cache_file())
        if not _registered:
            atexit.register(save)
            _registered = True
    return _raw


def get(table: str, key: Hashable) -> Any:
    """The value kept under ``key`` (``MISSING`` if none, or if it cannot be decoded)."""
    used = _used.setdefault(table, {})
    if key in used:
        return used[key]
    blob = _tables().get(table, {}).get(key)
    if blob is None:
        return MISSING
    try:
        value = pickle.loads(blob)
    except Exception:
        return MISSING
    used[key] = value
    return value


def put(table: str, key: Hashable, value: Any) -> None:
    """Keep ``value`` (picklable, a function of ``key`` alone) for this run and the next."""
    _tables()
    _used.setdefault(table, {})[key] = value
    _fresh.add((table, key))


def forget(table: str, key: Hashable) -> None:
    """Drop a kept value that turned out unusable (this run computes it afresh)."""
    _used.get(table, {}).pop(key, None)
    _tables().get(table, {}).pop(key, None)


def remembered(table: str, key: Hashable, compute: Callable[[], Any]) -> Any:
    """``compute()``, kept under ``table`` and ``key``."""
    value = get(table, key)
    if value is MISSING:
        value = compute()
        put(table, key, value)
    return value


def used(table: str) -> dict[Hashable, Any]:
    """The values of ``table`` this run has used so far."""
    return _used.get(table, {})


def save() -> None:
    """Write the file if this run computed something it did not hold."""
    path = cache_file()
    if not _fresh or path is None:
        return
    raw = _tables()
    merged, writes, last = _read(path)
    writes += 1
    for name, values in _used.items():
        last[name] = writes
        table = merged.setdefault(name, {})
        kept = raw.get(name, {})
        for key, value in values.items():
            blob = kept.get(key) if (name, key) not in _fresh else None
            if blob is None:
                with contextlib.suppress(Exception):  # unpicklable: not kept
                    blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            if blob is not None:
                table[key] = blob
        if len(table) > MAX_ENTRIES:  # only what this run used
            merged[name] = {k: table[k] for k in values if k in table}
    # A table no write has used for a long while is of an older openimr (a computation
    # that changed took a new name): dropped.
    for name in list(merged):
        if writes - last.setdefault(name, writes) > STALE_WRITES:
            del merged[name], last[name]
    with contextlib.suppress(OSError, ValueError):
        data = {"tag": _TAG, "tables": merged, "writes": writes, "last": last}
        write_whole(path, pickle.dumps(data, pickle.HIGHEST_PROTOCOL))
    _fresh.clear()


def write_whole(path: Path, data: bytes) -> None:
    """``data`` written to ``path`` whole or not at all (a temporary file beside it,
    renamed), its directory made if need be; OSError if it cannot be."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def reset() -> None:
    """Forget everything read or computed (as a new run starts): for tests."""
    global _raw
    _raw = None
    _used.clear()
    _fresh.clear()
