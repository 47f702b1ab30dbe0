"""Many letters parsed on all cores (``corpus.pool``), or on a Dask cluster, in the order they
were given.

Each document's outcome is ``Parsed(path, value, error)``: ``value`` is what the caller asked
for (the record, its JSON line or its rows) and ``error`` the one-line message of a letter that
could not be read (the batch goes on). Results come back in input order whatever the number of
processes, so the output is the same as a single process's.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from openimr.corpus.dataset import ParquetSink, chunks, part_name, record_rows
from openimr.corpus.pool import SMALL_BATCH, default_jobs, run_many  # noqa: F401 (re-exported)
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
