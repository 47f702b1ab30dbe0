"""Any work on all cores, in the order it was given, streaming: ``run_many``.

Shared by `openimr parse` (``corpus.batch.parse_many``) and `openimr review`. It imports
nothing heavy (no PyArrow, no NLP): the parent process of a batch stays small.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

SMALL_BATCH = 24
"""Fewer inputs than this are worked on in one process unless ``jobs`` is given: starting the
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
    ends (a reader of the output that went away, an error: they finish the few items queued;
    Ctrl-C: they are stopped): a pool left to the interpreter's exit can hang it. ``work``
    must be a module-level function (or a partial of one) and the items picklable. The
    input is read lazily and only a few chunks ahead of the results taken (``AHEAD`` chunks
    per process), and results come as they are ready, so a caller that writes as it goes
    holds a bounded number of items whatever the length of the batch. With one process the
    work runs here, one item at a time."""
    jobs = jobs or default_jobs()
    if jobs <= 1:
        yield map(work, items)
        return
    window = threading.Semaphore(AHEAD * jobs * chunksize)
    stop = threading.Event()
    context = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    pool = context.Pool(jobs, initializer=_leave_interrupts_to_the_parent)
    interrupted = False
    try:
        results = pool.imap(work, _metered(items, window, stop), chunksize=chunksize)
        yield _releasing(results, window)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        stop.set()  # the pool's feeder thread must not wait on the window at its end
        if interrupted:
            pool.terminate()
        else:
            # The workers finish what is already queued (the window bounds it) and leave
            # by themselves. Terminating them instead can kill one while it holds the
            # results queue's lock, and the pool's own shutdown then waits for that lock
            # for ever (a reader of the output that went away hung `openimr parse`).
            pool.close()
            pool.join()


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
