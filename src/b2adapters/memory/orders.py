"""In-memory repositories of the orders context: one tenant's catalog and its orders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from b2core.orders import catalog, model
from b2core.shared import errors, ids, pagination

if TYPE_CHECKING:
    from b2core.orders import ports


class _Tx(Protocol):
    def table(self, name: str) -> dict[Any, Any]: ...


def _by_name(service: catalog.Service) -> tuple[str, str]:
    # Words never hold a space, so the joined key sorts like the tuple and stays injective.
    return (" ".join(service.key), service.id)


def _newest_first(order: model.Order) -> tuple[str, str]:
    return (order.created_at.astimezone(UTC).isoformat(timespec="microseconds"), order.id)


def _after(cursor: str) -> tuple[str, str]:
    """The sort key a cursor carries; both parts are strings in every list of this module."""
    first, second = pagination.decode_cursor(cursor, 2)
    if not isinstance(first, str) or not isinstance(second, str):
        raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor")
    return (first, second)


def _same_tenant(found: ids.TenantId, bound: ids.TenantId, code: str) -> None:
    if found != bound:
        raise errors.Forbidden("this record belongs to another tenant", code=code)


class InMemoryServiceRepository:
    """The services of one tenant; other tenants' services are invisible through it."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._rows: dict[ids.ServiceId, catalog.Service] = tx.table("services")
        self._tenant_id = tenant_id

    async def get(self, service_id: ids.ServiceId) -> catalog.Service | None:
        service = self._rows.get(service_id)
        return service if service is not None and service.tenant_id == self._tenant_id else None

    async def add(self, service: catalog.Service) -> None:
        _same_tenant(service.tenant_id, self._tenant_id, "service.wrong_tenant")
        if service.id in self._rows:
            raise errors.Conflict("this service already exists", code="service.already_exists")
        self._unique_name(service)
        self._rows[service.id] = service

    async def save(self, service: catalog.Service) -> catalog.Service:
        _same_tenant(service.tenant_id, self._tenant_id, "service.wrong_tenant")
        stored = await self.get(service.id)
        if stored is None:
            raise errors.NotFound("no such service", code="service.not_found")
        if stored.version != service.version:
            raise errors.ConcurrencyConflict(
                "the service changed meanwhile", code="service.concurrent_update"
            )
        self._unique_name(service)
        saved = attrs.evolve(service, version=service.version + 1)
        self._rows[service.id] = saved
        return saved

    async def delete(self, service_id: ids.ServiceId) -> bool:
        if await self.get(service_id) is None:
            return False
        del self._rows[service_id]
        return True

    async def list(
        self, page: pagination.PageRequest, *, active: bool | None = None
    ) -> pagination.Page[catalog.Service]:
        rows = sorted(
            (s for s in self._mine() if active is None or s.active == active), key=_by_name
        )
        if page.cursor is not None:
            after = _after(page.cursor)
            rows = [s for s in rows if _by_name(s) > after]
        return pagination.page_from_rows(rows[: page.limit + 1], page.limit, _by_name)

    async def list_active(self) -> Sequence[catalog.Service]:
        return sorted((s for s in self._mine() if s.active), key=_by_name)

    def _mine(self) -> Sequence[catalog.Service]:
        return [s for s in self._rows.values() if s.tenant_id == self._tenant_id]

    def _unique_name(self, service: catalog.Service) -> None:
        if any(s.key == service.key and s.id != service.id for s in self._mine()):
            raise errors.Conflict(
                f"a service named {service.name!r} already exists", code="service.duplicate_name"
            )


class InMemoryOrderRepository:
    """The orders of one tenant; other tenants' orders are invisible through it."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._rows: dict[ids.OrderId, model.Order] = tx.table("orders")
        self._tenant_id = tenant_id

    async def get(self, order_id: ids.OrderId) -> model.Order | None:
        order = self._rows.get(order_id)
        return order if order is not None and order.tenant_id == self._tenant_id else None

    async def add(self, order: model.Order) -> None:
        _same_tenant(order.tenant_id, self._tenant_id, "order.wrong_tenant")
        if order.id in self._rows:
            raise errors.Conflict("this order already exists", code="order.already_exists")
        self._rows[order.id] = order

    async def save(self, order: model.Order) -> model.Order:
        _same_tenant(order.tenant_id, self._tenant_id, "order.wrong_tenant")
        stored = await self.get(order.id)
        if stored is None:
            raise errors.NotFound("no such order", code="order.not_found")
        if stored.version != order.version:
            raise errors.ConcurrencyConflict(
                "the order changed meanwhile", code="order.concurrent_update"
            )
        saved = attrs.evolve(order, version=order.version + 1)
        self._rows[order.id] = saved
        return saved

    async def list(
        self,
        page: pagination.PageRequest,
        *,
        status: model.OrderStatus | None = None,
        customer_id: str | None = None,
    ) -> pagination.Page[model.Order]:
        rows = sorted(
            (
                o
                for o in self._rows.values()
                if o.tenant_id == self._tenant_id
                and (status is None or o.status == status)
                and (customer_id is None or o.customer.id == customer_id)
            ),
            key=_newest_first,
            reverse=True,
        )
        if page.cursor is not None:
            after = _after(page.cursor)
            rows = [o for o in rows if _newest_first(o) < after]
        return pagination.page_from_rows(rows[: page.limit + 1], page.limit, _newest_first)


if TYPE_CHECKING:
    _s: type[ports.ServiceRepository] = InMemoryServiceRepository
    _o: type[ports.OrderRepository] = InMemoryOrderRepository
