"""The privacy acceptance property on SQL: one fixed example on SQLite and on PostgreSQL (with
row-level security), where the memory backend runs the Hypothesis search."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from b2adapters.memory.uow import InMemoryUnitOfWork
from b2adapters.sql import engine as sql_engine
from b2adapters.sql import migrate
from b2adapters.sql import uow as sql_uow
from tests.core.privacy import data
from tests.core.privacy.test_erasure import check_erasure

A, B = data.TENANTS
SPECS = [
    data.CustomerSpec(
        A,
        "+923001111111",
        "Ana",
        "+92 300 1111111",
        "ana@mail.example",
        (data.MessageSpec("hello there", True, "a.jpg"), data.MessageSpec("hi Ana", False, None)),
        2,
    ),
    data.CustomerSpec(
        A, "+923002222222", None, None, None, (data.MessageSpec("yo", True, None),), 1
    ),
    # The same customer id in the other tenant: erasing it in A must not touch B.
    data.CustomerSpec(
        B,
        "+923001111111",
        "Ana B",
        None,
        "ana@mail.example",
        (data.MessageSpec("hey", True, None),),
        1,
    ),
]


@pytest.fixture
async def migrated(empty_database_url: str) -> AsyncIterator[sql_uow.SqlUnitOfWork]:
    await migrate.upgrade(empty_database_url)
    engine = sql_engine.make_engine(empty_database_url)
    yield sql_uow.SqlUnitOfWork(engine)
    await engine.dispose()


async def test_erasing_a_customer_touches_no_one_else(migrated: sql_uow.SqlUnitOfWork) -> None:
    # The same data in memory exports the same bytes as on SQL, before and after.
    twin = InMemoryUnitOfWork()
    await data.load(twin, SPECS)
    await check_erasure(migrated, SPECS, 0, twin=twin)
