"""Many letters parsed (or any work done) on all cores, or letters on a Dask cluster, in the
order they were given.

Each document's outcome is ``Parsed(path, value, error)``: ``value`` is what the caller asked
for (the record, its JSON line or its rows) and ``error`` the one-line message of a letter that
could not be read (the batch goes on). Results come back in input order whatever the number of
processes, so the output is the same as a single process's.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from openimr.corpus.dataset import ParquetSink, chunks, part_name, record_rows
from openimr.errors import failure_message
from openimr.intake.documents import MAX_BYTES
from openimr.intake.published.reader import parse_letter_file, parse_letter_text


@dataclass
class Parsed:
    source: str
    value: Any = None
    error: str | None = None


def _convert(record: Any, kind: str) -> Any:
    if kind == "rows":
        return record_rows(record)
    if kind == "jsonl":
        return record.model_dump_json()
    return record


def parse_one(document: Path | tuple[str, str], kind: str = "record", max_bytes: int = MAX_BYTES):
    """Parse one letter: a path, or ``(source, text)`` for letters held in memory."""
    source = document[0] if isinstance(document, tuple) else str(document)
    try:
        if isinstance(document, tuple):
            record = parse_letter_text(document[1], source=document[0])
        else:
            record = parse_letter_file(document, max_bytes=max_bytes)
        return Parsed(source, _convert(record, kind))
    except Exception as exc:  # one bad letter must not stop the batch
        return Parsed(source, error=failure_message(source, exc))


SMALL_BATCH = 24
"""Fewer letters than this are parsed in one process unless ``jobs`` is given: starting the
workers costs more than they save."""


def default_jobs(documents: int | None = None) -> int:
    """All cores, or one for a small batch."""
    if documents is not None and documents < SMALL_BATCH:
        return 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@contextlib.contextmanager
def run_many(
    work: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    jobs: int | None = None,
    chunksize: int = 16,
) -> Iterator[Iterator[Any]]:
    """``work(item)`` of every item, in input order; ``jobs`` processes (default: all cores).

    ``with run_many(...) as results:`` the worker processes end with the block, however it
    ends (a reader of the output that went away, an error): a pool left to the
    interpreter's exit can hang it. ``work`` must be a module-level function (or a partial
    of one) and the items picklable. The input is read lazily and only a few chunks ahead
    of the results taken (``AHEAD`` chunks per process), and results come as they are
    ready, so a caller that writes as it goes holds a bounded number of items whatever the
    length of the batch. With one process the work runs here, one item at a time."""
    jobs = jobs or default_jobs()
    if jobs <= 1:
        yield map(work, items)
        return
    window = threading.Semaphore(AHEAD * jobs * chunksize)
    stop = threading.Event()
    context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    with context.Pool(jobs, initializer=_leave_interrupts_to_the_parent) as pool:
        try:
            results = pool.imap(work, _metered(items, window, stop), chunksize=chunksize)
            yield _releasing(results, window)
        finally:
            stop.set()  # the pool's feeder thread must not wait on the window at its end


def _leave_interrupts_to_the_parent() -> None:
    """A worker ignores Ctrl-C (sent to the whole process group): the parent stops the pool,
    instead of every worker printing a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


AHEAD = 4
"""Chunks per process read ahead of the results taken: enough to keep every process busy,
few enough that a slow reader of the output does not make the batch pile up in memory."""


def _metered(items: Iterable[Any], window: threading.Semaphore, stop: threading.Event):
    """The items, each once a place in the window is free (read by the pool's feeder)."""
    for item in items:
        while not window.acquire(timeout=0.1):
            if stop.is_set():
                return
        yield item


def _releasing(results: Iterator[Any], window: threading.Semaphore) -> Iterator[Any]:
    for result in results:
        window.release()
        yield result


@contextlib.contextmanager
def parse_many(
    documents: Iterable[Path | tuple[str, str]],
    *,
    kind: str = "record",
    jobs: int | None = None,
    max_bytes: int = MAX_BYTES,
    chunksize: int = 16,
) -> Iterator[Iterator[Parsed]]:
    """Every document's outcome, in input order, on ``jobs`` processes (see ``run_many``)."""
    work = partial(parse_one, kind=kind, max_bytes=max_bytes)
    with run_many(work, documents, jobs=jobs, chunksize=chunksize) as results:
        yield results


# --- Dask ------------------------------------------------------------------------------------


def _write_part(documents: list[str], folder: str, index: int, max_bytes: int) -> dict:
    """A Dask task: parse a partition's letters and write its Parquet file."""
    errors = []
    letters = 0
    target = Path(folder) / part_name(index)
    temporary = target.with_name(f".{target.name}.part")
    with ParquetSink(temporary) as sink:
        for document in documents:
            parsed = parse_one(Path(document), kind="rows", max_bytes=max_bytes)
            if parsed.error:
                errors.append(parsed.error)
            else:
                letters += 1
                sink.add(parsed.value)
    os.replace(temporary, target)
    return {"index": index, "letters": letters, "rows": sink.rows, "errors": errors}


def parse_on_dask(
    documents: list[Path],
    folder: Path,
    address: str | Any,
    *,
    partition: int = 256,
    max_bytes: int = MAX_BYTES,
    on_done: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Parse letters on a Dask cluster into ``folder/part-NNNNN.parquet``, one file per
    ``partition`` letters, in input order. ``address`` is a scheduler address (the workers
    must see the letters and the folder at the same paths) or a ``distributed.Client``."""
    from distributed import Client, as_completed

    client = address if isinstance(address, Client) else Client(address, timeout="10s")
    try:
        futures = [
            client.submit(
                _write_part,
                [str(d) for d in batch],
                str(folder),
                index,
                max_bytes,
                pure=False,
            )
            for index, batch in enumerate(chunks(documents, partition))
        ]
        results = []
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            if on_done:
                on_done(result)
        return sorted(results, key=lambda r: r["index"])
    finally:
        if client is not address:
            client.close()
