"""Contract of the transactional outbox (``b2core.shared.outbox``) as a unit of work offers it.

Run it against your adapter by star-importing it into a test module that defines the
``uow_factory`` fixture (module or session scope; see ``b2core.testing.contracts``)::

    from b2core.testing.contracts.outbox import *  # noqa: F403

What the suite pins down:

* An entry exists exactly when the transaction that wrote it committed.
* A tenant transaction writes only its own tenant's entries (``outbox.wrong_tenant``) and
  never reads the outbox (``RuntimeError``): the relay reads in platform transactions.
* Sweeps take entries older than the cutoff, oldest first, up to the limit.
* The relay enqueues each entry once, also when the fast path and a sweep, or two fast paths,
  race for it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from b2core.shared import errors, ids, outbox, tasks
from b2core.testing.contracts import UowFactory, unique_id

__all__ = [
    "pytestmark",
    "test_an_entry_exists_once_its_transaction_commits",
    "test_racing_deliveries_enqueue_an_entry_once",
    "test_sweeps_take_old_entries_oldest_first_up_to_the_limit",
    "test_tenant_transactions_write_their_own_entries_and_never_read",
    "test_the_relay_delivers_once_and_the_sweep_respects_the_grace",
]

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class RecordingQueue:
    """A task queue that notes what it is given."""

    def __init__(self) -> None:
        self.jobs: list[tasks.Job] = []

    async def enqueue(self, job: tasks.Job, *, delay: timedelta | None = None) -> None:
        await asyncio.sleep(0)  # let a racing delivery interleave here
        self.jobs.append(job)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


def _entry(tenant_id: ids.TenantId, created_at: datetime = T0) -> outbox.OutboxEntry:
    message = unique_id()
    job = tasks.Job("conversations.send", "conversations", (tenant_id, message), f"send:{message}")
    return outbox.OutboxEntry(f"send:{message}", tenant_id, job, created_at)


async def _write(uow: object, *entries: outbox.OutboxEntry, commit: bool = True) -> None:
    tenant_id = entries[0].tenant_id
    async with uow.tenant(tenant_id) as tx:  # type: ignore[attr-defined]
        for entry in entries:
            await tx.outbox.add(entry)
        if commit:
            await tx.commit()


async def test_an_entry_exists_once_its_transaction_commits(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    tenant = ids.TenantId(unique_id())
    kept, dropped = _entry(tenant), _entry(tenant)
    await _write(uow, kept)
    await _write(uow, dropped, commit=False)
    async with uow.platform() as tx:
        assert await tx.outbox.take(kept.id) == kept
        assert await tx.outbox.take(dropped.id) is None
        await tx.outbox.remove([kept.id])
        await tx.commit()
    async with uow.platform() as tx:
        assert await tx.outbox.take(kept.id) is None


async def test_tenant_transactions_write_their_own_entries_and_never_read(
    uow_factory: UowFactory,
) -> None:
    uow = await uow_factory()
    mine, theirs = ids.TenantId(unique_id()), ids.TenantId(unique_id())
    async with uow.tenant(mine) as tx:
        with pytest.raises(errors.Forbidden) as refused:
            await tx.outbox.add(_entry(theirs))
        assert refused.value.code == "outbox.wrong_tenant"
        with pytest.raises(RuntimeError):
            await tx.outbox.take("anything")
        with pytest.raises(RuntimeError):
            await tx.outbox.take_older_than(T0, 10)


async def test_sweeps_take_old_entries_oldest_first_up_to_the_limit(
    uow_factory: UowFactory,
) -> None:
    uow = await uow_factory()
    tenant = ids.TenantId(unique_id())
    # Far in the past, so that other examples' entries on a shared database are younger.
    base = T0 - timedelta(days=3650 + int(unique_id()[:4], 16))
    entries = [_entry(tenant, base + timedelta(minutes=m)) for m in (3, 1, 2, 10)]
    await _write(uow, *entries)
    async with uow.platform() as tx:
        taken = await tx.outbox.take_older_than(base + timedelta(minutes=5), 2)
        assert [e.created_at for e in taken] == [base + timedelta(minutes=m) for m in (1, 2)]
        everything_old = await tx.outbox.take_older_than(base + timedelta(minutes=5), 10)
        assert {e.id for e in everything_old} == {e.id for e in entries[:3]}
        await tx.outbox.remove([e.id for e in entries])
        await tx.commit()


async def test_the_relay_delivers_once_and_the_sweep_respects_the_grace(
    uow_factory: UowFactory,
) -> None:
    uow = await uow_factory()
    tenant = ids.TenantId(unique_id())
    now = T0 + timedelta(days=36500)  # later than any other example's entries
    fresh, stranded = _entry(tenant, now - timedelta(seconds=5)), _entry(tenant, now)
    await _write(uow, fresh, stranded)
    queue, clock = RecordingQueue(), FixedClock(now)
    relay = outbox.OutboxRelay(uow, queue, clock)

    assert await relay.deliver(fresh.id) is True
    assert await relay.deliver(fresh.id) is False  # gone: delivered once
    assert queue.jobs == [fresh.job]

    clock.at = now + timedelta(seconds=10)  # the stranded entry is inside the grace still
    assert await relay.sweep(grace=timedelta(seconds=30)) == 0
    clock.at = now + timedelta(seconds=31)
    assert await relay.sweep(grace=timedelta(seconds=30)) >= 1
    assert stranded.job in queue.jobs
    assert await relay.deliver(stranded.id) is False
    assert queue.jobs.count(stranded.job) == 1


async def test_racing_deliveries_enqueue_an_entry_once(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    tenant = ids.TenantId(unique_id())
    entries = [_entry(tenant) for _ in range(5)]
    await _write(uow, *entries)
    queue = RecordingQueue()
    relay = outbox.OutboxRelay(uow, queue, FixedClock(T0))

    outcomes = await asyncio.gather(
        *(relay.deliver(entry.id) for entry in entries for _ in range(3))
    )

    assert outcomes.count(True) == len(entries)
    assert sorted(job.idempotency_key or "" for job in queue.jobs) == sorted(
        entry.job.idempotency_key or "" for entry in entries
    )
