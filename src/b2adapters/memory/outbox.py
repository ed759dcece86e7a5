"""In-memory outbox: entries in the store's ``outbox`` table, in transaction order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from b2core.shared import errors, ids, outbox

TABLE = "outbox"


class _Tx(Protocol):
    tenant_id: ids.TenantId | None

    def table(self, name: str) -> dict[Any, Any]: ...


class InMemoryOutbox:
    """The outbox of one transaction: a tenant's writes, or the relay's platform reads.

    Transactions on the memory store are serialized, so an entry taken here is this
    transaction's alone until it ends.
    """

    def __init__(self, tx: _Tx) -> None:
        self._tx = tx

    async def add(self, entry: outbox.OutboxEntry) -> None:
        if self._tx.tenant_id is not None and entry.tenant_id != self._tx.tenant_id:
            raise errors.Forbidden("an outbox entry of another tenant", code="outbox.wrong_tenant")
        table = self._tx.table(TABLE)
        if entry.id in table:
            raise errors.Conflict(f"outbox entry {entry.id} exists", code="outbox.duplicate")
        table[entry.id] = entry

    async def take(self, entry_id: str) -> outbox.OutboxEntry | None:
        self._platform_only()
        found: outbox.OutboxEntry | None = self._tx.table(TABLE).get(entry_id)
        return found

    async def take_older_than(self, cutoff: datetime, limit: int) -> Sequence[outbox.OutboxEntry]:
        self._platform_only()
        entries: list[outbox.OutboxEntry] = list(self._tx.table(TABLE).values())
        old = sorted((e for e in entries if e.created_at < cutoff), key=lambda e: e.created_at)
        return old[:limit]

    async def remove(self, entry_ids: Sequence[str]) -> None:
        self._platform_only()
        table = self._tx.table(TABLE)
        for entry_id in entry_ids:
            table.pop(entry_id, None)

    def _platform_only(self) -> None:
        if self._tx.tenant_id is not None:
            raise RuntimeError("the outbox is read in platform transactions only")


if TYPE_CHECKING:
    _w: type[outbox.OutboxWriter] = InMemoryOutbox
    _s: type[outbox.OutboxStore] = InMemoryOutbox
