"""The ``uow_factory`` fixture: each contract suite runs on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from b2adapters.memory import uow as memory_uow
from b2adapters.sql import engine as sql_engine
from b2adapters.sql import migrate, schema
from b2adapters.sql import uow as sql_uow
from b2core.testing.contracts import UowFactory
from tests.support import services

ADAPTERS = [
    pytest.param("memory"),
    pytest.param("sqlite"),
    pytest.param("postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def contracts_postgres_url(postgres_url: str) -> Iterator[str]:
    """A database of its own next to ``postgres_url``'s, on the same server.

    The suites empty the tables before every example and save random settings; a separate
    database keeps that from leaking into other suites that share ``postgres_url``.
    """
    url = services.create_postgres_database(suffix="_contracts")
    yield url
    services.drop_postgres_database(url)


@pytest.fixture(scope="module", params=ADAPTERS)
def contract_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """The URL of the database under test ("" for the memory adapter)."""
    if request.param == "memory":
        return ""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('contracts') / 'b2.db'}"
    url: str = request.getfixturevalue("contracts_postgres_url")
    return url


@pytest.fixture(scope="module")
async def uow_factory(anyio_backend: str, contract_database_url: str) -> AsyncIterator[UowFactory]:
    """Fresh units of work over an empty store, for the adapter of this module's run."""
    if not contract_database_url:

        async def make_memory() -> memory_uow.InMemoryUnitOfWork:
            return memory_uow.InMemoryUnitOfWork()

        yield make_memory
        return
    await migrate.upgrade(contract_database_url)
    engine = sql_engine.make_engine(contract_database_url)

    async def make_sql() -> sql_uow.SqlUnitOfWork:
        async with engine.begin() as connection:
            for table in reversed(schema.metadata.sorted_tables):
                await connection.execute(delete(table))
        return sql_uow.SqlUnitOfWork(engine)

    yield make_sql
    await engine.dispose()


@pytest.fixture(scope="module", params=ADAPTERS[1:])
async def migrated_engine(
    request: pytest.FixtureRequest, anyio_backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    """An engine over a migrated SQLite file or the contracts' PostgreSQL database.

    For suites whose memory run lives in another module, or that take an engine, not a UoW.
    """
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('contracts') / 'b2.db'}"
    else:
        url = request.getfixturevalue("contracts_postgres_url")
    await migrate.upgrade(url)
    engine = sql_engine.make_engine(url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
def sql_uow_factory(migrated_engine: AsyncEngine) -> UowFactory:
    """Like ``uow_factory``, on SQLite and PostgreSQL only."""

    async def make_sql() -> sql_uow.SqlUnitOfWork:
        async with migrated_engine.begin() as connection:
            for table in reversed(schema.metadata.sorted_tables):
                await connection.execute(delete(table))
        return sql_uow.SqlUnitOfWork(migrated_engine)

    return make_sql
