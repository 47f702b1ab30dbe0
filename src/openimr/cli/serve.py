"""`openimr serve`: the HTTP API on a store, optionally seeded with a demonstration."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from openimr.cli.service import check_current, db_option, message, open_store, where_data_lives
from openimr.errors import UserError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from openimr.service.db import Store

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


@dataclass
class Served:
    """What `serve` runs and what it tells the user before it starts."""

    app: FastAPI
    store: Store
    lines: list[str] = field(default_factory=list)


def base_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else "[::1]" if host == "::" else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def build(
    db: str | None, *, host: str, port: int, demo: bool = False, seeds: Path | None = None
) -> Served:
    """The app on the store and the lines to print (no server started: tests call this)."""
    from openimr.service import migrate
    from openimr.service.api import PREFIX, create_app
    from openimr.service.cases import CaseService

    if seeds is not None and not seeds.is_dir():
        raise UserError("is not a folder of seed letters", source=f"--seeds {seeds}")
    store = open_store(db, create=demo)
    try:
        if demo and not migrate.is_current(store):
            migrate.upgrade(store)
        check_current(store)
        service = CaseService(store)
        lines: list[str] = []
        if demo:
            lines += _seed(service, seeds)
        url = base_url(host, port)
        lines[:0] = [
            f"openimr: serving {url}{PREFIX}",
            f"openimr: the workbench (sign in in a browser) {url}/",
            f"openimr: API documentation {url}{PREFIX}/docs (OpenAPI: {url}{PREFIX}/openapi.json)",
        ]
        lines.append(f"openimr: the data lives in {where_data_lives(store)}")
        lines.append("openimr: Ctrl-C stops it")
        return Served(create_app(service), store, lines)
    except BaseException:
        store.dispose()
        raise


def _seed(service, seeds: Path | None) -> list[str]:
    from sqlalchemy import select

    from openimr.service.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, seed
    from openimr.service.tables import User

    done = seed(service, seeds)
    if done.already:
        with service.store.read() as session:
            accounts = [
                (u.username, u.role)
                for u in session.execute(select(User).order_by(User.id)).scalars()
            ]
        lines = ["openimr: the store already has accounts; it was left as it was. Accounts:"]
        lines += [f"  {name} ({role})" for name, role in accounts]
        lines.append(f"openimr: the demo password ({DEMO_PASSWORD}) is that of the demo accounts")
        return lines
    lines = ["openimr: demo accounts (user name (role), the workbench's sign-in email):"]
    lines += [f"  {name} ({role}) {name}@{DEMO_EMAIL_DOMAIN}" for name, role in done.accounts]
    lines.append(f"openimr: demo password for each: {DEMO_PASSWORD}")
    if done.cases:
        lines.append(f"openimr: demo cases: {', '.join(done.cases)}")
    else:
        lines.append("openimr: no demo cases (give --seeds DIR, a folder of seed letters)")
    return lines


@click.command(name="serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--demo",
    is_flag=True,
    help="Try openimr out: upgrade the store, and if it has no accounts yet add a "
    "demonstration roster, an account for each role and (with --seeds) cases at each step. "
    "Prints the accounts and their password.",
)
@click.option(
    "--seeds",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="OPENIMR_SEEDS",
    help="With --demo: a folder of seed letters (*.txt) to make demo cases from "
    "(or $OPENIMR_SEEDS).",
)
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS),
    default="warning",
    show_default=True,
    help="The server's log. There is no access log either way: it would list every URL.",
)
def serve(
    db: str | None, host: str, port: int, demo: bool, seeds: Path | None, log_level: str
) -> None:
    """Serve the case service's HTTP API (FastAPI, under /api/v1).

    The store must be current (`openimr db upgrade`), except with --demo,
    which upgrades it. Log in with POST /api/v1/token (user name and
    password), then send `Authorization: Bearer TOKEN`.

    \b
    Examples:
      openimr serve --demo --db /tmp/demo.sqlite --seeds ../shared/corpus/seeds
      openimr serve --db postgresql://imr@db.internal/openimr --host 0.0.0.0
    """
    import uvicorn

    served = build(db, host=host, port=port, demo=demo, seeds=seeds)
    for line in served.lines:
        message(line)
    try:
        uvicorn.run(served.app, host=host, port=port, access_log=False, log_level=log_level)
    finally:
        served.store.dispose()
