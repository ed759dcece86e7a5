"""Contract of ``b2core.orders.ports.ServiceRepository``: a tenant's catalog, unique by name.

Run it against your adapter by star-importing it into a test module that defines the
``orders_uow_factory`` fixture (see ``b2core.testing.contracts.orders``, whose rules on ids,
name keys, ordering and tenants hold here too)::

    from b2core.testing.contracts.services import *  # noqa: F403
"""

from __future__ import annotations

import asyncio

import pytest

from b2core.shared import errors, money, pagination
from b2core.testing.contracts import MOMENT, unique_token
from b2core.testing.contracts.orders import (
    OrdersUowFactory,
    a_service,
    error_code,
    fresh,
    new_tenant,
    store,
)

__all__ = [
    "pytestmark",
    "test_deleted_service_is_gone_and_its_name_is_free",
    "test_racing_adds_of_one_name_store_exactly_one",
    "test_service_names_are_unique_per_tenant_by_name_key",
    "test_service_round_trips_and_saves_bump_the_version",
    "test_services_list_by_name_with_filter_and_pages",
]

pytestmark = pytest.mark.anyio


async def test_service_round_trips_and_saves_bump_the_version(
    orders_uow_factory: OrdersUowFactory,
) -> None:
    uow = await fresh(orders_uow_factory)
    service = a_service(new_tenant(), description="Wash and cut", active=False)
    await store(uow, service)
    async with uow.tenant(service.tenant_id) as tx:
        assert await tx.services.get(service.id) == service
        saved = await tx.services.save(service.reprice(money.Money(1, "BRL"), MOMENT))
        await tx.commit()
    assert saved.version == service.version + 1
    async with uow.tenant(service.tenant_id) as tx:
        assert await tx.services.get(service.id) == saved
        assert await error_code(tx.services.save(service)) == "service.concurrent_update"
        missing = a_service(service.tenant_id)
        assert await error_code(tx.services.save(missing)) == "service.not_found"


async def test_service_names_are_unique_per_tenant_by_name_key(
    orders_uow_factory: OrdersUowFactory,
) -> None:
    uow = await fresh(orders_uow_factory)
    tenant, word = new_tenant(), unique_token()
    first, second = a_service(tenant, f"Hair cut {word}"), a_service(tenant)
    await store(uow, first, second)
    async with uow.tenant(tenant) as tx:
        clash = a_service(tenant, f"  HAIR-cut, {word.upper()} ")
        assert await error_code(tx.services.add(clash)) == "service.duplicate_name"
        renamed = second.rename(first.name, MOMENT)
        assert await error_code(tx.services.save(renamed)) == "service.duplicate_name"
        assert await tx.services.get(clash.id) is None
    # Another tenant may use the same name; a service may keep its own name when saved.
    await store(uow, a_service(new_tenant(), first.name))
    async with uow.tenant(tenant) as tx:
        kept = await tx.services.save(first.reprice(money.Money(99, "BRL"), MOMENT))
    assert kept.name == first.name


async def test_racing_adds_of_one_name_store_exactly_one(
    orders_uow_factory: OrdersUowFactory,
) -> None:
    uow = await fresh(orders_uow_factory)
    tenant, name = new_tenant(), f"Massage {unique_token()}"
    results = await asyncio.gather(
        *(store(uow, a_service(tenant, name)) for _ in range(4)), return_exceptions=True
    )
    failures = [r for r in results if r is not None]
    assert len(failures) == 3
    assert all(isinstance(f, errors.Conflict) for f in failures)
    async with uow.tenant(tenant) as tx:
        assert [s.name for s in await tx.services.list_active()] == [name]


async def test_deleted_service_is_gone_and_its_name_is_free(
    orders_uow_factory: OrdersUowFactory,
) -> None:
    uow = await fresh(orders_uow_factory)
    service = a_service(new_tenant())
    await store(uow, service)
    async with uow.tenant(service.tenant_id) as tx:
        assert await tx.services.delete(service.id) is True
        assert await tx.services.delete(service.id) is False
        await tx.commit()
    await store(uow, a_service(service.tenant_id, service.name))
    async with uow.tenant(service.tenant_id) as tx:
        assert await tx.services.get(service.id) is None


async def test_services_list_by_name_with_filter_and_pages(
    orders_uow_factory: OrdersUowFactory,
) -> None:
    uow = await fresh(orders_uow_factory)
    tenant = new_tenant()
    names = ["gamma delta", "Beta", "alpha two", "Alpha", "zeta"]
    await store(uow, *(a_service(tenant, n, active=n != "Beta") for n in names))
    async with uow.tenant(tenant) as tx:
        first = await tx.services.list(pagination.PageRequest(limit=3))
        rest = await tx.services.list(pagination.PageRequest(limit=3, cursor=first.next_cursor))
        inactive = await tx.services.list(pagination.PageRequest(), active=False)
        active = list(await tx.services.list_active())
    expected = ["Alpha", "alpha two", "Beta", "gamma delta", "zeta"]
    assert [s.name for s in first.items + rest.items] == expected
    assert first.next_cursor is not None
    assert rest.next_cursor is None
    assert [s.name for s in inactive.items] == ["Beta"]
    assert [s.name for s in active] == [n for n in expected if n != "Beta"]
