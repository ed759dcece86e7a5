"""Ports of the privacy context: the customer data store and the media files of a tenant.

Privacy sits beside conversations and orders, so it reads their data through its own port,
implemented by adapters that touch those tables directly, never through their repositories.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from b2core.privacy import model
from b2core.shared import audit, ids, uow
from b2core.tenants import ports as tenant_ports


class CustomerDataStore(Protocol):
    """One tenant's customer data, inside a tenant-bound transaction. Reads give records in
    a stable order; writes touch only the bound tenant's rows."""

    async def customer_ids(self) -> list[str]:
        """Every customer with a conversation or an order, sorted."""
        ...

    async def export(self, customer_id: str) -> model.CustomerData:
        """Everything held about ``customer_id``; empty records for an unknown customer."""
        ...

    async def erase(self, customer_id: str) -> model.ErasureReport:
        """Delete the customer's conversations and messages and anonymise their orders: the
        name becomes ``ERASED``, phone and email are removed, the customer id becomes
        ``anonymous_customer_id`` and the link to the (deleted) conversation goes."""
        ...

    async def erase_all(self) -> model.ErasureReport:
        """Delete every conversation, message and order of the tenant."""
        ...

    async def scrub_audit(self, personal: frozenset[str]) -> int:
        """Replace ``personal`` values in the tenant's audit metadata and target ids
        (``model.scrub``); return how many entries changed."""
        ...

    async def clear_audit_metadata(self) -> int:
        """Empty the metadata of every audit entry of the tenant that has any; return how
        many changed. Actions, actors and times stay; entries whose action starts with
        ``model.PRIVACY_ACTIONS`` (counts only) are left as they are."""
        ...


class MediaFiles(Protocol):
    """Stored media files of a tenant's messages."""

    async def delete_for_messages(
        self, tenant_id: ids.TenantId, files: Collection[model.MediaFile]
    ) -> int:
        """Remove the stored files of those messages; return how many were removed."""
        ...

    async def delete_tenant(self, tenant_id: ids.TenantId) -> int:
        """Remove every stored file of the tenant; return how many were removed."""
        ...


class PrivacyTx(uow.Transaction, Protocol):
    """A tenant-bound transaction of the privacy context."""

    @property
    def customer_data(self) -> CustomerDataStore: ...

    @property
    def audit(self) -> audit.AuditLog: ...


class TenantLookupTx(uow.Transaction, Protocol):
    """A platform transaction that finds tenants (whole-tenant requests name one)."""

    @property
    def tenants(self) -> tenant_ports.TenantRepository: ...


class PrivacyUoW(Protocol):
    """Opens tenant-bound privacy transactions, and platform ones to find a tenant."""

    def tenant(self, tenant_id: ids.TenantId) -> AbstractAsyncContextManager[PrivacyTx]: ...

    def platform(self) -> AbstractAsyncContextManager[TenantLookupTx]: ...
