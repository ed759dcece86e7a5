"""What only the SQL conversations storage does: its migration, the foreign key that keeps a
message in its tenant's conversation, and row-level security."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from b2adapters.sql import engine as sql_engine
from b2adapters.sql import migrate, schema
from b2adapters.sql import uow as sql_uow
from b2core.shared import errors, pagination
from b2core.testing.contracts import conversations as contract
from tests.support import services

pytestmark = pytest.mark.anyio

TABLES = {"conversations", "messages"}


@pytest.fixture
async def migrated(
    anyio_backend: str, empty_database_url: str
) -> AsyncIterator[sql_uow.SqlUnitOfWork]:
    """A unit of work over a freshly migrated SQLite or PostgreSQL database."""
    await migrate.upgrade(empty_database_url)
    engine = sql_engine.make_engine(empty_database_url)
    yield sql_uow.SqlUnitOfWork(engine)
    await engine.dispose()


@pytest.fixture(scope="module")
async def pg_uow(anyio_backend: str, postgres_url: str) -> AsyncIterator[sql_uow.SqlUnitOfWork]:
    """A migrated PostgreSQL database of this module's own, kept for the whole module."""
    url = services.create_postgres_database(suffix="_conversations")
    await migrate.upgrade(url)
    engine = sql_engine.make_engine(url)
    yield sql_uow.SqlUnitOfWork(engine)
    await engine.dispose()
    services.drop_postgres_database(url)


def _our_differences(connection: Connection) -> list[object]:
    def ours(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
        table = obj if kind == "table" else getattr(obj, "table", None)
        return getattr(table, "name", None) in TABLES

    options = {"compare_type": True, "include_object": ours}
    return list(
        compare_metadata(MigrationContext.configure(connection, opts=options), schema.metadata)
    )


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migration_matches_the_schema_and_downgrades_on_its_own(
    empty_database_url: str, migrated: sql_uow.SqlUnitOfWork
) -> None:
    url = empty_database_url
    async with migrated.engine.connect() as connection:
        assert await connection.run_sync(_our_differences) == []
    # Every revision above identity goes, conversations and what sits on them included.
    await migrate.downgrade(url, "0002_identity")
    assert await migrate.current(url) == {"0002_identity"}
    async with migrated.engine.connect() as connection:
        left = await connection.run_sync(_tables)
    assert not TABLES & left
    assert {"tenants", "users"} <= left  # the revisions below stay
    await migrate.upgrade(url)
    assert await migrate.current(url) == migrate.heads()


async def test_a_message_cannot_join_another_tenants_conversation(
    migrated: sql_uow.SqlUnitOfWork,
) -> None:
    theirs = contract.a_conversation()
    await contract.store(migrated, theirs)
    ours = attrs.evolve(contract.a_conversation(), id=theirs.id)
    async with migrated.tenant(ours.tenant_id) as tx:
        with pytest.raises(errors.Conflict):
            await tx.messages.add(contract.a_reply(ours))
    async with migrated.tenant(ours.tenant_id) as tx:
        assert (await tx.messages.search("", pagination.PageRequest())).items == ()


@pytest.mark.postgres
async def test_row_level_security_hides_and_refuses_other_tenants_rows(
    pg_uow: sql_uow.SqlUnitOfWork,
) -> None:
    theirs, ours = contract.a_conversation(), contract.a_conversation()
    await contract.store(pg_uow, theirs, contract.an_inbound(theirs))
    await contract.store(pg_uow, ours)
    async with pg_uow.tenant(ours.tenant_id) as tx:
        connection = await tx.connection()
        # No WHERE clause on the tenant: only the policy stands in the way.
        assert await connection.scalar(text("SELECT count(*) FROM messages")) == 0
        assert await connection.scalar(text("SELECT count(*) FROM conversations")) == 1
        touched = await connection.execute(text("UPDATE conversations SET unread_count = 9"))
        assert touched.rowcount == 1  # our own conversation only
        with pytest.raises(sa_exc.DBAPIError, match="row-level security"):
            await connection.execute(
                text("UPDATE conversations SET tenant_id = :theirs"), {"theirs": theirs.tenant_id}
            )
    async with pg_uow.tenant(theirs.tenant_id) as tx:
        connection = await tx.connection()
        assert await connection.scalar(text("SELECT count(*) FROM messages")) == 1
        assert await tx.conversations.get(theirs.id) == theirs  # unread_count untouched


@pytest.mark.parametrize("repository", ["conversations", "messages", "staff"])
async def test_platform_transactions_have_no_conversations_repositories(repository: str) -> None:
    # Conversations are tenant data: only a tenant-bound transaction reaches them.
    engine = sql_engine.make_engine("sqlite://")
    try:
        with pytest.raises(RuntimeError, match="tenant-scoped"):
            getattr(sql_uow.SqlUnitOfWork(engine).platform(), repository)
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_postgres_search_also_matches_every_word_in_any_order(
    pg_uow: sql_uow.SqlUnitOfWork,
) -> None:
    conversation = contract.a_conversation()
    street, other = (
        contract.an_inbound(conversation, "100% OFF na Straße", at=contract.MOMENT),
        contract.an_inbound(conversation, "nothing to see", at=contract.MOMENT),
    )
    await contract.store(pg_uow, conversation, street, other)
    async with pg_uow.tenant(conversation.tenant_id) as tx:
        words = await tx.messages.search("strasse 100", pagination.PageRequest())
        substring = await tx.messages.search("aße", pagination.PageRequest())
        neither = await tx.messages.search("strasse nothing", pagination.PageRequest())
    assert [m.id for m in words.items] == [street.id]  # not a substring: full-text words
    assert [m.id for m in substring.items] == [street.id]  # substrings still match
    assert not neither.items
