"""Ports of the tenants context."""

from __future__ import annotations

from typing import Protocol

from b2core.shared import ids, pagination
from b2core.tenants import model


class TenantRepository(Protocol):
    """Tenants across the platform. Tenant users reach only their own through the edge."""

    async def get(self, tenant_id: ids.TenantId) -> model.Tenant | None:
        """The tenant with this id, or None."""
        ...

    async def add(self, tenant: model.Tenant) -> None:
        """Store a new tenant."""
        ...

    async def save(self, tenant: model.Tenant) -> None:
        """Store the new state of an existing tenant."""
        ...

    async def count(self, *, include_archived: bool = False) -> int:
        """How many tenants exist (archived ones only when asked)."""
        ...

    async def search(
        self,
        page: pagination.PageRequest,
        *,
        text: str | None = None,
        status: model.TenantStatus | None = None,
    ) -> pagination.Page[model.Tenant]:
        """Tenants, newest first, whose name contains ``text`` (case-insensitive)."""
        ...
