"""SQL outbox: rows written by tenant transactions, taken by the relay with row locks.

On PostgreSQL the relay's reads lock their rows with ``FOR UPDATE SKIP LOCKED``: the fast path
and a sweep never both hold one entry, and neither waits for the other. SQLite serializes
writers, which gives the same result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import RowMapping, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from b2adapters.sql.schema import outbox as tables
from b2core.shared import errors, ids, outbox, tasks

_T = tables.outbox


class _Tx(Protocol):
    tenant_id: ids.TenantId | None

    async def connection(self) -> AsyncConnection: ...


def _entry(row: RowMapping) -> outbox.OutboxEntry:
    job = tasks.Job(
        actor_name=row["actor_name"],
        queue_name=row["queue_name"],
        args=tuple(row["args"]),
        idempotency_key=row["idempotency_key"],
    )
    return outbox.OutboxEntry(row["id"], ids.TenantId(row["tenant_id"]), job, row["created_at"])


class SqlOutbox:
    """The outbox of one transaction."""

    def __init__(self, tx: _Tx) -> None:
        self._tx = tx

    async def add(self, entry: outbox.OutboxEntry) -> None:
        if self._tx.tenant_id is not None and entry.tenant_id != self._tx.tenant_id:
            raise errors.Forbidden("an outbox entry of another tenant", code="outbox.wrong_tenant")
        row: dict[str, Any] = {
            "id": entry.id,
            "tenant_id": entry.tenant_id,
            "actor_name": entry.job.actor_name,
            "queue_name": entry.job.queue_name,
            "args": list(entry.job.args),
            "idempotency_key": entry.job.idempotency_key,
            "created_at": entry.created_at,
        }
        connection = await self._tx.connection()
        await connection.execute(insert(_T).values(**row))

    async def take(self, entry_id: str) -> outbox.OutboxEntry | None:
        self._platform_only()
        query = select(_T).where(_T.c.id == entry_id).with_for_update(skip_locked=True)
        connection = await self._tx.connection()
        row = (await connection.execute(query)).mappings().first()
        return None if row is None else _entry(row)

    async def take_older_than(self, cutoff: datetime, limit: int) -> Sequence[outbox.OutboxEntry]:
        self._platform_only()
        query = (
            select(_T)
            .where(_T.c.created_at < cutoff)
            .order_by(_T.c.created_at, _T.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        connection = await self._tx.connection()
        return [_entry(row) for row in (await connection.execute(query)).mappings()]

    async def remove(self, entry_ids: Sequence[str]) -> None:
        self._platform_only()
        if entry_ids:
            connection = await self._tx.connection()
            await connection.execute(delete(_T).where(_T.c.id.in_(list(entry_ids))))

    def _platform_only(self) -> None:
        if self._tx.tenant_id is not None:
            raise RuntimeError("the outbox is read in platform transactions only")


if TYPE_CHECKING:
    _w: type[outbox.OutboxWriter] = SqlOutbox
    _s: type[outbox.OutboxStore] = SqlOutbox
