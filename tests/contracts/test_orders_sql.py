"""Runs the orders and catalog contract suites on SQLite and PostgreSQL.

The memory run lives in ``test_orders.py``; this module gives the same suites the SQL unit of
work over an emptied, migrated database.
"""

from __future__ import annotations

import pytest

from b2adapters.sql import uow as sql_uow
from b2core.testing.contracts import UowFactory
from b2core.testing.contracts import orders as contract
from b2core.testing.contracts.orders import *  # noqa: F403
from b2core.testing.contracts.services import *  # noqa: F403


@pytest.fixture(scope="module")
def orders_uow_factory(sql_uow_factory: UowFactory) -> contract.OrdersUowFactory:
    return sql_uow_factory


@pytest.mark.parametrize("repository", ["services", "orders", "ai_settings", "usage"])
async def test_sql_platform_transactions_have_no_tenant_repositories(
    sql_uow_factory: UowFactory, repository: str
) -> None:
    # Tenant data: only a tenant-bound transaction reaches it.
    uow: sql_uow.SqlUnitOfWork = await sql_uow_factory()
    async with uow.platform() as tx:
        with pytest.raises(RuntimeError, match="tenant-scoped"):
            getattr(tx, repository)
