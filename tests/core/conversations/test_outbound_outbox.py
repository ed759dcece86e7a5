"""The send of a stored reply goes through the outbox: once, even when the queue is down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from b2adapters.memory.uow import InMemoryUnitOfWork
from b2core.conversations import outbound
from b2core.shared import errors, ids, tasks
from b2core.shared import outbox as shared_outbox

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)
TENANT = ids.TenantId("tenant-outbox")


class FlakyQueue:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.jobs: list[tasks.Job] = []

    async def enqueue(self, job: tasks.Job, *, delay: timedelta | None = None) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise errors.Unavailable("broker down", code="task.unavailable")
        self.jobs.append(job)


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at


async def _stored(uow: InMemoryUnitOfWork, message_id: ids.MessageId) -> None:
    async with uow.tenant(TENANT) as tx:
        await tx.outbox.add(outbound.send_entry(TENANT, message_id, T0))
        await tx.commit()


async def test_the_fast_path_enqueues_the_send_job_once() -> None:
    uow, queue, clock = InMemoryUnitOfWork(), FlakyQueue(0), Clock()
    relay = shared_outbox.OutboxRelay(uow, queue, clock)
    message_id = ids.MessageId("m-1")
    await _stored(uow, message_id)

    await outbound.TaskOutboundQueue(relay).enqueue_send(TENANT, message_id)
    clock.at = T0 + timedelta(hours=1)
    assert await relay.sweep() == 0

    assert queue.jobs == [outbound.send_job(TENANT, message_id)]


async def test_a_broker_outage_delays_the_send_to_the_sweep_instead_of_failing() -> None:
    uow, queue, clock = InMemoryUnitOfWork(), FlakyQueue(1), Clock()
    relay = shared_outbox.OutboxRelay(uow, queue, clock)
    message_id = ids.MessageId("m-2")
    await _stored(uow, message_id)

    await outbound.TaskOutboundQueue(relay).enqueue_send(TENANT, message_id)  # no exception
    assert queue.jobs == []
    clock.at = T0 + shared_outbox.SWEEP_GRACE + timedelta(seconds=1)
    assert await relay.sweep() == 1
    assert await relay.sweep() == 0

    assert queue.jobs == [outbound.send_job(TENANT, message_id)]
