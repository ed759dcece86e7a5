"""The row-level security helpers: racing role creation across databases, and safe names."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from b2adapters.sql import engine as sql_engine
from b2adapters.sql.migrations import rls
from b2core.testing import contracts

pytestmark = pytest.mark.anyio


@pytest.fixture
async def pg_engine(anyio_backend: str, postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = sql_engine.make_engine(postgres_url)
    yield engine
    await engine.dispose()


async def _create_role(connection: AsyncConnection, role: str) -> None:
    for statement in rls.create_app_role(role):
        await connection.execute(text(statement))


@pytest.mark.postgres
async def test_racing_creators_of_the_app_role_both_succeed(pg_engine: AsyncEngine) -> None:
    # Roles are cluster-wide: two databases migrating at once both create the same role.
    role = f"b2test_role_{contracts.unique_token()}"
    try:
        async with pg_engine.connect() as first, pg_engine.connect() as second:
            await first.begin()
            await _create_role(first, role)
            await second.begin()
            racer = asyncio.create_task(_create_role(second, role))
            await asyncio.sleep(0.3)
            assert not racer.done()  # waiting on the first creator's uncommitted role
            await first.commit()
            await racer
            await second.commit()
            await second.begin()
            await _create_role(second, role)  # and once it exists, again: a no-op
            await second.commit()
        async with pg_engine.connect() as connection:
            count = "SELECT count(*) FROM pg_roles WHERE rolname = :role AND NOT rolbypassrls"
            assert await connection.scalar(text(count), {"role": role}) == 1
            member = "SELECT pg_has_role(current_user, :role, 'MEMBER')"
            assert await connection.scalar(text(member), {"role": role}) is True
    finally:
        async with pg_engine.begin() as connection:
            await connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))


@pytest.mark.parametrize("name", ["users; DROP TABLE users", 'a"b', "naïve", ""])
def test_helpers_refuse_names_that_are_not_plain(name: str) -> None:
    with pytest.raises(ValueError, match="plain SQL name"):
        rls.tenant_isolation(name)


def test_policy_names_both_settings_and_checks_writes_too() -> None:
    enable, force, policy = rls.tenant_isolation("orders")
    assert enable == 'ALTER TABLE "orders" ENABLE ROW LEVEL SECURITY'
    assert force == 'ALTER TABLE "orders" FORCE ROW LEVEL SECURITY'
    assert "current_setting('b2.tenant_id', true)" in policy
    assert "current_setting('b2.scope', true) = 'platform'" in policy
    assert "WITH CHECK" in policy
