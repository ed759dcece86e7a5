"""In-memory audit log: append-only list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from b2core.shared import audit


class _Tx(Protocol):
    def table(self, name: str) -> dict[Any, Any]: ...


class InMemoryAuditLog:
    """Entries keyed by id in insertion order; nothing is ever updated or removed here."""

    def __init__(self, tx: _Tx) -> None:
        self._entries: dict[str, audit.AuditEntry] = tx.table("audit_logs")

    async def append(self, entry: audit.AuditEntry) -> None:
        self._entries[entry.id] = entry

    async def all(self) -> list[audit.AuditEntry]:
        """Every entry, oldest first (for tests and exports)."""
        return list(self._entries.values())


if TYPE_CHECKING:
    _: type[audit.AuditLog] = InMemoryAuditLog
