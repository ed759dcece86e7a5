"""make_engine: URL normalization and the SQLite settings that make concurrent writers safe."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from b2adapters.sql import engine as sql_engine
from b2core.shared import errors

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///var/b2.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///var/b2.db", "sqlite+aiosqlite"),
        ("postgresql://u:p@db:5432/b2", "postgresql+asyncpg"),
        ("postgresql+asyncpg://u:p@db:5432/b2", "postgresql+asyncpg"),
        ("postgres://u:p@db/b2", "postgresql+asyncpg"),
    ],
)
def test_urls_are_pointed_at_the_async_drivers(url: str, driver: str) -> None:
    normalized = sql_engine.normalize_url(url)
    assert normalized.drivername == driver
    assert normalized.database in ("var/b2.db", "b2")


@pytest.mark.parametrize(
    "url", ["mysql://u@db/b2", "postgresql+psycopg2://u@db/b2", "not a url", "sqlite+pysqlite://"]
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        sql_engine.normalize_url(url)
    assert caught.value.code == "database.unsupported_url"


async def test_sqlite_file_gets_its_directory_and_safe_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "b2.db"
    engine = sql_engine.make_engine(f"sqlite:///{path}")
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: await connection.scalar(text(f"PRAGMA {name}"))
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
    finally:
        await engine.dispose()
    assert path.exists()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30_000}


async def test_sqlite_transaction_takes_the_write_lock_at_begin(tmp_path: Path) -> None:
    # Even a transaction that has only read must hold the write lock: pysqlite's legacy mode
    # would not have begun one at all, and DEFERRED would not lock yet.
    path = tmp_path / "b2.db"
    engine = sql_engine.make_engine(f"sqlite:///{path}")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            assert connection.in_transaction()
            assert _other_writer_is_locked_out(path)
            await connection.rollback()
            assert not _other_writer_is_locked_out(path)
    finally:
        await engine.dispose()


def _other_writer_is_locked_out(path: Path) -> bool:
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc)
    else:
        other.execute("ROLLBACK")
        return False
    finally:
        other.close()
