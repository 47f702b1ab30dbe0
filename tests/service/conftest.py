"""The service's tests run on both stores: an SQLite file and a PostgreSQL server that the
suite starts from the Debian binaries (``.ci/postgres`` installs them) and stops at the end.
Each test gets a fresh, migrated database copied from a template."""

from __future__ import annotations

import datetime as dt
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from openimr.service import migrate
from openimr.service.db import Store

_COUNTER = itertools.count()


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Postgres:
    """A throwaway cluster: trust authentication on loopback, fsync off (test data only)."""

    def __init__(self, root: Path) -> None:
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL is not installed (run .ci/postgres)")
        self.pg_ctl, self.data = pg_ctl, root / "data"
        # The server refuses to run as root: the Debian package's postgres user runs it.
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        root.mkdir(parents=True, exist_ok=True)
        if self.prefix:
            shutil.chown(root, "postgres")
        self.port = _free_port()
        quiet = {"check": True, "capture_output": True}
        subprocess.run(
            [
                *self.prefix,
                initdb,
                "-D",
                str(self.data),
                "-U",
                "openimr",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            **quiet,
        )
        options = (
            f"-p {self.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            [
                *self.prefix,
                pg_ctl,
                "-D",
                str(self.data),
                "-o",
                options,
                "-w",
                "-l",
                str(root / "server.log"),
                "start",
            ],
            **quiet,
        )
        self.url = f"postgresql+psycopg://openimr@127.0.0.1:{self.port}"

    def stop(self) -> None:
        subprocess.run(
            [*self.prefix, self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
        )


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    given = os.environ.get("OPENIMR_TEST_POSTGRES")
    if given:
        yield given
        return
    # Not under pytest's own temporary folder: that is private to root, and the server runs
    # as the postgres user.
    root = Path(tempfile.mkdtemp(prefix="openimr-pg-"))
    try:
        server = _Postgres(root)
    except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL could not be started here: {exc}")
    try:
        admin = create_engine(f"{server.url}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("CREATE DATABASE openimr_template"))
        admin.dispose()
        template = Store(f"{server.url}/openimr_template")
        migrate.upgrade(template)
        template.dispose()
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite"
    store = Store(str(path))
    migrate.upgrade(store)
    with store.engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """A fresh migrated database on each backend."""
    if request.param == "sqlite":
        target = tmp_path / "openimr.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    base = request.getfixturevalue("postgres_url")
    name = f"t{os.getpid()}_{next(_COUNTER)}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE DATABASE {name} TEMPLATE openimr_template"))
    admin.dispose()
    return f"{base}/{name}"


@pytest.fixture
def store(store_url) -> Iterator[Store]:
    s = Store(store_url)
    yield s
    s.dispose()


class Clock:
    """A clock the test moves: deadlines and lateness without waiting."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.UTC))
