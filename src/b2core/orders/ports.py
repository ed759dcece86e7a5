"""Ports of the orders context: tenant-bound catalog and order repositories, and their UoW."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from b2core.orders import catalog, model
from b2core.shared import audit, ids, pagination, uow


class ServiceRepository(Protocol):
    """The catalog of the one tenant the transaction is bound to.

    Names are unique per tenant by :func:`catalog.name_key`, so that the AI's lookups by name
    stay unambiguous. ``version`` implements optimistic concurrency: ``save`` succeeds only if
    the stored version equals the instance's, and stores (and returns) it bumped by one.
    """

    async def get(self, service_id: ids.ServiceId) -> catalog.Service | None:
        """The service with this id in this tenant, or None."""
        ...

    async def add(self, service: catalog.Service) -> None:
        """Store a new service as given.

        Raises:
            errors.Conflict: ``service.already_exists`` (same id) or ``service.duplicate_name``.
        """
        ...

    async def save(self, service: catalog.Service) -> catalog.Service:
        """Store the new state of an existing service; return it with its new version.

        Raises:
            errors.NotFound: ``service.not_found``.
            errors.ConcurrencyConflict: ``service.concurrent_update`` (stale version).
            errors.Conflict: ``service.duplicate_name``.
        """
        ...

    async def delete(self, service_id: ids.ServiceId) -> bool:
        """Remove the service; False when there was none with this id."""
        ...

    async def list(
        self, page: pagination.PageRequest, *, active: bool | None = None
    ) -> pagination.Page[catalog.Service]:
        """Services ordered by name key then id, optionally only (in)active ones."""
        ...

    async def list_active(self) -> Sequence[catalog.Service]:
        """Every active service ordered by name key then id: the catalog the AI may offer."""
        ...


class OrderRepository(Protocol):
    """The orders of the one tenant the transaction is bound to. Same ``version`` rule."""

    async def get(self, order_id: ids.OrderId) -> model.Order | None:
        """The order with this id in this tenant, or None."""
        ...

    async def add(self, order: model.Order) -> None:
        """Store a new order as given.

        Raises:
            errors.Conflict: ``order.already_exists`` (same id).
        """
        ...

    async def save(self, order: model.Order) -> model.Order:
        """Store the new state of an existing order; return it with its new version.

        Raises:
            errors.NotFound: ``order.not_found``.
            errors.ConcurrencyConflict: ``order.concurrent_update`` (stale version).
        """
        ...

    async def list(
        self,
        page: pagination.PageRequest,
        *,
        status: model.OrderStatus | None = None,
        customer_id: str | None = None,
    ) -> pagination.Page[model.Order]:
        """Orders newest first (created_at, then id, descending), optionally filtered."""
        ...


class OrdersTx(uow.Transaction, Protocol):
    """A tenant-bound transaction of the orders context."""

    @property
    def services(self) -> ServiceRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def audit(self) -> audit.AuditLog:
        """The audit trail: each change of the catalog or of an order appends one entry here."""
        ...


class OrdersUoW(Protocol):
    """Opens orders transactions bound to one tenant."""

    def tenant(self, tenant_id: ids.TenantId) -> AbstractAsyncContextManager[OrdersTx]: ...
