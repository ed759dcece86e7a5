"""Contract of the orders ports: ``OrderRepository``, and both repositories of ``OrdersTx``.

Run it against your adapter by star-importing it into a test module that defines the
``orders_uow_factory`` fixture (module or session scope; see ``b2core.testing.contracts``)::

    from b2core.testing.contracts.orders import *  # noqa: F403

The fixture returns an async zero-argument callable giving a ``b2core.orders.ports.OrdersUoW``.
The catalog's own suite, ``b2core.testing.contracts.services``, takes the same fixture.
Every example uses fresh tenants and ids, so a store kept between calls is fine.

What the suite pins down beyond the port's docstrings:

* Ids are unique across tenants (a primary key): adding a taken id is ``*.already_exists``.
* Service names are unique per tenant by their name key (store ``" ".join(name_key(name))``
  under a unique index on (tenant, key)); racing adds of one name store exactly one.
* Services list ascending by that joined key, then id; orders descending by ``created_at``,
  then id. Ids and keys compare by code point (PostgreSQL: ``COLLATE "C"``).
* A tenant-bound repository never shows, changes or deletes another tenant's records, and
  refuses to store one: ``errors.Forbidden`` ``service.wrong_tenant`` / ``order.wrong_tenant``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2core.orders import catalog, model, policy, ports
from b2core.shared import errors, ids, money, pagination
from b2core.testing.contracts import MOMENT, unique_id, unique_token

__all__ = [
    "pytestmark",
    "test_another_tenants_entities_are_refused",
    "test_another_tenants_records_are_invisible",
    "test_changes_without_commit_are_discarded",
    "test_forged_cursors_are_invalid_input",
    "test_ids_are_taken_once",
    "test_order_round_trips_with_items_customer_and_history",
    "test_order_save_bumps_the_version_and_refuses_stale_copies",
    "test_orders_list_newest_first_with_filters",
    "test_paging_visits_every_order_once_newest_first",
    "test_racing_stale_saves_let_exactly_one_through",
    "test_unknown_ids_are_none",
]

pytestmark = pytest.mark.anyio

OrdersUowFactory = Callable[[], Awaitable[Any]]
AI = policy.Actor.ai()
STAFF = policy.Actor.user(ids.UserId("contract-staff"), policy.STAFF)


def new_tenant() -> ids.TenantId:
    """A tenant no other example uses."""
    return ids.TenantId(unique_id())


def a_service(
    tenant_id: ids.TenantId, name: str | None = None, *, description: str = "", active: bool = True
) -> catalog.Service:
    """A service of ``tenant_id`` at 15.00 BRL with a unique id (and name unless given)."""
    return catalog.Service.create(
        ids.ServiceId(unique_id()),
        tenant_id,
        name or f"Service {unique_token()}",
        money.Money(1500, "BRL"),
        MOMENT,
        description=description,
        active=active,
    )


def an_order(
    tenant_id: ids.TenantId, *, at: datetime = MOMENT, customer: str = "5511900000000"
) -> model.Order:
    """A DRAFT order of two items, with full customer details and a conversation."""
    items = (
        model.OrderItem(ids.ServiceId(unique_id()), "Haircut", money.Money(3000, "BRL"), 2),
        model.OrderItem(ids.ServiceId(unique_id()), "Beard trim", money.Money(1500, "BRL"), 1),
    )
    return model.Order(
        id=ids.OrderId(unique_id()),
        tenant_id=tenant_id,
        customer=model.Customer(customer, "Ana Souza", "+55 11 90000-0000", "ana@example.com"),
        items=items,
        status=model.OrderStatus.DRAFT,
        created_by=AI,
        created_at=at,
        updated_at=at,
        conversation_id=ids.ConversationId(unique_id()),
    )


async def fresh(factory: OrdersUowFactory) -> ports.OrdersUoW:
    """A unit of work from the fixture's factory."""
    uow: ports.OrdersUoW = await factory()
    return uow


async def store(uow: ports.OrdersUoW, *records: Any) -> None:
    """Add services or orders of one tenant in one committed transaction."""
    async with uow.tenant(records[0].tenant_id) as tx:
        for record in records:
            repo = tx.services if isinstance(record, catalog.Service) else tx.orders
            await repo.add(record)
        await tx.commit()


async def error_code(action: Awaitable[Any]) -> str:
    """The code of the domain error ``action`` raises (it must raise one)."""
    with pytest.raises(errors.DomainError) as raised:
        await action
    return raised.value.code


async def test_unknown_ids_are_none(orders_uow_factory: OrdersUowFactory) -> None:
    uow = await fresh(orders_uow_factory)
    async with uow.tenant(new_tenant()) as tx:
        assert await tx.services.get(ids.ServiceId(unique_id())) is None
        assert await tx.services.delete(ids.ServiceId(unique_id())) is False
        assert await tx.orders.get(ids.OrderId(unique_id())) is None
        assert (await tx.services.list(pagination.PageRequest())).items == ()
        assert list(await tx.services.list_active()) == []
        assert (await tx.orders.list(pagination.PageRequest())).items == ()


async def test_ids_are_taken_once(orders_uow_factory: OrdersUowFactory) -> None:
    uow = await fresh(orders_uow_factory)
    service, order = a_service(new_tenant()), an_order(new_tenant())
    await store(uow, service)
    await store(uow, order)
    async with uow.tenant(service.tenant_id) as tx:
        twin = attrs.evolve(service, name=f"Other {unique_token()}")
        assert await error_code(tx.services.add(twin)) == "service.already_exists"
    async with uow.tenant(order.tenant_id) as tx:
        assert await error_code(tx.orders.add(order)) == "order.already_exists"


async def test_order_round_trips_with_items_customer_and_history(
    orders_uow_factory: OrdersUowFactory,
) -> None:
    uow = await fresh(orders_uow_factory)
    order = an_order(new_tenant())
    await store(uow, order)
    later = MOMENT + timedelta(minutes=5, microseconds=7)
    changed = order.submit(AI, MOMENT).reject(STAFF, later, "  out of stock ")
    async with uow.tenant(order.tenant_id) as tx:
        assert await tx.orders.get(order.id) == order
        saved = await tx.orders.save(changed)
        await tx.commit()
    async with uow.tenant(order.tenant_id) as tx:
        stored = await tx.orders.get(order.id)
    assert stored == saved == attrs.evolve(changed, version=order.version + 1)
    assert stored is not None
    assert stored.total == money.Money(7500, "BRL")
    assert stored.history[-1].reason == "out of stock"


async def test_order_save_bumps_the_version_and_refuses_stale_copies(
    orders_uow_factory: OrdersUowFactory,
) -> None:
    uow = await fresh(orders_uow_factory)
    order = an_order(new_tenant())
    await store(uow, order)
    async with uow.tenant(order.tenant_id) as tx:
        first = await tx.orders.save(order.submit(AI, MOMENT))
        second = await tx.orders.save(first.approve(STAFF, MOMENT))
        assert (first.version, second.version) == (order.version + 1, order.version + 2)
        assert (
            await error_code(tx.orders.save(first.cancel(AI, MOMENT))) == "order.concurrent_update"
        )
        missing = an_order(order.tenant_id)
        assert await error_code(tx.orders.save(missing)) == "order.not_found"


async def test_racing_stale_saves_let_exactly_one_through(
    orders_uow_factory: OrdersUowFactory,
) -> None:
    uow = await fresh(orders_uow_factory)
    order = an_order(new_tenant()).submit(AI, MOMENT)
    await store(uow, order)

    async def save(changed: model.Order) -> model.Order:
        async with uow.tenant(order.tenant_id) as tx:
            saved = await tx.orders.save(changed)
            await tx.commit()
        return saved

    results = await asyncio.gather(
        save(order.approve(STAFF, MOMENT)), save(order.cancel(AI, MOMENT)), return_exceptions=True
    )
    conflicts = [r for r in results if isinstance(r, errors.ConcurrencyConflict)]
    winners = [r for r in results if isinstance(r, model.Order)]
    assert len(conflicts) == 1
    assert len(winners) == 1
    async with uow.tenant(order.tenant_id) as tx:
        assert await tx.orders.get(order.id) == winners[0]


async def test_orders_list_newest_first_with_filters(
    orders_uow_factory: OrdersUowFactory,
) -> None:
    uow = await fresh(orders_uow_factory)
    tenant = new_tenant()
    orders = [
        an_order(tenant, at=MOMENT + timedelta(minutes=n), customer=f"c{n % 2}") for n in (0, 1, 2)
    ]
    orders[1] = orders[1].submit(AI, MOMENT)
    await store(uow, *orders)
    async with uow.tenant(tenant) as tx:
        everything = await tx.orders.list(pagination.PageRequest())
        pending = await tx.orders.list(
            pagination.PageRequest(), status=model.OrderStatus.PENDING_APPROVAL
        )
        of_c0 = await tx.orders.list(pagination.PageRequest(), customer_id="c0")
        none = await tx.orders.list(
            pagination.PageRequest(), status=model.OrderStatus.DRAFT, customer_id="c1"
        )
    assert [o.id for o in everything.items] == [orders[2].id, orders[1].id, orders[0].id]
    assert [o.id for o in pending.items] == [orders[1].id]
    assert [o.id for o in of_c0.items] == [orders[2].id, orders[0].id]
    assert none.items == ()


@settings(max_examples=25, deadline=None)
@given(minutes=st.lists(st.integers(0, 3), max_size=10), limit=st.integers(1, 4))
async def test_paging_visits_every_order_once_newest_first(
    orders_uow_factory: OrdersUowFactory, minutes: list[int], limit: int
) -> None:
    uow = await fresh(orders_uow_factory)
    tenant = new_tenant()
    # Few distinct instants, so that ties (broken by id, descending) are common.
    orders = [an_order(tenant, at=MOMENT + timedelta(minutes=m)) for m in minutes]
    if orders:
        await store(uow, *orders)
    seen: list[ids.OrderId] = []
    pages, cursor = 0, None
    async with uow.tenant(tenant) as tx:
        while pages == 0 or cursor is not None:
            page = await tx.orders.list(pagination.PageRequest(limit=limit, cursor=cursor))
            seen.extend(o.id for o in page.items)
            pages, cursor = pages + 1, page.next_cursor
    newest_first = sorted(orders, key=lambda o: (o.created_at, o.id), reverse=True)
    assert seen == [o.id for o in newest_first]
    assert pages == max(1, -(-len(orders) // limit))


async def test_another_tenants_records_are_invisible(
    orders_uow_factory: OrdersUowFactory,
) -> None:
    uow = await fresh(orders_uow_factory)
    service, order = a_service(new_tenant()), an_order(new_tenant())
    await store(uow, service)
    await store(uow, order)
    intruder = new_tenant()
    async with uow.tenant(intruder) as tx:
        assert await tx.services.get(service.id) is None
        assert await tx.orders.get(order.id) is None
        assert await tx.services.delete(service.id) is False
        assert (await tx.services.list(pagination.PageRequest())).items == ()
        assert list(await tx.services.list_active()) == []
        assert (await tx.orders.list(pagination.PageRequest())).items == ()
        await tx.commit()
    async with uow.tenant(service.tenant_id) as tx:
        assert await tx.services.get(service.id) == service


async def test_another_tenants_entities_are_refused(
    orders_uow_factory: OrdersUowFactory,
) -> None:
    uow = await fresh(orders_uow_factory)
    service, order = a_service(new_tenant()), an_order(new_tenant())
    await store(uow, service)
    await store(uow, order)
    async with uow.tenant(new_tenant()) as tx:
        assert (
            await error_code(tx.services.add(a_service(service.tenant_id)))
            == "service.wrong_tenant"
        )
        assert await error_code(tx.services.save(service)) == "service.wrong_tenant"
        assert await error_code(tx.orders.add(an_order(order.tenant_id))) == "order.wrong_tenant"
        assert await error_code(tx.orders.save(order.submit(AI, MOMENT))) == "order.wrong_tenant"


async def test_forged_cursors_are_invalid_input(orders_uow_factory: OrdersUowFactory) -> None:
    uow = await fresh(orders_uow_factory)
    forged = [pagination.encode_cursor(1, 2), pagination.encode_cursor("a"), "%%%"]
    async with uow.tenant(new_tenant()) as tx:
        for cursor in forged:
            page = pagination.PageRequest(cursor=cursor)
            assert await error_code(tx.services.list(page)) == "pagination.bad_cursor"
            assert await error_code(tx.orders.list(page)) == "pagination.bad_cursor"


async def test_changes_without_commit_are_discarded(
    orders_uow_factory: OrdersUowFactory,
) -> None:
    uow = await fresh(orders_uow_factory)
    service, order = a_service(new_tenant()), an_order(new_tenant())
    async with uow.tenant(service.tenant_id) as tx:
        await tx.services.add(service)
    async with uow.tenant(order.tenant_id) as tx:
        await tx.orders.add(order)
    async with uow.tenant(service.tenant_id) as tx:
        assert await tx.services.get(service.id) is None
    async with uow.tenant(order.tenant_id) as tx:
        assert await tx.orders.get(order.id) is None
