"""The store's connection: SQLite (the embedded default, WAL mode) or PostgreSQL (psycopg 3).

Every state change runs in one transaction (``Store.write``). On SQLite a writing transaction
starts with BEGIN IMMEDIATE, so two writers queue for the lock instead of one failing halfway
when it tries to upgrade a read lock; readers never wait for writers in WAL mode."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from openimr.errors import UserError

DEFAULT_DB = Path("var") / "openimr.sqlite"
"""Where the embedded store lives unless ``--db`` or ``OPENIMR_DB`` says otherwise."""


def default_url() -> str:
    return os.environ.get("OPENIMR_DB") or f"sqlite:///{DEFAULT_DB}"


def normalise_url(url: str) -> str:
    """A database URL SQLAlchemy can open: a bare path means a SQLite file, and a PostgreSQL
    URL without a driver gets psycopg 3 (psycopg2 is not installed)."""
    if "://" not in url:
        return f"sqlite:///{url}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UserError(f"--db: {url!r} is not a database URL") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise UserError(
            f"--db: {parsed.get_backend_name()} is not supported; use SQLite or PostgreSQL"
        )
    return parsed.render_as_string(hide_password=False)


def _sqlite_engine(url: str) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        # The driver's own transaction handling is turned off: SQLAlchemy's begin event
        # below issues BEGIN, so that writers can ask for BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        immediate = connection.get_execution_options().get("openimr_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_engine(url: str | None = None) -> Engine:
    url = normalise_url(url or default_url())
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


class Store:
    """One database: sessions for reading and for writing."""

    def __init__(self, url: str | None = None, *, engine: Engine | None = None) -> None:
        self.engine = engine or make_engine(url)
        self.url = self.engine.url.render_as_string(hide_password=True)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(openimr_write=True), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: all of it is committed, or none of it."""
        with self._write() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
