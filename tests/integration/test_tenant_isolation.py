"""Tenant isolation: nothing of tenant A is read, listed, counted or changed through tenant B.

A Hypothesis property drives random operations through tenant-bound transactions on memory,
SQLite and the real PostgreSQL; on PostgreSQL, raw SQL without any WHERE clause shows that
row-level security holds even where the repositories' own filters are absent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from b2adapters.memory import uow as memory_uow
from b2adapters.sql import engine as sql_engine
from b2adapters.sql import migrate
from b2adapters.sql import uow as sql_uow
from b2core.iam import model
from b2core.shared import audit, errors, ids, pagination
from b2core.testing import contracts
from b2core.testing.contracts import audit as audit_contract
from tests.support import services

pytestmark = pytest.mark.anyio

TENANTS = 3
ADMIN, STAFF = model.Role.TENANT_ADMIN, model.Role.STAFF


@pytest.fixture(scope="module")
def isolation_postgres_url(postgres_url: str) -> Iterator[str]:
    """A database of its own on the real server (``postgres_url`` proves the server is up)."""
    url = services.create_postgres_database(suffix="_isolation")
    yield url
    services.drop_postgres_database(url)


@pytest.fixture(
    scope="module",
    params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
async def any_uow(
    request: pytest.FixtureRequest, anyio_backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Any]:
    """A unit of work over a migrated database (or memory), kept for the whole module."""
    if request.param == "memory":
        yield memory_uow.InMemoryUnitOfWork()
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('isolation') / 'b2.db'}"
    else:
        url = request.getfixturevalue("isolation_postgres_url")
    await migrate.upgrade(url)
    engine = sql_engine.make_engine(url)
    yield sql_uow.SqlUnitOfWork(engine)
    await engine.dispose()


@pytest.fixture(scope="module")
async def pg_uow(
    anyio_backend: str, isolation_postgres_url: str
) -> AsyncIterator[sql_uow.SqlUnitOfWork]:
    await migrate.upgrade(isolation_postgres_url)
    engine = sql_engine.make_engine(isolation_postgres_url)
    yield sql_uow.SqlUnitOfWork(engine)
    await engine.dispose()


@attrs.define
class World:
    """What the tenants should have: the model the adapter is checked against."""

    uow: Any
    tenants: list[ids.TenantId]
    users: list[model.User] = attrs.field(factory=list)
    entries: dict[ids.TenantId, list[audit.AuditEntry]] = attrs.field(factory=dict)
    ticks: int = 0

    def tick(self) -> int:
        """A fresh, growing number of seconds: distinct instants in operation order."""
        self.ticks += 1
        return self.ticks

    def team(self, tenant_id: ids.TenantId) -> list[model.User]:
        members = [u for u in self.users if u.tenant_id == tenant_id]
        return sorted(members, key=lambda u: (u.created_at, u.id))

    def admins(self, tenant_id: ids.TenantId) -> int:
        return sum(1 for u in self.team(tenant_id) if u.role is ADMIN and u.active)


async def add_user(world: World, owner: int, role: model.Role, active: bool) -> None:
    at = contracts.MOMENT + timedelta(seconds=world.tick() // 2)  # some ties on created_at
    user = contracts.member(world.tenants[owner], role, created_at=at, active=active)
    async with world.uow.platform() as tx:
        assert await tx.users.add(user)
        await tx.commit()
    world.users.append(user)


async def append_entry(world: World, owner: int) -> None:
    tenant_id = world.tenants[owner]
    entry = audit_contract.entry(tenant_id, minutes=world.tick())
    async with world.uow.tenant(tenant_id) as tx:
        await tx.audit.append(entry)
        await tx.commit()
    world.entries.setdefault(tenant_id, []).append(entry)


async def append_foreign_entry(world: World, reader: int, owner: int) -> None:
    tenant_id = world.tenants[reader]
    stranger = world.tenants[owner] if owner != reader else None
    async with world.uow.tenant(tenant_id) as tx:
        with pytest.raises(errors.Forbidden):
            await tx.audit.append(audit_contract.entry(stranger, minutes=world.tick()))
        await tx.commit()


async def get_user(world: World, reader: int, pick: int) -> None:
    if not world.users:
        return
    user = world.users[pick % len(world.users)]
    tenant_id = world.tenants[reader]
    async with world.uow.tenant(tenant_id) as tx:
        found = await tx.team.get(user.id)
    assert found == (user if user.tenant_id == tenant_id else None)


async def list_team(world: World, reader: int, limit: int) -> None:
    tenant_id = world.tenants[reader]
    seen: list[model.User] = []
    cursor: str | None = None
    async with world.uow.tenant(tenant_id) as tx:
        while True:
            page = await tx.team.list(pagination.PageRequest(limit, cursor))
            seen += page.items
            cursor = page.next_cursor
            if cursor is None:
                break
        assert await tx.team.count_admins() == world.admins(tenant_id)
        assert await tx.audit.all() == world.entries.get(tenant_id, [])
    assert seen == world.team(tenant_id)


async def save_user(world: World, reader: int, pick: int) -> None:
    if not world.users:
        return
    index = pick % len(world.users)
    user, tenant_id = world.users[index], world.tenants[reader]
    changed = attrs.evolve(user, active=not user.active, updated_at=contracts.MOMENT)
    async with world.uow.tenant(tenant_id) as tx:
        if user.tenant_id == tenant_id:
            await tx.team.save(changed)
            world.users[index] = changed
        else:
            with pytest.raises(errors.Forbidden):
                await tx.team.save(changed)
            with pytest.raises(errors.NotFound):
                await tx.team.save(attrs.evolve(changed, tenant_id=tenant_id))
        await tx.commit()
    async with world.uow.platform() as tx:
        assert await tx.users.get(user.id) == world.users[index]


_WHO = st.integers(0, TENANTS - 1)
_PICK = st.integers(0, 100)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just(add_user), _WHO, st.sampled_from([ADMIN, STAFF]), st.booleans()),
        st.tuples(st.just(append_entry), _WHO),
        st.tuples(st.just(append_foreign_entry), _WHO, _WHO),
        st.tuples(st.just(get_user), _WHO, _PICK),
        st.tuples(st.just(list_team), _WHO, st.integers(1, 3)),
        st.tuples(st.just(save_user), _WHO, _PICK),
    ),
    max_size=14,
)


@settings(max_examples=20, deadline=None)
@given(operations=OPERATIONS)
async def test_no_operation_reaches_another_tenant(
    any_uow: Any, operations: list[tuple[Any, ...]]
) -> None:
    world = World(any_uow, [ids.TenantId(contracts.unique_id()) for _ in range(TENANTS)])
    async with any_uow.platform() as tx:
        for tenant_id in world.tenants:
            await tx.tenants.add(attrs.evolve(contracts.tenant(), id=tenant_id))
        await tx.commit()
    for operation, *arguments in operations:
        await operation(world, *arguments)
    for reader in range(TENANTS):
        await list_team(world, reader, 2)


async def _seed(uow: sql_uow.SqlUnitOfWork) -> dict[str, Any]:
    ours, theirs = contracts.tenant("Ours"), contracts.tenant("Theirs")
    mine, other = contracts.member(ours.id, ADMIN), contracts.member(theirs.id, ADMIN)
    boss = contracts.super_admin()
    logged = [audit_contract.entry(t) for t in (ours.id, theirs.id, None)]
    async with uow.platform() as tx:
        for one in (ours, theirs):
            await tx.tenants.add(one)
        for user in (mine, other, boss):
            assert await tx.users.add(user)
        for entry in logged:
            await tx.audit.append(entry)
        await tx.commit()
    return {"ours": ours.id, "theirs": theirs.id, "mine": mine, "other": other, "boss": boss}


async def _column(tx: sql_uow.SqlTransaction, sql: str, column: str) -> list[Any]:
    connection = await tx.connection()
    return [row[column] for row in (await connection.execute(text(sql))).mappings()]


@pytest.mark.postgres
async def test_row_level_security_hides_and_shields_other_tenants_rows(
    pg_uow: sql_uow.SqlUnitOfWork,
) -> None:
    seeded = await _seed(pg_uow)
    ours, theirs, other = seeded["ours"], seeded["theirs"], seeded["other"]
    async with pg_uow.tenant(ours) as tx:
        assert await _column(tx, "SELECT current_user AS who", "who") == ["b2_app"]
        assert set(await _column(tx, "SELECT * FROM users", "tenant_id")) == {ours}
        assert seeded["mine"].id in await _column(tx, "SELECT * FROM users", "id")
        assert set(await _column(tx, "SELECT * FROM audit_logs", "tenant_id")) == {ours}
        connection = await tx.connection()
        update = "UPDATE users SET active = false WHERE id = :id"
        assert (await connection.execute(text(update), {"id": other.id})).rowcount == 0
        deleted = await connection.execute(
            text("DELETE FROM audit_logs WHERE tenant_id = :t"), {"t": theirs}
        )
        assert deleted.rowcount == 0
        everyone = await connection.execute(text("UPDATE users SET email_verified = true"))
        assert everyone.rowcount == 1  # only our own member
        await tx.commit()
    async with pg_uow.platform() as tx:
        assert await tx.users.get(other.id) == other
        assert await tx.users.get(seeded["boss"].id) == seeded["boss"]
        assert {ours, theirs, None} <= set(
            await _column(tx, "SELECT * FROM audit_logs", "tenant_id")
        )


@pytest.mark.postgres
async def test_row_level_security_refuses_writing_rows_into_another_tenant(
    pg_uow: sql_uow.SqlUnitOfWork,
) -> None:
    seeded = await _seed(pg_uow)
    move = "UPDATE users SET tenant_id = :theirs WHERE id = :id"
    async with pg_uow.tenant(seeded["ours"]) as tx:
        connection = await tx.connection()
        with pytest.raises(sa_exc.DBAPIError, match="row-level security"):
            await connection.execute(
                text(move), {"theirs": seeded["theirs"], "id": seeded["mine"].id}
            )
    async with pg_uow.tenant(seeded["ours"]) as tx:
        with pytest.raises(sa_exc.DBAPIError, match="row-level security"):
            await tx.users.add(contracts.member(seeded["theirs"]))
    async with pg_uow.platform() as tx:
        assert await tx.users.get(seeded["mine"].id) == seeded["mine"]


@pytest.mark.postgres
async def test_without_a_scope_the_app_role_sees_nothing(pg_uow: sql_uow.SqlUnitOfWork) -> None:
    await _seed(pg_uow)
    async with pg_uow.engine.connect() as connection:
        await connection.execute(text("SET LOCAL ROLE b2_app"))
        for table in ("users", "audit_logs"):
            assert await connection.scalar(text(f"SELECT count(*) FROM {table}")) == 0
        await connection.rollback()
