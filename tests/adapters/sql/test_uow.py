"""What the SQL unit of work adds to the contract: scope settings and error translation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import attrs
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from b2adapters.sql import engine as sql_engine
from b2adapters.sql import migrate
from b2adapters.sql import uow as sql_uow
from b2core.iam import model
from b2core.shared import errors, ids
from b2core.testing import contracts
from tests.support import services

pytestmark = pytest.mark.anyio


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def uow_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('uow') / 'b2.db'}"
        return
    request.getfixturevalue("postgres_url")
    url = services.create_postgres_database(suffix="_sqluow")
    yield url
    services.drop_postgres_database(url)


@pytest.fixture(scope="module")
async def uow(anyio_backend: str, uow_url: str) -> AsyncIterator[sql_uow.SqlUnitOfWork]:
    await migrate.upgrade(uow_url)
    engine = sql_engine.make_engine(uow_url)
    yield sql_uow.SqlUnitOfWork(engine)
    await engine.dispose()


@pytest.fixture(scope="module")
async def postgres_uow(
    anyio_backend: str, postgres_url: str
) -> AsyncIterator[sql_uow.SqlUnitOfWork]:
    await migrate.upgrade(postgres_url)
    engine = sql_engine.make_engine(postgres_url)
    yield sql_uow.SqlUnitOfWork(engine)
    await engine.dispose()


async def _setting(tx: sql_uow.SqlTransaction, name: str) -> str | None:
    connection = await tx.connection()
    value: str | None = await connection.scalar(
        text("SELECT current_setting(:name, true)"), {"name": name}
    )
    return value or None  # PostgreSQL gives '' for a setting it knew but that was reset


@pytest.mark.postgres
async def test_tenant_transaction_sets_its_tenant_on_postgres(
    postgres_uow: sql_uow.SqlUnitOfWork,
) -> None:
    uow = postgres_uow
    tenant = ids.TenantId(contracts.unique_id())
    async with uow.tenant(tenant) as tx:
        assert await _setting(tx, "b2.tenant_id") == tenant
        assert await _setting(tx, "b2.scope") is None
        await tx.commit()
        # A new database transaction begins after commit; it gets the tenant again.
        assert await _setting(tx, "b2.tenant_id") == tenant
    async with uow.platform() as tx:
        assert await _setting(tx, "b2.scope") == "platform"
        assert await _setting(tx, "b2.tenant_id") is None  # transaction-local: nothing leaks


async def test_unknown_tenant_is_a_conflict_with_the_driver_error_chained(
    uow: sql_uow.SqlUnitOfWork,
) -> None:
    staff = model.User(
        id=ids.UserId(contracts.unique_id()),
        tenant_id=ids.TenantId(contracts.unique_id()),  # no such tenant: the foreign key refuses
        email=contracts.unique_email(),
        password_hash="hash",
        role=model.Role.STAFF,
        created_at=contracts.MOMENT,
    )
    async with uow.platform() as tx:
        with pytest.raises(errors.Conflict) as caught:
            await tx.users.add(staff)
    assert caught.value.code == "database.integrity_violation"
    assert isinstance(caught.value.__cause__, sa_exc.IntegrityError)
    async with uow.platform() as tx:
        assert await tx.users.get(staff.id) is None


async def test_save_changes_a_stored_user_and_refuses_an_unknown_one(
    uow: sql_uow.SqlUnitOfWork,
) -> None:
    admin = contracts.super_admin()
    async with uow.platform() as tx:
        assert await tx.users.add(admin)
        await tx.commit()
    changed = attrs.evolve(admin, active=False, updated_at=contracts.MOMENT)
    async with uow.platform() as tx:
        await tx.users.save(changed)
        with pytest.raises(errors.NotFound):
            await tx.users.save(contracts.super_admin())
        await tx.commit()
    async with uow.platform() as tx:
        assert await tx.users.get(admin.id) == changed


async def test_a_closed_transaction_cannot_be_used(uow: sql_uow.SqlUnitOfWork) -> None:
    tx = uow.platform()
    async with tx:
        pass
    with pytest.raises(RuntimeError):
        await tx.users.get(ids.UserId(contracts.unique_id()))


async def test_the_team_is_offered_in_tenant_transactions_only(uow: sql_uow.SqlUnitOfWork) -> None:
    async with uow.platform() as tx:
        with pytest.raises(RuntimeError, match="tenant-scoped"):
            _ = tx.team
    async with uow.tenant(ids.TenantId(contracts.unique_id())) as tx:
        assert await tx.team.count_admins() == 0
