"""The ``openimr`` command. Subcommands are imported only when called, so that heavy
start-up (PDF, clinical NLP) stays out of commands that do not need it."""

from __future__ import annotations

import importlib
import os
import sys

import click

from openimr import __version__
from openimr.errors import UserError

# name -> "module:attribute" of a click command; each part of the package adds its own line.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "parse": ("openimr.cli.published:parse", "Read published Final Determination Letters."),
    "facts": (
        "openimr.cli.facts:facts",
        "Print the requests and clinical facts of a case file, with evidence.",
    ),
    "schema": ("openimr.cli.facts:schema", "Print the JSON Schema of a case file."),
    "guidelines": (
        "openimr.cli.guidelines:guidelines",
        "List, show and check the guideline pack.",
    ),
    "review": ("openimr.cli.review:review", "Draft the determination and letter of a case."),
    "stats": (
        "openimr.cli.stats:stats",
        "Uphold rates, guidelines, specialties and days to decision of published letters.",
    ),
    "eval": (
        "openimr.cli.published:evaluate",
        "Replay published letters and report agreement with their decisions.",
    ),
    "serve": ("openimr.cli.serve:serve", "Serve the case service's HTTP API (--demo to try it)."),
    "db": ("openimr.cli.service:db", "Create and upgrade the case store."),
    "case": (
        "openimr.cli.cases:case",
        "IMR cases: file, gather records, assign, decide, sign, letter.",
    ),
    "user": ("openimr.cli.service:user", "Add accounts of the case service."),
    "reviewer": ("openimr.cli.service:reviewer", "List and add reviewers on the roster."),
    "audit": ("openimr.cli.service:audit", "Verify the case store's audit trail."),
}


def _quiet_stdout() -> None:
    """The reader of standard output went away: later writes (and the flush at exit) go
    nowhere instead of raising again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


class _UserFacingError(click.ClickException):
    """A ``UserError`` as the command line shows it: one line, exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"openimr: error: {self.message}", err=True)


class LazyGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            raise _UserFacingError(str(exc)) from None
        except BrokenPipeError:
            # `openimr parse ... | head`: the reader went away; that is not an error.
            _quiet_stdout()
            ctx.exit(0)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in SUBCOMMANDS:
            return None
        module_name, _, attribute = SUBCOMMANDS[cmd_name][0].partition(":")
        return getattr(importlib.import_module(module_name), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUBCOMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="openimr")
def cli() -> None:
    """openimr: California workers' compensation Independent Medical Review.

    Reads case files and published Final Determination Letters, checks each
    disputed item against the MTUS guideline pack, and drafts the determination
    and letter for a physician reviewer to sign.

    Run `openimr COMMAND --help` for the details of each command.
    """


def main() -> None:
    try:
        code = cli.main(standalone_mode=False)
        sys.stdout.flush()
    except click.exceptions.Abort:
        click.echo("openimr: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(0)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:
        if exc.filename is None:  # standard output could not be written (full disk, /dev/full)
            _quiet_stdout()
            click.echo(f"openimr: error: cannot write the output ({exc.strerror})", err=True)
        else:
            click.echo(f"openimr: error: {exc.filename}: {exc.strerror}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
