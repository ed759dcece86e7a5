"""SQL adapters the dispatcher uses across tenants: the dispatch queue (atomic claims across
processes, and retention) and the customers' service windows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from b2adapters.sql import paging
from b2adapters.sql import scheduling_rows as rows
from b2adapters.sql.schema import conversations as conversation_tables
from b2adapters.sql.schema import scheduling as tables
from b2core.scheduling import model
from b2core.shared import errors, ids

if TYPE_CHECKING:
    from b2core.scheduling import ports

_M = tables.scheduled_messages
_PENDING = model.ScheduleStatus.PENDING.value
_FINAL = [s.value for s in model.FINAL_STATUSES]


class _Tx(Protocol):
    async def connection(self) -> AsyncConnection: ...


class SqlDispatchQueue:
    """Every tenant's scheduled messages, for claims and retention (platform transactions).

    PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` picks free rows that no concurrent
    claimer has locked, and the ``UPDATE`` in the same transaction takes them. SQLite: one
    conditional ``UPDATE ... RETURNING`` that re-checks the claim is free, under the database's
    single write lock, so two claimers are serialized.
    """

    def __init__(self, tx: _Tx) -> None:
        self._tx = tx

    async def claim_due(
        self, now: datetime, limit: int, worker_id: str, claim_ttl: timedelta
    ) -> Sequence[model.ScheduledMessage]:
        if limit <= 0:
            return []
        if not worker_id or claim_ttl <= timedelta(0):
            raise errors.InvalidInput("a claim needs a worker id and a positive ttl")
        connection = await self._tx.connection()
        free = and_(
            _M.c.status == _PENDING,
            _M.c.due_at <= now,
            or_(_M.c.claim_expires_at.is_(None), _M.c.claim_expires_at <= now),
        )
        id_column = paging.by_code_point(connection, _M.c.id)
        pick = select(_M.c.id).where(free).order_by(_M.c.due_at, id_column).limit(limit)
        if connection.dialect.name == "postgresql":
            chosen = [
                row.id for row in await connection.execute(pick.with_for_update(skip_locked=True))
            ]
            if not chosen:
                return []
            where: Any = _M.c.id.in_(chosen)
        else:
            where = and_(_M.c.id.in_(pick.scalar_subquery()), free)
        statement = (
            update(_M)
            .where(where)
            .values(
                claimed_by=worker_id,
                claim_expires_at=now + claim_ttl,
                version=_M.c.version + 1,
            )
            .returning(*_M.c)
        )
        taken = (await connection.execute(statement)).mappings().all()
        claimed = [rows.message_from_row(row) for row in taken]
        return sorted(claimed, key=lambda m: (m.due_at, m.id))

    async def purge_finished(self, before: datetime) -> int:
        connection = await self._tx.connection()
        statement = delete(_M).where(
            _M.c.status.in_(_FINAL), _M.c.finished_at.is_not(None), _M.c.finished_at < before
        )
        return int((await connection.execute(statement)).rowcount)


class SqlServiceWindows:
    """When a customer last wrote, from the conversations the inbound path keeps.

    A customer is matched by the contact phone, or by a customer id that is the number with or
    without its ``+`` (WhatsApp's ``wa_id`` has none). ``uow`` is the SQL unit of work.
    """

    def __init__(self, uow: Any) -> None:
        self._uow = uow

    async def last_customer_message_at(
        self, tenant_id: ids.TenantId, phone: str
    ) -> datetime | None:
        table = conversation_tables.conversations
        query = select(func.max(table.c.last_inbound_at)).where(
            table.c.tenant_id == tenant_id,
            or_(
                table.c.contact_phone == phone,
                table.c.customer_id.in_([phone, phone.lstrip("+")]),
            ),
        )
        async with self._uow.tenant(tenant_id) as tx:
            connection = await tx.connection()
            found: datetime | None = (await connection.execute(query)).scalar()
        return found


if TYPE_CHECKING:
    _q: type[ports.DispatchQueue] = SqlDispatchQueue
    _w: type[ports.ServiceWindows] = SqlServiceWindows
