"""Quota reservations racing from two OS processes: exactly the limit is granted, never more.

Each process runs :func:`main` (``python -m tests.integration.test_quota_concurrency``): it
builds the ledger, prints ``ready``, waits for ``go <instant>`` on stdin and then for that
wall-clock instant (so both start together), makes its reservations from many asyncio tasks
and prints the ids of the reservations it was granted as JSON.

A back-end is one entry of :data:`BACKENDS`: how a process builds its ledger from a target
string, and the pytest parameter (with its marker) that provides the target: Redis, the real
PostgreSQL, and a SQLite file the processes share.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from b2adapters.redis import connection
from b2adapters.redis import governance as redis_governance
from b2adapters.redis.keys import KeySpace
from b2adapters.sql import engine as sql_engine
from b2adapters.sql import governance as sql_governance
from b2adapters.sql import migrate
from b2core.ai import model, ports, quotas
from b2core.shared import ids
from b2core.testing import contracts
from tests.support import services

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 2
RESERVATIONS_PER_PROCESS = 100
TASKS_PER_PROCESS = 50
LIMIT = quotas.QuotaLimits(daily=50, monthly=10_000)
# Connections per process: the tasks share them, and two processes stay far below the
# server's max_connections (other suites use the same server).
SQL_POOL_SIZE = 10

LedgerFactory = Callable[[str], contextlib.AbstractAsyncContextManager[ports.QuotaLedger]]


@contextlib.asynccontextmanager
async def _redis_ledger(target: str) -> AsyncIterator[ports.QuotaLedger]:
    url, prefix = target.split(" ", 1)
    client = connection.connect(url)
    try:
        yield redis_governance.RedisQuotaLedger(client, KeySpace(prefix))
    finally:
        await connection.close(client)


@contextlib.asynccontextmanager
async def _sql_ledger(target: str) -> AsyncIterator[ports.QuotaLedger]:
    options = {} if target.startswith("sqlite") else {"pool_size": SQL_POOL_SIZE, "max_overflow": 0}
    engine = sql_engine.make_engine(target, **options)
    try:
        yield sql_governance.SqlQuotaLedger(engine)
    finally:
        await engine.dispose()


BACKENDS: dict[str, LedgerFactory] = {
    "redis": _redis_ledger,
    "postgres": _sql_ledger,
    "sqlite": _sql_ledger,
}


@pytest.fixture(
    params=[
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("postgres", marks=pytest.mark.postgres),
        "sqlite",
    ]
)
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str]:
    """(back-end name, target string) of the ledger under test."""
    if request.param == "redis":
        url: str = request.getfixturevalue("redis_url")
        prefix: str = request.getfixturevalue("redis_prefix")
        return request.param, f"{url} {prefix}quota-race:"
    # SQL: the URL of a migrated database, a file shared by the processes or the run's PostgreSQL.
    if request.param == "sqlite":
        database = f"sqlite:///{tmp_path_factory.mktemp('quota-race') / 'b2.db'}"
    else:
        database = request.getfixturevalue("postgres_url")
    services.run_sync(lambda: migrate.upgrade(database))
    return request.param, database


async def _reserve_all(
    ledger: ports.QuotaLedger, tenant: ids.TenantId, windows: quotas.QuotaWindows
) -> list[str]:
    gate = asyncio.Semaphore(TASKS_PER_PROCESS)

    async def one() -> quotas.Reservation | model.BlockReason:
        async with gate:
            return await ledger.reserve(tenant, windows, LIMIT)

    outcomes = await asyncio.gather(*(one() for _ in range(RESERVATIONS_PER_PROCESS)))
    refusals = {o for o in outcomes if not isinstance(o, quotas.Reservation)}
    assert refusals <= {model.BlockReason.DAILY_LIMIT}, refusals
    return [o.id for o in outcomes if isinstance(o, quotas.Reservation)]


async def _run(backend: str, target: str, tenant: str, instant: str) -> list[str]:
    windows = quotas.QuotaWindows.at(datetime.fromisoformat(instant))
    async with BACKENDS[backend](target) as ledger:
        # Open the connections the tasks will use before the start, so that the race is on
        # the reservations and not on connecting.
        await asyncio.gather(
            *(ledger.usage(ids.TenantId(tenant), windows) for _ in range(TASKS_PER_PROCESS))
        )
        print("ready", flush=True)
        signal, _, start_at = sys.stdin.readline().partition(" ")
        if signal != "go":
            raise SystemExit("no start signal")
        # Both processes start at the same wall-clock instant, not one pipe write apart.
        await asyncio.sleep(max(float(start_at) - time.time(), 0))
        return await _reserve_all(ledger, ids.TenantId(tenant), windows)


def main(argv: list[str]) -> None:
    """Worker entry point: ``BACKEND TARGET TENANT INSTANT``; prints the granted ids as JSON."""
    backend, target_, tenant, instant = argv
    print(json.dumps(asyncio.run(_run(backend, target_, tenant, instant))), flush=True)


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.test_quota_concurrency", *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _race(args: list[str]) -> list[list[str]]:
    workers = [_start(args) for _ in range(PROCESSES)]
    try:
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready", worker.stderr
        start_at = time.time() + 0.2
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write(f"go {start_at}\n")
            worker.stdin.flush()
        outputs = [worker.communicate(timeout=30) for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    for worker, (_, stderr) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, stderr
    return [json.loads(stdout) for stdout, _ in outputs]


async def _usage(
    backend: str, where: str, tenant: ids.TenantId, windows: quotas.QuotaWindows
) -> Any:
    async with BACKENDS[backend](where) as ledger:
        return await ledger.usage(tenant, windows)


@pytest.mark.timeout(60)
def test_two_processes_grant_exactly_the_limit(target: tuple[str, str]) -> None:
    # A plain test: it waits on the worker processes, and runs its one check on its own loop.
    backend, where = target
    tenant = ids.TenantId(contracts.unique_id())
    instant = datetime.now(UTC)
    granted = _race([backend, where, tenant, instant.isoformat()])
    assert len(granted) == PROCESSES
    everything = [reservation for per_process in granted for reservation in per_process]
    assert len(everything) == LIMIT.daily
    assert len(set(everything)) == LIMIT.daily
    usage = asyncio.run(_usage(backend, where, tenant, quotas.QuotaWindows.at(instant)))
    assert usage == quotas.QuotaUsage(LIMIT.daily, LIMIT.daily)


if __name__ == "__main__":
    main(sys.argv[1:])
