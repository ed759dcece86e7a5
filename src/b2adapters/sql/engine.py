"""Async engines for SQLite (aiosqlite) and PostgreSQL (asyncpg), safe under concurrency."""

from __future__ import annotations

import random
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from b2core.shared import errors

SQLITE_BUSY_TIMEOUT_SECONDS = 30

# Every accepted scheme and the async driver it is served by.
_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def normalize_url(url: str) -> URL:
    """Parse a database URL and point it at the async driver b2 uses for that database.

    Raises ``errors.InvalidInput`` (code ``database.unsupported_url``) for anything else.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:  # SQLAlchemy raises ArgumentError and ValueError alike here
        raise errors.InvalidInput(
            "database URL is not valid", code="database.unsupported_url"
        ) from exc
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise errors.InvalidInput(
            f"unsupported database URL scheme {parsed.drivername!r}; "
            "use sqlite:///path or postgresql://...",
            code="database.unsupported_url",
        )
    return parsed.set(drivername=driver)


def is_sqlite(url: URL) -> bool:
    """True when ``url`` names a SQLite database."""
    return url.get_backend_name() == "sqlite"


def make_engine(url: str, **options: Any) -> AsyncEngine:
    """Build the async engine for ``url``; ``options`` go to ``create_async_engine``.

    SQLite gets foreign keys, WAL, a busy timeout and ``BEGIN IMMEDIATE`` transactions, so that
    several processes writing the same file wait for each other instead of failing.
    PostgreSQL gets asyncpg and a pool that checks connections before handing them out.
    """
    parsed = normalize_url(url)
    if is_sqlite(parsed):
        return _sqlite_engine(parsed, options)
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_size", 5)
    options.setdefault("max_overflow", 10)
    options.setdefault("pool_recycle", 1800)
    return create_async_engine(parsed, **options)


def _sqlite_engine(url: URL, options: dict[str, Any]) -> AsyncEngine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        _prepare_sqlite_file(Path(database).expanduser())
    connect_args = dict(options.pop("connect_args", {}))
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_SECONDS)
    engine = create_async_engine(url, connect_args=connect_args, **options)
    event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
    event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
    return engine


def _prepare_sqlite_file(path: Path) -> None:
    """Create the file's directory and put the file in WAL mode (a lasting property of it).

    Done once here, with the standard driver, because switching to WAL can fail at once with
    "database is locked" when two processes create the same new file: SQLite does not wait on
    the busy timeout there. So retry for a while; once one process has switched, all is done.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_SECONDS
    while True:
        try:
            with closing(sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)) as db:
                db.isolation_level = None
                if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01 + random.random() * 0.04)  # noqa: S311 - jitter, not security


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's legacy mode starts transactions only before DML, so SELECTs and DDL escape
    # them; None turns that off and lets _on_sqlite_begin say when a transaction starts.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front (waiting up to busy_timeout for it). A DEFERRED
    # transaction that reads and then writes can instead fail at once with "database is
    # locked" when another process committed in between, because SQLite cannot wait there.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
