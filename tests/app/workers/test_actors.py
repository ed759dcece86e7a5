"""The actor registry: the ping job, enqueued by name, runs through the container's port."""

from __future__ import annotations

import anyio.to_thread
import punq
import pytest
from dramatiq.brokers.stub import StubBroker

from b2adapters.dramatiq import dead_letters, job_queue
from b2app.workers import actors, pings, runtime
from b2core.shared import pagination, tasks
from tests.app.workers.conftest import running_worker

pytestmark = pytest.mark.anyio


def _container_with(recorder: object) -> punq.Container:
    container = punq.Container()
    container.register(tasks.PingRecorder, instance=recorder)
    return container


async def _join(broker: StubBroker) -> None:
    def join() -> None:
        broker.join(actors.PLATFORM_QUEUE, timeout=5000, fail_fast=False)

    await anyio.to_thread.run_sync(join)


def test_every_actor_is_declared_on_the_given_broker_under_its_context(
    stub_broker: StubBroker,
) -> None:
    declared = actors.register(stub_broker)

    assert set(declared) == {spec.actor_name for spec in actors.REGISTRY}
    for spec in actors.REGISTRY:
        actor = stub_broker.get_actor(spec.actor_name)
        assert actor.queue_name == spec.queue_name
        # Naming rule: actor "<context>.<verb_noun>" lives on queue "<context>".
        assert spec.actor_name.split(".")[0] == spec.queue_name


async def test_ping_enqueued_by_name_records_through_the_container_port(
    stub_broker: StubBroker,
) -> None:
    actors.register(stub_broker)
    recorder = pings.RecentPings()
    container = _container_with(recorder)
    runtime.install(container)

    with running_worker(stub_broker):
        await job_queue.DramatiqTaskQueue(stub_broker).enqueue(actors.ping_job("tok-1"))
        await _join(stub_broker)

    assert recorder.has_seen("tok-1")
    assert not recorder.has_seen("tok-2")


async def test_ping_without_a_container_ends_in_the_dead_letters_with_the_reason(
    stub_broker: StubBroker,
) -> None:
    actors.register(stub_broker)

    with running_worker(stub_broker):
        await job_queue.DramatiqTaskQueue(stub_broker).enqueue(actors.ping_job("tok-3"))
        await _join(stub_broker)

    page = await dead_letters.StubDeadLetters(stub_broker).list(None, pagination.PageRequest())
    [letter] = page.items
    assert (letter.actor_name, letter.args, letter.attempts) == (actors.PING, ("tok-3",), 3)
    assert letter.last_error is not None
    assert letter.last_error.startswith("NotConfigured: no container")
