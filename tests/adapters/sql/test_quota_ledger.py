"""What the SQL quota ledger adds to the contract: refusals leave no rows, expired rows purge."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from b2adapters.memory import clock as memory_clock
from b2adapters.sql import engine as sql_engine
from b2adapters.sql import governance, migrate
from b2adapters.sql.schema import ai as tables
from b2core.ai import model, quotas
from b2core.shared import ids
from b2core.testing import contracts
from tests.support import services

pytestmark = pytest.mark.anyio

START = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
WINDOWS = quotas.QuotaWindows.at(START)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def ledger_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    # A database of its own: purging deletes every tenant's expired rows.
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'b2.db'}"
        return
    request.getfixturevalue("postgres_url")
    url = services.create_postgres_database(suffix="_ledger")
    yield url
    services.drop_postgres_database(url)


@pytest.fixture(scope="module")
async def engine(anyio_backend: str, ledger_url: str) -> AsyncIterator[AsyncEngine]:
    await migrate.upgrade(ledger_url)
    engine = sql_engine.make_engine(ledger_url)
    yield engine
    await engine.dispose()


def _tenant() -> ids.TenantId:
    return ids.TenantId(contracts.unique_id())


async def _rows(engine: AsyncEngine, tenant: ids.TenantId) -> int:
    async with engine.connect() as connection:
        query = select(func.count()).where(tables.quota_counters.c.tenant_id == tenant)
        return int(await connection.scalar(query) or 0)


async def test_a_refusal_leaves_no_counter_behind(engine: AsyncEngine) -> None:
    ledger = governance.SqlQuotaLedger(engine, memory_clock.ManualClock(START))
    tenant = _tenant()
    refused = await ledger.reserve(tenant, WINDOWS, quotas.QuotaLimits(daily=0, monthly=5))
    assert refused is model.BlockReason.DAILY_LIMIT
    # The monthly unit taken before the daily refusal was rolled back with its new row.
    assert await _rows(engine, tenant) == 0
    assert await ledger.usage(tenant, WINDOWS) == quotas.QuotaUsage(0, 0)


async def test_expired_counters_and_marks_are_purged_in_time(engine: AsyncEngine) -> None:
    clock = memory_clock.ManualClock(START)
    ledger = governance.SqlQuotaLedger(engine, clock)
    await ledger.purge_expired()  # whatever earlier tests left that is due by now
    tenant, limit = _tenant(), quotas.QuotaLimits(daily=5, monthly=5)
    taken = [await ledger.reserve(tenant, WINDOWS, limit) for _ in range(2)]
    assert isinstance(taken[0], quotas.Reservation)
    assert await ledger.refund(taken[0]) is True
    # The daily counter goes an hour after its day; the monthly one and the mark stay.
    clock.set(WINDOWS.daily.end + governance.EXPIRY_MARGIN - timedelta(seconds=1))
    assert await ledger.purge_expired() == 0
    clock.advance(timedelta(seconds=1))
    assert await ledger.purge_expired() == 1
    assert await ledger.usage(tenant, WINDOWS) == quotas.QuotaUsage(0, 1)
    assert await ledger.refund(taken[0]) is False  # still given back once only
    clock.set(WINDOWS.monthly.end + governance.EXPIRY_MARGIN)
    assert await ledger.purge_expired() == 2
    assert await _rows(engine, tenant) == 0


async def test_a_past_window_is_kept_for_the_margin_from_its_first_use(
    engine: AsyncEngine,
) -> None:
    clock = memory_clock.ManualClock(START)
    ledger = governance.SqlQuotaLedger(engine, clock)
    await ledger.purge_expired()
    tenant = _tenant()
    past = quotas.QuotaWindows.at(START - timedelta(days=60))
    assert isinstance(
        await ledger.reserve(tenant, past, quotas.QuotaLimits(1, 1)), quotas.Reservation
    )
    clock.advance(governance.EXPIRY_MARGIN - timedelta(seconds=1))
    assert await ledger.purge_expired() == 0
    clock.advance(timedelta(seconds=1))
    assert await ledger.purge_expired() == 2
