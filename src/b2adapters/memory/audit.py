"""In-memory audit log: append-only list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from b2core.shared import audit, errors, ids


class _Tx(Protocol):
    @property
    def tenant_id(self) -> ids.TenantId | None: ...

    def table(self, name: str) -> dict[Any, Any]: ...


class InMemoryAuditLog:
    """Entries keyed by id in insertion order; nothing is ever updated or removed here.

    In a tenant-bound transaction it takes and shows only that tenant's entries.
    """

    def __init__(self, tx: _Tx) -> None:
        self._entries: dict[str, audit.AuditEntry] = tx.table("audit_logs")
        self._tenant_id = tx.tenant_id

    async def append(self, entry: audit.AuditEntry) -> None:
        if self._tenant_id is not None and entry.tenant_id != self._tenant_id:
            raise errors.Forbidden("the entry belongs to another tenant", code="audit.wrong_tenant")
        if entry.id in self._entries:
            raise errors.Conflict(f"audit entry {entry.id} exists", code="audit.conflict")
        self._entries[entry.id] = entry

    async def all(self) -> list[audit.AuditEntry]:
        """Every entry this log may show, oldest first (for tests and exports)."""
        return [
            e
            for e in self._entries.values()
            if self._tenant_id is None or e.tenant_id == self._tenant_id
        ]


if TYPE_CHECKING:
    _: type[audit.AuditLog] = InMemoryAuditLog
