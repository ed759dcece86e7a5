"""Ports of the platform context."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from b2core.platform import commands, model
from b2core.shared import audit, ids, pagination, uow


class SettingsRepository(Protocol):
    """The two settings singletons. ``ensure_*`` is safe under any number of racing callers."""

    async def system(self) -> model.SystemSettings | None:
        """The stored system settings, or None before bootstrap."""
        ...

    async def ensure_system(self, defaults: model.SystemSettings) -> bool:
        """Store ``defaults`` unless a row exists; True when this call created it."""
        ...

    async def save_system(self, settings: model.SystemSettings) -> None:
        """Replace the stored system settings."""
        ...

    async def growth(self) -> model.GrowthSettings | None:
        """The stored growth settings, or None before bootstrap."""
        ...

    async def ensure_growth(self, defaults: model.GrowthSettings) -> bool:
        """Store ``defaults`` unless a row exists; True when this call created it."""
        ...

    async def save_growth(self, settings: model.GrowthSettings) -> None:
        """Replace the stored growth settings."""
        ...


class PlatformTx(uow.Transaction, Protocol):
    """A platform-wide transaction of the platform context."""

    @property
    def settings(self) -> SettingsRepository: ...


class PlatformUoW(Protocol):
    """Opens platform transactions."""

    def platform(self) -> AbstractAsyncContextManager[PlatformTx]: ...


class Mailer(Protocol):
    """Sends email. Raises ``errors.Unavailable`` when the provider cannot take it now."""

    async def send(self, message: model.EmailMessage) -> None:
        """Deliver ``message`` (or hand it to the provider)."""
        ...


class SystemSettingsReader(Protocol):
    """The system settings as hot paths read them (through a short-lived cache)."""

    async def current(self) -> model.SystemSettings:
        """The settings, at most about a second old; the defaults before bootstrap."""
        ...


class AuditReader(Protocol):
    """Reads the audit trail. Bound to a tenant, it sees only that tenant's entries."""

    async def page(
        self, criteria: commands.AuditFilter, page: pagination.PageRequest
    ) -> pagination.Page[audit.AuditEntry]:
        """Matching entries, newest first (by time, then id, both descending).

        Raises ``errors.InvalidInput`` (``pagination.bad_cursor``) for a cursor it did not make.
        """
        ...


class AuditTx(uow.Transaction, Protocol):
    """A transaction that reads the audit trail (tenant-bound or platform-wide)."""

    @property
    def audit_reader(self) -> AuditReader: ...


class AuditUoW(Protocol):
    """Opens audit-reading transactions."""

    def tenant(self, tenant_id: ids.TenantId) -> AbstractAsyncContextManager[AuditTx]: ...

    def platform(self) -> AbstractAsyncContextManager[AuditTx]: ...
