"""The transactional outbox: jobs written in the same transaction as the change they follow.

A use case that must start background work after a database change (send the reply it has
just stored, say) adds an :class:`OutboxEntry` to its transaction instead of enqueueing after
the commit: the job exists exactly when the change does. After the commit the use case hands
the entry to :class:`OutboxRelay.deliver` (the fast path); a periodic sweep
(:meth:`OutboxRelay.sweep`) enqueues whatever a crash left behind. Delivery is at least once:
the job is enqueued before its entry is removed, so a crash in between enqueues it again, and
jobs started this way must be idempotent (the send job checks the message's state and passes
its idempotency key).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Protocol

import attrs

from b2core.shared import ids, tasks, time, uow

#: Entries younger than this are left to their fast path by the sweep.
SWEEP_GRACE = timedelta(seconds=30)
SWEEP_BATCH = 200


@attrs.frozen
class OutboxEntry:
    """One job waiting to be enqueued, written by ``tenant_id``'s transaction."""

    id: str
    tenant_id: ids.TenantId
    job: tasks.Job
    created_at: datetime


class OutboxWriter(Protocol):
    """The outbox as a use case's transaction offers it."""

    async def add(self, entry: OutboxEntry) -> None:
        """Store ``entry`` in the current transaction (it exists once the transaction commits)."""
        ...


class OutboxStore(Protocol):
    """The outbox as the relay reads it (platform transactions only)."""

    async def take(self, entry_id: str) -> OutboxEntry | None:
        """The entry, locked for this transaction; None when it is gone or another holds it."""
        ...

    async def take_older_than(self, cutoff: datetime, limit: int) -> Sequence[OutboxEntry]:
        """Up to ``limit`` entries created before ``cutoff``, oldest first, locked likewise."""
        ...

    async def remove(self, entry_ids: Sequence[str]) -> None:
        """Delete these entries."""
        ...


class OutboxTx(uow.Transaction, Protocol):
    """A platform transaction with the outbox."""

    @property
    def outbox(self) -> OutboxStore: ...


class OutboxUoW(Protocol):
    """Opens the relay's transactions."""

    def platform(self) -> AbstractAsyncContextManager[OutboxTx]:
        """A platform-wide transaction."""
        ...


def entry(
    id_generator: ids.IdGenerator, clock: time.Clock, tenant_id: ids.TenantId, job: tasks.Job
) -> OutboxEntry:
    """A new entry for ``job`` with a fresh id, now."""
    return OutboxEntry(id_generator.new(), tenant_id, job, clock.now())


@attrs.frozen
class OutboxRelay:
    """Moves outbox entries to the task queue: one right after its commit, or in sweeps."""

    uow: OutboxUoW
    queue: tasks.TaskQueue
    clock: time.Clock

    async def deliver(self, entry_id: str) -> bool:
        """Enqueue one entry and remove it; False when it was gone (a sweep got there first)."""
        async with self.uow.platform() as tx:
            found = await tx.outbox.take(entry_id)
            if found is None:
                return False
            await self.queue.enqueue(found.job)
            await tx.outbox.remove([found.id])
            await tx.commit()
        return True

    async def sweep(self, *, grace: timedelta = SWEEP_GRACE, limit: int = SWEEP_BATCH) -> int:
        """Enqueue entries older than ``grace`` (their fast path never ran); how many."""
        async with self.uow.platform() as tx:
            found = await tx.outbox.take_older_than(self.clock.now() - grace, limit)
            for waiting in found:
                await self.queue.enqueue(waiting.job)
            if found:
                await tx.outbox.remove([waiting.id for waiting in found])
            await tx.commit()
        return len(found)
