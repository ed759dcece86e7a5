"""Runs the orders and catalog contract suites (b2core.testing.contracts.orders, .services).

They run on the memory adapter; the SQL adapters join (as parameters of ``orders_uow_factory``)
once they exist.
"""

from __future__ import annotations

import pytest

from b2adapters.memory import uow as memory_uow
from b2core.testing.contracts import orders as contract
from b2core.testing.contracts.orders import *  # noqa: F403
from b2core.testing.contracts.services import *  # noqa: F403


@pytest.fixture(scope="module")
def orders_uow_factory() -> contract.OrdersUowFactory:
    async def make() -> memory_uow.InMemoryUnitOfWork:
        return memory_uow.InMemoryUnitOfWork()

    return make


@pytest.mark.parametrize("repository", ["services", "orders"])
async def test_memory_platform_transactions_have_no_orders_repositories(repository: str) -> None:
    # The catalog and orders are tenant data: only a tenant-bound transaction reaches them.
    async with memory_uow.InMemoryUnitOfWork().platform() as tx:
        with pytest.raises(RuntimeError, match="tenant-scoped"):
            getattr(tx, repository)
