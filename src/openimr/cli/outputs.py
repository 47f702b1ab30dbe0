"""Where commands write, and how a batch survives a bad input.

Nothing a user already has is lost: ``--out`` is checked before any work starts, written to a
temporary file beside it and renamed into place only when the whole output is complete. A
symbolic link at ``--out`` is replaced by the new file; its target is never written. Standard
output that goes away (``| head``) or fills up (``/dev/full``) ends the command cleanly.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import click

from openimr.errors import UserError, failure_message

out_option = click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to FILE instead of standard output, only once everything is done (a link "
    "at FILE is replaced, its target left alone). FILE may not be one of the inputs.",
)
progress_option = click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar on standard error (default: when it is a terminal).",
)


jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes to work with [default: all cores; one for a handful of inputs]. The "
    "output is the same for any number.",
)


def check_out(out: Path | None, inputs: Iterable[Path] = ()) -> None:
    """Refuse an ``--out`` that cannot be written, or that is one of the inputs, up front."""
    if out is None:
        return
    where = f"--out {out}"
    if out.is_dir():
        raise UserError("is a folder; give a file name", source=where)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"the folder {folder} does not exist", source=where)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"the folder {folder} is not writable", source=where)
    target = out.resolve()
    for path in inputs:
        same = path.resolve() == target
        with contextlib.suppress(OSError):
            same = same or (out.exists() and path.exists() and os.path.samefile(path, out))
        if same:
            raise UserError("is also an input; writing it would destroy that input", source=where)


def _mode_for(out: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual ones (umask applied)."""
    with contextlib.suppress(OSError):
        if not out.is_symlink():
            return out.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class Discard(Exception):
    """Raised inside ``output()`` when there is nothing to write: the file is left as it was."""


@contextlib.contextmanager
def output(out: Path | None, *, binary: bool = False) -> Iterator[IO[Any]]:
    """A stream for the command's output: the ``--out`` file (atomically) or standard output."""
    if out is None:
        with contextlib.suppress(Discard):
            yield sys.stdout.buffer if binary else sys.stdout
        return
    folder = out.parent if str(out.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise UserError(f"cannot write ({exc.strerror})", source=str(out)) from None
    done = False
    try:
        with os.fdopen(handle, "wb" if binary else "w", **({} if binary else _TEXT)) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _mode_for(out))
        os.replace(temporary, out)  # a link at `out` is replaced, its target left alone
        done = True
    except Discard:
        pass
    except OSError as exc:
        raise UserError(
            f"cannot write ({exc.strerror}); the file was left as it was", source=str(out)
        ) from None
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


_TEXT = {"encoding": "utf-8", "newline": "\n"}


def error(message: object) -> None:
    click.echo(f"openimr: error: {message}", err=True)


def warn(message: object) -> None:
    click.echo(f"openimr: warning: {message}", err=True)


@dataclass
class Tally:
    """How many inputs a batch read and how many failed, for the closing summary line."""

    read: int = 0
    failed: int = 0
    single: bool = False
    """One input, not a batch: its error is the command's error (exit status 2)."""

    def attempt(self, where: object, work: Callable[[], Any]) -> Any | None:
        """Run one input's work; a bad input is reported in one line and the batch goes on."""
        self.read += 1
        try:
            return work()
        except Exception as exc:  # a bug must not stop the batch either; it asks for a report
            if self.single and isinstance(exc, UserError):
                raise
            self.failed += 1
            error(failure_message(where, exc))
        return None

    def summary(self) -> None:
        """The closing line of a batch (nothing for a single input)."""
        if self.read > 1 or (self.failed and not self.single):
            click.echo(f"{self.read} read, {self.failed} failed", err=True)

    def finish(self) -> None:
        """End the command: the summary line, and exit status 1 if any input failed."""
        self.summary()
        if self.failed:
            click.get_current_context().exit(1)
