"""What the SQL catalog, orders and AI tables add to their contracts.

Duplicate names told apart from taken ids however the race goes, item snapshots that outlive
their service, and row-level security on every new table (also for the quota ledger).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, inspect, text
from sqlalchemy import exc as sa_exc

from b2adapters.sql import engine as sql_engine
from b2adapters.sql import governance, migrate
from b2adapters.sql import uow as sql_uow
from b2core.ai import quotas
from b2core.ai import settings as ai_settings
from b2core.orders import catalog, model
from b2core.shared import errors, ids, money
from b2core.testing import contracts
from b2core.testing.contracts import orders as orders_contract
from b2core.testing.contracts.ai import a_record

pytestmark = pytest.mark.anyio

TABLES = ("services", "orders", "ai_settings", "ai_usage", "quota_counters", "quota_refunds")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def uow(
    request: pytest.FixtureRequest, anyio_backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[sql_uow.SqlUnitOfWork]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('orders_ai') / 'b2.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    await migrate.upgrade(url)
    engine = sql_engine.make_engine(url)
    yield sql_uow.SqlUnitOfWork(engine)
    await engine.dispose()


@pytest.fixture(scope="module")
async def pg_uow(anyio_backend: str, postgres_url: str) -> AsyncIterator[sql_uow.SqlUnitOfWork]:
    await migrate.upgrade(postgres_url)
    engine = sql_engine.make_engine(postgres_url)
    yield sql_uow.SqlUnitOfWork(engine)
    await engine.dispose()


async def _add(uow: sql_uow.SqlUnitOfWork, service: catalog.Service) -> None:
    async with uow.tenant(service.tenant_id) as tx:
        await tx.services.add(service)
        await tx.commit()


async def test_racing_adds_of_one_name_all_lose_as_duplicate_names(
    uow: sql_uow.SqlUnitOfWork,
) -> None:
    tenant, name = orders_contract.new_tenant(), f"Nails {contracts.unique_token()}"
    results = await asyncio.gather(
        *(_add(uow, orders_contract.a_service(tenant, name)) for _ in range(4)),
        return_exceptions=True,
    )
    failures = [r for r in results if r is not None]
    assert len(failures) == 3
    assert {getattr(f, "code", f) for f in failures} == {"service.duplicate_name"}


async def test_an_id_taken_by_another_tenant_is_already_taken(
    uow: sql_uow.SqlUnitOfWork,
) -> None:
    service = orders_contract.a_service(orders_contract.new_tenant())
    await _add(uow, service)
    twin = catalog.Service.create(
        service.id, orders_contract.new_tenant(), "Twin", money.Money(1, "BRL"), contracts.MOMENT
    )
    with pytest.raises(errors.Conflict) as raised:
        await _add(uow, twin)
    assert raised.value.code == "service.already_exists"


async def test_orders_keep_their_items_when_the_service_is_deleted(
    uow: sql_uow.SqlUnitOfWork,
) -> None:
    tenant = orders_contract.new_tenant()
    service = orders_contract.a_service(tenant, "Pedicure")
    await _add(uow, service)
    order = model.draft_from_catalog(
        ids.OrderId(contracts.unique_id()),
        tenant,
        model.Customer("5511911112222"),
        [("pedicure", 2)],
        [service],
        contracts.MOMENT,
    )
    async with uow.tenant(tenant) as tx:
        await tx.orders.add(order)
        assert await tx.services.delete(service.id) is True
        await tx.commit()
    async with uow.tenant(tenant) as tx:
        stored = await tx.orders.get(order.id)
    assert stored == order
    assert stored.items[0].service_id == service.id
    assert stored.total == money.Money(3000, "BRL")


async def _fill(pg_uow: sql_uow.SqlUnitOfWork, tenant: ids.TenantId) -> None:
    """One row of ``tenant`` in every table of this revision."""
    async with pg_uow.tenant(tenant) as tx:
        await tx.services.add(orders_contract.a_service(tenant))
        await tx.orders.add(orders_contract.an_order(tenant))
        await tx.ai_settings.save(ai_settings.AiSettings(tenant, updated_at=contracts.MOMENT))
        await tx.usage.add(a_record(tenant))
        await tx.commit()
    ledger = governance.SqlQuotaLedger(pg_uow.engine)
    windows = quotas.QuotaWindows.at(contracts.MOMENT)
    reservation = await ledger.reserve(tenant, windows, quotas.QuotaLimits(3, 3))
    assert isinstance(reservation, quotas.Reservation)
    assert await ledger.refund(reservation) is True


@pytest.mark.postgres
async def test_row_level_security_hides_and_refuses_other_tenants_rows(
    pg_uow: sql_uow.SqlUnitOfWork,
) -> None:
    mine, theirs = orders_contract.new_tenant(), orders_contract.new_tenant()
    for tenant in (mine, theirs):
        await _fill(pg_uow, tenant)
    async with pg_uow.tenant(mine) as tx:
        connection = await tx.connection()
        for table in TABLES:
            # No WHERE clause: only the policy keeps the other tenant's rows out.
            rows = (await connection.execute(text(f"SELECT tenant_id FROM {table}"))).all()
            assert {tenant for (tenant,) in rows} == {mine}, table
    async with pg_uow.tenant(mine) as tx:
        connection = await tx.connection()
        forged = "UPDATE ai_settings SET tenant_id = :theirs WHERE tenant_id = :mine"
        with pytest.raises(sa_exc.DBAPIError, match="row-level security"):
            await connection.execute(text(forged), {"theirs": theirs, "mine": mine})


@pytest.mark.postgres
async def test_every_ledger_transaction_takes_the_app_role_and_the_tenant(
    pg_uow: sql_uow.SqlUnitOfWork,
) -> None:
    # Logged in as a superuser (as the tests are), skipping the role would go unnoticed:
    # watch the statements instead.
    tenant = orders_contract.new_tenant()
    ledger = governance.SqlQuotaLedger(pg_uow.engine)
    windows = quotas.QuotaWindows.at(contracts.MOMENT)
    sent: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        sent.append((args[2], args[3]))

    event.listen(pg_uow.engine.sync_engine, "before_cursor_execute", record)
    try:
        reservation = await ledger.reserve(tenant, windows, quotas.QuotaLimits(2, 9))
        assert isinstance(reservation, quotas.Reservation)
        assert await ledger.refund(reservation) is True
        assert await ledger.usage(tenant, windows) == quotas.QuotaUsage(0, 0)
    finally:
        event.remove(pg_uow.engine.sync_engine, "before_cursor_execute", record)
    scoped = [(sql, params) for sql, params in sent if "set_config('role', 'b2_app'" in sql]
    assert len(scoped) == 3
    assert all(tenant in params for _, params in scoped)
    assert "set_config" in sent[0][0]


async def test_the_revision_downgrades_and_upgrades_again(empty_database_url: str) -> None:
    await migrate.upgrade(empty_database_url)
    await migrate.downgrade(empty_database_url, "0002_identity")
    assert not set(TABLES) & await _tables(empty_database_url)
    await migrate.upgrade(empty_database_url)
    assert set(TABLES) <= await _tables(empty_database_url)
    assert await migrate.current(empty_database_url) == migrate.heads()


async def _tables(url: str) -> set[str]:
    engine = sql_engine.make_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()
