"""The packaged migrations: they run on SQLite and PostgreSQL, twice, and from racing callers."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from b2adapters.sql import engine as sql_engine
from b2adapters.sql import migrate, schema, uow
from b2core.shared import pagination
from b2core.tenants import model as tenant_model
from b2core.testing import contracts

# Marked here, not only by tests/conftest.py: a mark added after collection makes the anyio
# plugin rebuild the items and drop their other parameters.
pytestmark = pytest.mark.anyio


async def test_upgrade_creates_every_table_and_reaches_the_heads(empty_database_url: str) -> None:
    assert await migrate.current(empty_database_url) == set()
    await migrate.upgrade(empty_database_url)
    assert await migrate.current(empty_database_url) == migrate.heads()
    tables = await _tables(empty_database_url)
    assert {"system_settings", "growth_settings", "tenants", "users"} <= tables
    assert {"one_time_tokens", "audit_logs"} <= tables
    assert {"services", "orders", "ai_settings", "ai_usage", "quota_counters"} <= tables
    assert {"conversations", "messages"} <= tables


async def test_upgrade_twice_is_a_no_op(empty_database_url: str) -> None:
    await migrate.upgrade(empty_database_url)
    await migrate.upgrade(empty_database_url)
    assert await migrate.current(empty_database_url) == migrate.heads()


async def test_racing_upgrades_both_succeed(empty_database_url: str) -> None:
    await asyncio.gather(*(migrate.upgrade(empty_database_url) for _ in range(3)))
    assert await migrate.current(empty_database_url) == migrate.heads()


async def test_migrated_database_matches_the_schema_module(empty_database_url: str) -> None:
    # The migrations and b2adapters.sql.schema are written separately; they must agree.
    await migrate.upgrade(empty_database_url)
    engine = sql_engine.make_engine(empty_database_url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await engine.dispose()
    assert differences == []


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, schema.metadata))


async def _tables(url: str) -> set[str]:
    engine = sql_engine.make_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return set(names)


async def test_identity_revision_downgrades_and_upgrades_again(empty_database_url: str) -> None:
    await migrate.upgrade(empty_database_url)
    await migrate.downgrade(empty_database_url, "0001_foundation")
    assert await migrate.current(empty_database_url) == {"0001_foundation"}
    assert not {"one_time_tokens", "audit_logs"} & await _tables(empty_database_url)
    await migrate.upgrade(empty_database_url)
    assert await migrate.current(empty_database_url) == migrate.heads()


async def test_identity_revision_keys_the_names_of_existing_tenants(
    empty_database_url: str,
) -> None:
    await migrate.upgrade(empty_database_url, "0001_foundation")
    engine = sql_engine.make_engine(empty_database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO tenants (id, name, status, timezone, created_at, updated_at) "
                    "VALUES ('t-1', 'Große Bäckerei', 'ACTIVE', 'UTC', :at, :at)"
                ),
                {"at": contracts.MOMENT},
            )
        await migrate.upgrade(empty_database_url)
        async with uow.SqlUnitOfWork(engine).platform() as tx:
            page = await tx.tenants.search(pagination.PageRequest(), text="GROSSE")
    finally:
        await engine.dispose()
    assert [(t.name, t.profile) for t in page.items] == [("Große Bäckerei", tenant_model.Profile())]
