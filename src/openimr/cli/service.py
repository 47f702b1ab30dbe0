"""`openimr db`, `audit`, `user` and `reviewer`: the case store from the command line, through
the same service layer as the HTTP API (never through HTTP), and the helpers the `case` and
`serve` commands share.

The command line acts as a named account (``--as USERNAME`` or ``OPENIMR_USER``) looked up in
the store, without a password: whoever can open the store can read all of it anyway, so a
password would protect nothing. Naming the account still matters: its role decides what it
may do, and the audit trail records it."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from openimr.errors import UserError

if TYPE_CHECKING:
    from openimr.service.auth import Principal
    from openimr.service.cases import CaseService
    from openimr.service.db import Store

UPGRADE_HINT = "run `openimr db upgrade`"

# ---------------------------------------------------------------------------------------
# Options every store command takes.


def db_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--db",
        "db",
        metavar="URL",
        default=None,
        help="The store: a SQLite file path or URL (sqlite:///var/openimr.sqlite) or a "
        "PostgreSQL URL (postgresql://user:pass@host/openimr). [default: $OPENIMR_DB, else "
        "var/openimr.sqlite]",
    )(command)


def as_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--as",
        "acting",
        metavar="USERNAME",
        envvar="OPENIMR_USER",
        default=None,
        help="The account acting (or $OPENIMR_USER). Its role decides what it may do; no "
        "password is asked, since whoever can open the store can read it all anyway.",
    )(command)


def store_url(db: str | None) -> str:
    from openimr.service.db import default_url, normalise_url

    return normalise_url(db or default_url())


def _shown(url: str) -> str:
    """A URL as messages show it: the password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite store (None for PostgreSQL or an in-memory store)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def where_data_lives(store: Store) -> str:
    path = sqlite_path(store.engine.url.render_as_string(hide_password=False))
    return str(path.resolve()) if path is not None else store.url


def open_store(db: str | None, *, create: bool = False) -> Store:
    """The store at ``--db``. Without ``create``, a SQLite file that does not exist is refused
    (opening it would leave an empty file behind) instead of being made."""
    from sqlalchemy.exc import SQLAlchemyError

    from openimr.service.db import Store

    url = store_url(db)
    path = sqlite_path(url)
    if path is not None and not create and not path.exists():
        raise UserError(f"there is no store at {path}; {UPGRADE_HINT} to create it", source="--db")
    try:
        return Store(url)
    except SQLAlchemyError as exc:
        raise UserError(f"{_shown(url)}: cannot open the store ({_reason(exc)})") from None


def _reason(exc: BaseException) -> str:
    """The driver's first line, which names the problem (never the password)."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def check_current(store: Store) -> None:
    """Refuse a store whose schema is not the one this openimr writes."""
    from openimr.service import migrate

    revision = _revision(store)
    if revision != migrate.head():
        shown = f"at revision {revision}" if revision else "empty (no schema)"
        raise UserError(
            f"{store.url}: the store is {shown}, not {migrate.head()}; {UPGRADE_HINT}",
            source="--db",
        )


def _revision(store: Store) -> str | None:
    from sqlalchemy.exc import SQLAlchemyError

    from openimr.service import migrate

    try:
        return migrate.current(store)
    except SQLAlchemyError as exc:
        raise UserError(f"{store.url}: cannot read the store ({_reason(exc)})") from None


@contextlib.contextmanager
def service_for(db: str | None) -> Iterator[CaseService]:
    """The case service on a current store, closed afterwards."""
    from openimr.service.cases import CaseService

    store = open_store(db)
    try:
        check_current(store)
        yield CaseService(store)
    finally:
        store.dispose()


def principal_for(service: CaseService, username: str | None) -> Principal:
    """The account ``--as`` names, as the service checks it."""
    from sqlalchemy import select

    from openimr.service.auth import principal
    from openimr.service.tables import User

    if not username:
        raise UserError("say which account acts: --as USERNAME (or set OPENIMR_USER)")
    with service.store.read() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active:
        raise UserError(f"no active account {username!r} in the store", source="--as")
    return principal(user)


# ---------------------------------------------------------------------------------------
# Input files and output.


def read_data(path: Path) -> Any:
    """A JSON or YAML file's data; every problem names the file."""
    from openimr.yamlload import load_yaml

    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml"):
        raise UserError("give a .json, .yaml or .yml file", source=source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError("no such file", source=source) from None
    except IsADirectoryError:
        raise UserError("is a folder; give a file", source=source) from None
    except UnicodeDecodeError:
        raise UserError("is not UTF-8 text", source=source) from None
    except OSError as exc:
        raise UserError(f"cannot read ({exc.strerror})", source=source) from None
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(
                f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", source=source
            ) from None
    import yaml

    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        raise UserError(f"not valid YAML{at}: {problem}", source=source) from None


def echo_json(document: Any) -> None:
    """One JSON document on standard output (models dumped as JSON data)."""
    from pydantic import BaseModel

    def plain(value: Any) -> Any:
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json")
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    click.echo(json.dumps(plain(document), indent=2, ensure_ascii=False, default=str))


def echo_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Plain columns, two spaces apart: readable on a terminal, easy to cut in a pipe."""
    cells = [[str(h) for h in header]] + [["-" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def message(text: str) -> None:
    click.echo(text, err=True)


format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table: columns for reading; json: one JSON document (a list) for scripts.",
)


# ---------------------------------------------------------------------------------------
# openimr db


@click.group(name="db")
def db() -> None:
    """Create and upgrade the case store's schema.

    \b
    Examples:
      openimr db upgrade                                # var/openimr.sqlite
      openimr db upgrade --db sqlite:///srv/imr.sqlite
      openimr db current --db postgresql://imr@db.internal/openimr
    """


@db.command(name="upgrade")
@db_option
def db_upgrade(db: str | None) -> None:
    """Bring the store to the newest schema (creating it if it is new).

    Prints the revision it was at and the one it is at now, as `FROM -> HEAD`
    (`none` for a new store). Upgrading a current store changes nothing.
    """
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from openimr.service import migrate

    store = open_store(db, create=True)
    try:
        before = _revision(store)
        head = migrate.head()
        if before != head:
            try:
                migrate.upgrade(store)
            except (SQLAlchemyError, CommandError) as exc:
                # CommandError: the store names a revision this openimr does not know (a newer
                # openimr wrote it).
                raise UserError(f"{store.url}: the upgrade failed ({_reason(exc)})") from None
        click.echo(f"{before or 'none'} -> {head}")
        message(
            f"openimr: the store at {where_data_lives(store)} is "
            + ("already current" if before == head else "now current")
        )
    finally:
        store.dispose()


@db.command(name="current")
@db_option
def db_current(db: str | None) -> None:
    """Print the store's schema revision (`none` for an empty store).

    A store behind the newest schema gets a note on standard error; the
    other commands refuse it until `openimr db upgrade` has run.
    """
    from openimr.service import migrate

    store = open_store(db)
    try:
        revision = _revision(store)
        head = migrate.head()
        click.echo(revision or "none")
        if revision != head:
            message(f"openimr: the newest schema is {head}; {UPGRADE_HINT}")
    finally:
        store.dispose()


# ---------------------------------------------------------------------------------------
# openimr audit


@click.group(name="audit")
def audit() -> None:
    """Check the store's audit trail.

    \b
    Examples:
      openimr audit verify
      openimr audit verify --db sqlite:///srv/imr.sqlite --format json
    """


@audit.command(name="verify")
@db_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a line, then one line per problem; json: {events, valid, problems}.",
)
def audit_verify(db: str | None, output_format: str) -> None:
    """Check every audit event's hash and link.

    Every hash is recomputed and every link followed, from the first event to
    the last.
    Exit status 0 when the chain is intact, 1 when an event was changed,
    removed or reordered (each problem is listed). It runs with the medical
    director's reach: whoever can open the store can check it.
    """
    from openimr.service.audit import PROBLEMS_SHOWN
    from openimr.service.auth import SYSTEM

    with service_for(db) as service:
        report = service.verify_audit(SYSTEM)
    if output_format == "json":
        echo_json(report)
    elif report.valid:
        click.echo(f"valid: {report.events} events, every hash and link checks")
    else:
        click.echo(f"NOT VALID: {report.events} events read, {len(report.problems)} problem(s)")
        for problem in report.problems:
            click.echo(f"  {problem}")
        if len(report.problems) >= PROBLEMS_SHOWN:
            message(f"openimr: the check stops after {PROBLEMS_SHOWN} problems")
    if not report.valid:
        click.get_current_context().exit(1)


# ---------------------------------------------------------------------------------------
# openimr user


@click.group(name="user")
def user() -> None:
    """Accounts of the case service.

    \b
    Examples:
      openimr user add director --role medical_director        # the first account
      openimr user add coord --role coordinator --as director
      echo "$PASSWORD" | openimr user add dr.lee --role reviewer --reviewer R-OCC-1 \\
          --password-stdin --as director
    """


@user.command(name="add")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    help="coordinator, reviewer, medical_director or party (rules/workflow.yaml).",
)
@click.option(
    "--reviewer",
    "reviewer_id",
    metavar="ID",
    help="For a reviewer's account: the roster entry it signs as (`openimr reviewer list`).",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of asking.",
)
@db_option
@as_option
def user_add(
    username: str,
    role: str,
    reviewer_id: str | None,
    password_stdin: bool,
    db: str | None,
    acting: str | None,
) -> None:
    """Add an account USERNAME with a ROLE; prints its account number.

    The password (at least 12 characters) logs the user in to the HTTP API;
    the command line asks for it twice, hidden, unless --password-stdin.
    Only a medical director adds accounts. In a store with no accounts yet,
    the first one is added without --as and must be a medical director.
    """
    from sqlalchemy import select

    from openimr.service.auth import SYSTEM
    from openimr.service.tables import User
    from openimr.service.workflow import require

    with service_for(db) as service:
        with service.store.read() as session:
            empty = session.execute(select(User.id).limit(1)).first() is None
        if empty and acting is None:
            if role != "medical_director":
                raise UserError(
                    "the store has no accounts yet: the first is a medical_director, who adds "
                    "the others",
                    source="--role",
                )
            who = SYSTEM
        else:
            who = principal_for(service, acting)
            require(who.role, "manage_users")  # refused before the password is asked
        password = _password(password_stdin)
        user_id = service.create_user(
            who, username=username, password=password, role=role, reviewer_id=reviewer_id
        )
    click.echo(f"user:{user_id}\t{username}\t{role}")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise UserError("standard input gave no password", source="--password-stdin")
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


# ---------------------------------------------------------------------------------------
# openimr reviewer


@click.group(name="reviewer")
def reviewer() -> None:
    """The reviewer roster.

    \b
    Examples:
      openimr reviewer list --as coord
      openimr reviewer add roster.yaml --as director
      openimr reviewer list --format json --as director | jq '.[].id'
    """


@reviewer.command(name="list")
@format_option
@db_option
@as_option
def reviewer_list(output_format: str, db: str | None, acting: str | None) -> None:
    """List the roster: ids, names, licence states, specialties and hours."""
    with service_for(db) as service:
        profiles = service.list_reviewers(principal_for(service, acting))
    if output_format == "json":
        echo_json(profiles)
        return
    echo_table(
        ["ID", "NAME", "STATES", "SPECIALTIES", "YEARS", "HOURS/WK", "ACTIVE"],
        [
            [
                p.id,
                p.name,
                ",".join(p.licence_states),
                ", ".join(p.practised),
                f"{p.years_in_practice:g}",
                f"{p.hours_per_week:g}",
                "yes" if p.active else "no",
            ]
            for p in profiles
        ],
    )


@reviewer.command(name="add")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@db_option
@as_option
def reviewer_add(file: Path, db: str | None, acting: str | None) -> None:
    """Add or update reviewers from a file.

    FILE is .json or .yaml: one profile or a list of them.
    Every profile is checked before any is saved; a profile with an id
    already on the roster replaces it. Prints each id saved.

    \b
    A profile:
      id: R-OCC-2
      name: Dr. Jordan Example
      licence_states: [CA]
      board_certifications: [Occupational Medicine]
      specialties: [Occupational Medicine]
      years_in_practice: 12
      hours_per_week: 30
      affiliations: [Harbor Occupational Clinic]
    """
    from openimr.service.roster import parse_roster

    data = read_data(file)
    entries = data if isinstance(data, list) else [data]
    if not entries or not all(isinstance(e, dict) for e in entries):
        raise UserError("give one reviewer profile (a mapping) or a list of them", source=str(file))
    try:
        profiles = parse_roster(entries)
    except UserError as exc:
        raise UserError(str(exc), source=str(file)) from None
    with service_for(db) as service:
        who = principal_for(service, acting)
        for profile in profiles:
            service.save_reviewer(who, profile)
            click.echo(profile.id)
