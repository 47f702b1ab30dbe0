"""Migrations: ``openimr db upgrade`` brings a store to the newest schema (Alembic)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from openimr.service.db import Store


def _config(store: Store) -> Config:
    config = Config()
    config.set_main_option("script_location", "openimr.service:migrations")
    config.set_main_option("sqlalchemy.url", store.engine.url.render_as_string(False))
    return config


def head() -> str:
    script = ScriptDirectory.from_config(_config(Store("sqlite://")))
    return script.get_current_head() or ""


def current(store: Store) -> str | None:
    with store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(store: Store, revision: str = "head") -> None:
    config = _config(store)
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def is_current(store: Store) -> bool:
    return current(store) == head()
