"""Real PostgreSQL and Redis for the tests: one database and one key prefix per test run.

Locally a missing service skips the tests that need it, with the reason; with
``B2_REQUIRE_SERVICES=1`` (CI) it fails them instead, so a green CI always used the real ones.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import secrets
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import pytest

POSTGRES_URL = os.environ.get(
    "B2_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("B2_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_ID = f"{os.getpid()}_{secrets.token_hex(4)}"
T = TypeVar("T")


def run_sync(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion on a private event loop in another thread.

    Fixtures may be set up while a test's event loop is already running (an async fixture
    asking for a sync one), where ``asyncio.run`` would refuse to start.
    """

    async def runner() -> T:
        return await make()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, runner()).result()


def services_required() -> bool:
    """True when missing services must fail the run (CI), not skip."""
    return os.environ.get("B2_REQUIRE_SERVICES", "") not in ("", "0", "false", "no")


def unavailable(what: str, exc: BaseException) -> None:
    """Fail or skip, depending on ``B2_REQUIRE_SERVICES``, because ``what`` cannot be reached."""
    reason = f"{what} is not reachable ({type(exc).__name__}: {exc})"
    if services_required():
        pytest.fail(f"{reason}; B2_REQUIRE_SERVICES is set, so this is a failure", pytrace=False)
    pytest.skip(f"{reason}; set B2_TEST_POSTGRES_URL / B2_TEST_REDIS_URL or start it")


def _with_database(url: str, database: str, driver: str) -> str:
    parts = urlsplit(url)
    scheme = f"postgresql+{driver}" if driver else "postgresql"
    return urlunsplit((scheme, parts.netloc, f"/{database}", parts.query, ""))


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_with_database(POSTGRES_URL, "postgres", ""), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_postgres_database(suffix: str = "") -> str:
    """Create a fresh database for this run and return its SQLAlchemy asyncpg URL."""
    name = f"b2test_{RUN_ID}{suffix}"
    try:
        run_sync(lambda: _admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        unavailable("PostgreSQL", exc)
    return _with_database(POSTGRES_URL, name, "asyncpg")


def drop_postgres_database(url: str) -> None:
    """Drop a database made by :func:`create_postgres_database`, closing stray sessions."""
    name = urlsplit(url).path.lstrip("/")
    run_sync(lambda: _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def redis_prefix() -> str:
    """The key prefix that isolates this test run in the shared Redis."""
    return f"b2test:{RUN_ID}:"


async def check_redis() -> None:
    """Raise when the test Redis does not answer PING."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        await client.ping()
    finally:
        await client.aclose()


async def purge_redis_prefix(prefix: str) -> int:
    """Delete every key under ``prefix``; returns how many were removed."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(REDIS_URL)
    removed = 0
    try:
        async for key in client.scan_iter(match=f"{prefix}*", count=500):
            removed += await client.delete(key)
    finally:
        await client.aclose()
    return removed
