"""A deferred send is enqueued again after its wait, without using one of its attempts."""

from __future__ import annotations

from datetime import timedelta

import punq
import pytest

from b2app.workers import actors, runtime
from b2core.conversations import commands, outbound
from b2core.conversations.handlers import sending
from b2core.messagebus import MessageBus
from b2core.shared import errors, ids, tasks

pytestmark = pytest.mark.anyio


class _Bus:
    def __init__(self, error: Exception | None) -> None:
        self.error = error
        self.handled: list[object] = []

    async def handle(self, command: object) -> None:
        self.handled.append(command)
        if self.error is not None:
            raise self.error


class _Queue:
    def __init__(self) -> None:
        self.jobs: list[tuple[tasks.Job, timedelta | None]] = []

    async def enqueue(self, job: tasks.Job, *, delay: timedelta | None = None) -> None:
        self.jobs.append((job, delay))


def _install(bus: _Bus, queue: _Queue) -> punq.Container:
    container = punq.Container()
    container.register(MessageBus, instance=bus)
    container.register(tasks.TaskQueue, instance=queue)
    runtime.install(container)
    return container


async def test_a_deferred_send_comes_back_after_its_wait() -> None:
    wait = timedelta(seconds=6)
    bus, queue = _Bus(sending.SendDeferred("bucket empty", retry_after=wait)), _Queue()
    container = _install(bus, queue)
    try:
        await actors.send_outbound("t-1", "m-1")  # no exception: not an attempt used up
    finally:
        runtime.clear(container)
    assert bus.handled == [commands.SendOutboundMessage(ids.TenantId("t-1"), ids.MessageId("m-1"))]
    assert queue.jobs == [(outbound.send_job(ids.TenantId("t-1"), ids.MessageId("m-1")), wait)]


async def test_other_failures_still_fail_the_attempt() -> None:
    bus, queue = _Bus(errors.Unavailable("down", code="channel.unavailable")), _Queue()
    container = _install(bus, queue)
    try:
        with pytest.raises(errors.Unavailable):
            await actors.send_outbound("t-1", "m-1")
    finally:
        runtime.clear(container)
    assert queue.jobs == []
