"""Schema migrations from code: upgrade a database to every head and tell where it stands.

Alembic is configured here, programmatically, from the migrations shipped inside this package,
so ``b2 migrate`` works from an installed wheel without any ``alembic.ini``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from b2adapters.sql import engine as sql_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Key of the PostgreSQL advisory lock that serializes upgrades ("b2:migrate" in ASCII).
MIGRATION_LOCK_KEY = 0x62323A6D696772


def alembic_config() -> Config:
    """An Alembic configuration pointing at the packaged migrations."""
    config = Config()
    # ConfigParser interpolates '%', which a directory name may contain.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def heads() -> set[str]:
    """The head revisions the packaged migrations define."""
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


async def upgrade(url: str, revision: str = "heads") -> None:
    """Upgrade the database at ``url`` to every head (or ``revision``), in one transaction.

    Safe to run again (nothing left to do is a no-op) and from several processes at once:
    on PostgreSQL an advisory lock held by the transaction makes the others wait and then find
    nothing to do; on SQLite the engine's ``BEGIN IMMEDIATE`` does the same.
    """
    engine = sql_engine.make_engine(url)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            await connection.run_sync(_upgrade, revision)
    finally:
        await engine.dispose()


async def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` back to ``revision``, in one transaction (under the lock)."""
    engine = sql_engine.make_engine(url)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            await connection.run_sync(_downgrade, revision)
    finally:
        await engine.dispose()


async def current(url: str) -> set[str]:
    """The revisions the database at ``url`` is at (empty before the first upgrade)."""
    engine = sql_engine.make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current)
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _downgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


def _current(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())
