"""Billing storage on SQL: racing webhook deliveries and payment submissions, and the migration.

The races run on PostgreSQL (the acceptance names it); the migration runs on SQLite too.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from b2adapters.memory.clock import ManualClock
from b2adapters.sql import engine as sql_engine
from b2adapters.sql import migrate
from b2adapters.sql import uow as sql_uow
from b2adapters.sql.schema import billing as billing_tables
from b2adapters.sql.schema import platform as platform_tables
from b2adapters.system import Uuid7Generator
from b2core.billing import commands, events, sync
from b2core.billing import provider_events as pe
from b2core.billing.handlers.webhooks import ApplyBillingEventHandler
from b2core.shared import errors, ids
from b2core.testing import contracts
from b2core.testing.contracts import MOMENT, unique_id
from b2core.testing.contracts.billing import a_payment, a_plan
from tests.support import services

pytestmark = pytest.mark.anyio

_numbers = itertools.count()
BILLING_TABLES = {"plans", "coupons", "subscriptions", "manual_payments", "processed_events"}


@pytest.fixture
async def postgres_engine(anyio_backend: str, postgres_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine over a freshly migrated PostgreSQL database of its own.

    The races need real concurrency: SQLite serializes every writer on its file lock.
    """
    url = services.create_postgres_database(suffix=f"_billing{next(_numbers)}")
    await migrate.upgrade(url)
    made = sql_engine.make_engine(url)
    yield made
    await made.dispose()
    services.drop_postgres_database(url)


class _CountingUoW:
    """The SQL unit of work, counting every call of ``entitlements.apply``."""

    def __init__(self, inner: sql_uow.SqlUnitOfWork) -> None:
        self.inner = inner
        self.applied: list[events.Effect] = []

    def tenant(self, tenant_id: ids.TenantId) -> Any:
        return _CountingTx(self.inner.tenant(tenant_id), self)

    def platform(self) -> Any:
        return self.inner.platform()


class _CountingTx:
    def __init__(self, inner: sql_uow.SqlTransaction, owner: _CountingUoW) -> None:
        self._inner = inner
        self._owner = owner

    async def __aenter__(self) -> _CountingTx:
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._inner.__aexit__(None, None, None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    @property
    def entitlements(self) -> Any:
        real, applied = self._inner.entitlements, self._owner.applied

        class _Spy:
            async def apply(self, effects: list[events.Effect]) -> None:
                applied.extend(effects)
                await real.apply(effects)

        return _Spy()


async def _count(engine: AsyncEngine, table: Any, *where: Any) -> int:
    async with engine.connect() as connection:
        query = select(func.count()).select_from(table).where(*where)
        return int((await connection.execute(query)).scalar_one())


@pytest.mark.postgres
async def test_racing_deliveries_of_one_event_apply_it_once(postgres_engine: AsyncEngine) -> None:
    engine = postgres_engine
    uow = sql_uow.SqlUnitOfWork(engine)
    plan = a_plan(ai_plan="PAID_BASIC", daily_limit=40, monthly_limit=800)
    tenant = ids.TenantId(unique_id())
    async with uow.platform() as tx:
        await tx.plans.add(plan)
        await tx.tenants.add(attrs.evolve(contracts.tenant(), id=tenant))
        await tx.commit()
    event = pe.CheckoutCompleted(
        id="evt_checkout_1",
        occurred_at=MOMENT,
        tenant_id=tenant,
        stripe_customer_id="cus_race",
        stripe_subscription_id="sub_race",
        plan_id=plan.id,
    )
    counting = _CountingUoW(uow)
    handler = ApplyBillingEventHandler(counting, ManualClock(MOMENT), Uuid7Generator())
    results = await asyncio.gather(*(handler(commands.ApplyBillingEvent(event)) for _ in range(10)))
    outcomes = sorted(r.outcome.value for r in results)
    assert outcomes.count(sync.Outcome.APPLIED.value) == 1
    assert outcomes.count(sync.Outcome.DUPLICATE.value) == 9
    granted = [e for e in counting.applied if isinstance(e, events.EntitlementGranted)]
    assert len(granted) == 1
    assert granted[0].ai_plan == "PAID_BASIC"
    assert await _count(engine, billing_tables.processed_events) == 1
    assert await _count(engine, billing_tables.subscriptions) == 1
    audit = platform_tables.audit_logs
    assert await _count(engine, audit, audit.c.action == "billing.event_applied") == 1
    async with uow.tenant(tenant) as tx:
        stored = await tx.subscription.get()
        settings = await tx.ai_settings.get()
    assert stored is not None
    assert stored.version == 1
    assert stored.stripe_subscription_id == "sub_race"
    assert settings is not None
    assert (settings.plan.value, settings.daily_limit, settings.monthly_limit) == (
        "PAID_BASIC",
        40,
        800,
    )


@pytest.mark.postgres
async def test_racing_submissions_of_one_reference_store_one(postgres_engine: AsyncEngine) -> None:
    engine = postgres_engine
    uow = sql_uow.SqlUnitOfWork(engine)
    tenants = [ids.TenantId(unique_id()) for _ in range(2)]
    started = asyncio.Event()

    async def submit(tenant: ids.TenantId) -> str:
        async with uow.tenant(tenant) as tx:
            try:
                await tx.manual_payments.add(a_payment(tenant, reference="EP-RACE-1"))
                started.set()
                await asyncio.sleep(0.05)  # hold the row uncommitted while the other inserts
                await tx.commit()
            except errors.Conflict as conflict:
                return conflict.code
        return "stored"

    outcomes = await asyncio.gather(*(submit(t) for t in tenants))
    assert sorted(outcomes) == ["payment.duplicate_reference", "stored"]
    assert await _count(engine, billing_tables.manual_payments) == 1


async def test_billing_revision_downgrades_and_upgrades_again(empty_database_url: str) -> None:
    await migrate.upgrade(empty_database_url)
    assert await _tables(empty_database_url) >= BILLING_TABLES
    await migrate.downgrade(empty_database_url, "0004_channels")
    assert not BILLING_TABLES & await _tables(empty_database_url)
    assert "connected_channels" in await _tables(empty_database_url)
    await migrate.upgrade(empty_database_url)
    assert await migrate.current(empty_database_url) == migrate.heads()
    assert await _tables(empty_database_url) >= BILLING_TABLES


async def _tables(url: str) -> set[str]:
    made = sql_engine.make_engine(url)
    try:
        async with made.connect() as connection:
            names = await connection.run_sync(lambda sync_: inspect(sync_).get_table_names())
    finally:
        await made.dispose()
    return set(names)
