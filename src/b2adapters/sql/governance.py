"""SQL quota ledger: daily and monthly counters in ``quota_counters``, exact under concurrency.

Each operation is one short transaction of its own on the engine (the ledger is not part of a
unit of work). A reservation increments the monthly counter, then the daily one, each with a
conditional UPDATE (``used + units <= limit``) that creates its missing row race-safely first;
if either finds no room the transaction rolls back and nothing changes. Why that is exact:
on PostgreSQL an UPDATE that waited for a racing writer's row lock re-checks its WHERE against
the committed row, and SQLite runs writing transactions one at a time. Why it cannot deadlock:
every transaction takes the monthly row before it touches the daily one.

On PostgreSQL each transaction takes the ``b2_app`` role and names its tenant, as the unit of
work does (``b2adapters.sql.uow``), so the tenant policies on these tables hold here too.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from b2adapters import system
from b2adapters.sql import statements
from b2adapters.sql.migrations import rls
from b2adapters.sql.schema import ai as tables
from b2core.ai import model, quotas
from b2core.shared import ids

if TYPE_CHECKING:
    from b2core.ai import ports
    from b2core.shared import time

# How long a counter outlives its window, as the Redis and memory ledgers keep theirs.
EXPIRY_MARGIN = timedelta(hours=1)

_SET_TENANT = text(
    f"SELECT set_config('role', '{rls.APP_ROLE}', true), "
    f"set_config('{rls.TENANT_SETTING}', :tenant_id, true)"
)
_SET_PLATFORM = text(
    f"SELECT set_config('role', '{rls.APP_ROLE}', true), "
    f"set_config('{rls.SCOPE_SETTING}', '{rls.PLATFORM_SCOPE}', true)"
)
_counters = tables.quota_counters


def deadline(window: quotas.Window, now: datetime) -> datetime:
    """When a counter of ``window`` first written at ``now`` may be purged."""
    return now + min(window.time_left(now), window.end - window.start) + EXPIRY_MARGIN


class _Refused(Exception):
    """Leaves the reservation's transaction, rolling it back, with the refusal reason."""

    def __init__(self, reason: model.BlockReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


class SqlQuotaLedger:
    """The quota ledger on SQLite or PostgreSQL; ``clock`` dates the rows' expiry."""

    def __init__(self, engine: AsyncEngine, clock: time.Clock | None = None) -> None:
        self.engine = engine
        self.clock: time.Clock = clock or system.SystemClock()

    async def reserve(
        self, tenant_id: ids.TenantId, windows: quotas.QuotaWindows, limits: quotas.QuotaLimits
    ) -> quotas.Reservation | model.BlockReason:
        now = self.clock.now()
        # Monthly first: a full month is the reason given even when the day is full too,
        # as quotas.decide_reservation says, and it is the lock order.
        steps = (
            (windows.monthly, limits.monthly, model.BlockReason.MONTHLY_LIMIT),
            (windows.daily, limits.daily, model.BlockReason.DAILY_LIMIT),
        )
        try:
            async with self._transaction(tenant_id) as connection:
                for window, limit, reason in steps:
                    if not await _take(connection, tenant_id, window, limit, now):
                        raise _Refused(reason)
        except _Refused as refused:
            return refused.reason
        return quotas.Reservation(uuid.uuid4().hex, tenant_id, windows)

    async def refund(self, reservation: quotas.Reservation) -> bool:
        now, windows = self.clock.now(), reservation.windows
        mark = {
            "reservation_id": reservation.id,
            "tenant_id": reservation.tenant_id,
            "at": now,
            "expires_at": max(deadline(windows.daily, now), deadline(windows.monthly, now)),
        }
        async with self._transaction(reservation.tenant_id) as connection:
            # The mark and the counters change together or not at all; a racing refund of
            # the same reservation waits for this one's mark and then finds it.
            if not await statements.insert_if_absent(connection, tables.quota_refunds, mark):
                return False
            for window in (windows.monthly, windows.daily):
                await connection.execute(_give_back(reservation, window))
        return True

    async def usage(
        self, tenant_id: ids.TenantId, windows: quotas.QuotaWindows
    ) -> quotas.QuotaUsage:
        query = select(_counters.c.window_id, _counters.c.used).where(
            _counters.c.tenant_id == tenant_id,
            _counters.c.window_id.in_([windows.daily.id, windows.monthly.id]),
        )
        async with self._transaction(tenant_id) as connection:
            rows = await connection.execute(query)
            used = {row.window_id: row.used for row in rows}
        return quotas.QuotaUsage(used.get(windows.daily.id, 0), used.get(windows.monthly.id, 0))

    async def purge_expired(self) -> int:
        """Delete the counters and refund marks whose time is up; returns how many went.

        A maintenance task for every tenant at once: run it now and then (daily is plenty).
        """
        now = self.clock.now()
        async with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(_SET_PLATFORM)
            removed = 0
            for table in (_counters, tables.quota_refunds):
                result = await connection.execute(delete(table).where(table.c.expires_at <= now))
                removed += result.rowcount
        return removed

    @contextlib.asynccontextmanager
    async def _transaction(self, tenant_id: ids.TenantId) -> AsyncIterator[AsyncConnection]:
        """A transaction scoped to ``tenant_id``: committed on leaving, rolled back on error."""
        async with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(_SET_TENANT, {"tenant_id": tenant_id})
            yield connection


async def _take(
    connection: AsyncConnection,
    tenant_id: ids.TenantId,
    window: quotas.Window,
    limit: int,
    now: datetime,
    units: int = 1,
) -> bool:
    """Add ``units`` to the window's counter if it stays within ``limit``; True when done."""
    statement = (
        update(_counters)
        .where(
            _counters.c.tenant_id == tenant_id,
            _counters.c.window_id == window.id,
            _counters.c.used <= limit - units,
        )
        .values(used=_counters.c.used + units)
    )
    if (await connection.execute(statement)).rowcount == 1:
        return True
    # No room, or no row yet. Create it (a racing creator makes this wait, then do nothing)
    # and ask once more: the answer is final either way.
    row = {"tenant_id": tenant_id, "window_id": window.id, "used": 0}
    await statements.insert_if_absent(
        connection, _counters, {**row, "expires_at": deadline(window, now)}
    )
    return (await connection.execute(statement)).rowcount == 1


def _give_back(reservation: quotas.Reservation, window: quotas.Window) -> Any:
    """The UPDATE giving ``reservation``'s units back in ``window``, never below zero."""
    units = reservation.units
    used = _counters.c.used
    return (
        update(_counters)
        .where(_counters.c.tenant_id == reservation.tenant_id, _counters.c.window_id == window.id)
        .values(used=case((used > units, used - units), else_=0))
    )


if TYPE_CHECKING:
    _: type[ports.QuotaLedger] = SqlQuotaLedger
