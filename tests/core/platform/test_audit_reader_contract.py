"""The AuditReader contract on memory, SQLite and PostgreSQL: order, filters, pages, tenants."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete

from b2adapters.memory import uow as memory_uow
from b2adapters.sql import engine as sql_engine
from b2adapters.sql import migrate
from b2adapters.sql import uow as sql_uow
from b2adapters.sql.schema import platform as platform_tables
from b2core.platform import commands
from b2core.shared import audit, errors, ids, pagination
from tests.support import services

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SHOP_A, SHOP_B = ids.TenantId("tenant-a"), ids.TenantId("tenant-b")
ALICE, BOB = ids.UserId("user-alice"), ids.UserId("user-bob")


@pytest.fixture(scope="module")
def reader_postgres_url() -> Iterator[str]:
    url = services.create_postgres_database(suffix="_audit_reader")
    yield url
    services.drop_postgres_database(url)


@pytest.fixture(
    scope="module",
    params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
async def make_uow(
    request: pytest.FixtureRequest, anyio_backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Any]:
    """A factory of empty units of work on the adapter under test."""
    if request.param == "memory":

        async def fresh_memory() -> Any:
            return memory_uow.InMemoryUnitOfWork()

        yield fresh_memory
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('audit_reader') / 'b2.db'}"
    else:
        url = request.getfixturevalue("reader_postgres_url")
    await migrate.upgrade(url)
    engine = sql_engine.make_engine(url)

    async def fresh_sql() -> Any:
        async with engine.begin() as connection:
            await connection.execute(delete(platform_tables.audit_logs))
        return sql_uow.SqlUnitOfWork(engine)

    yield fresh_sql
    await engine.dispose()


def _entry(n: int, tenant: ids.TenantId | None, action: str, user: ids.UserId | None) -> Any:
    actor = audit.Actor.user(user, "TENANT_ADMIN") if user else audit.Actor.system()
    # Entries 3 and 4 share an instant: the id breaks the tie.
    at = T0 + timedelta(minutes=min(n, 3))
    return audit.AuditEntry(
        ids.AuditId(f"audit-{n:03d}"), at, actor, action, tenant_id=tenant, metadata={"n": n}
    )


ENTRIES = [
    _entry(1, SHOP_A, "order.approved", ALICE),
    _entry(2, SHOP_B, "order.approved", BOB),
    _entry(3, SHOP_A, "ai.settings_updated", ALICE),
    _entry(4, SHOP_A, "order.approved", None),
    _entry(5, None, "platform.settings_updated", None),
]


async def _seeded(make_uow: Any) -> Any:
    uow = await make_uow()
    async with uow.platform() as tx:
        for entry in ENTRIES:
            await tx.audit.append(entry)
        await tx.commit()
    return uow


async def _read(
    uow: Any, tenant: ids.TenantId | None, criteria: commands.AuditFilter, limit: int = 50
) -> list[str]:
    """Every matching id, page by page."""
    found: list[str] = []
    cursor: str | None = None
    while True:
        scope = uow.platform() if tenant is None else uow.tenant(tenant)
        async with scope as tx:
            page = await tx.audit_reader.page(criteria, pagination.PageRequest(limit, cursor))
        assert len(page.items) <= limit
        found.extend(e.id.removeprefix("audit-") for e in page.items)
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


async def test_newest_first_with_ties_broken_by_id_across_pages(make_uow: Any) -> None:
    uow = await _seeded(make_uow)
    everything = commands.AuditFilter()
    assert await _read(uow, None, everything) == ["005", "004", "003", "002", "001"]
    assert await _read(uow, None, everything, limit=2) == ["005", "004", "003", "002", "001"]
    async with uow.platform() as tx:
        (first,) = (await tx.audit_reader.page(everything, pagination.PageRequest(1))).items
    assert first == ENTRIES[4]


async def test_filters_combine(make_uow: Any) -> None:
    uow = await _seeded(make_uow)
    approved = commands.AuditFilter(action="order.approved")
    assert await _read(uow, None, approved) == ["004", "002", "001"]
    assert await _read(uow, None, commands.AuditFilter(actor_user_id=ALICE)) == ["003", "001"]
    window = commands.AuditFilter(since=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=3))
    assert await _read(uow, None, window) == ["002"]
    one_shop = commands.AuditFilter(action="order.approved", tenant_id=SHOP_B)
    assert await _read(uow, None, one_shop) == ["002"]


async def test_a_tenant_bound_reader_sees_only_its_tenant(make_uow: Any) -> None:
    uow = await _seeded(make_uow)
    assert await _read(uow, SHOP_A, commands.AuditFilter(), limit=1) == ["004", "003", "001"]
    assert await _read(uow, SHOP_B, commands.AuditFilter()) == ["002"]
    # Naming another tenant changes nothing: the binding wins.
    assert await _read(uow, SHOP_B, commands.AuditFilter(tenant_id=SHOP_A)) == ["002"]


async def test_a_forged_cursor_is_refused(make_uow: Any) -> None:
    uow = await make_uow()
    forged = pagination.encode_cursor("yesterday", "x")
    async with uow.platform() as tx:
        with pytest.raises(errors.InvalidInput) as refused:
            await tx.audit_reader.page(commands.AuditFilter(), pagination.PageRequest(5, forged))
    assert refused.value.code == "pagination.bad_cursor"
