"""InProcessWorker: workers inside the API process, on the API's loop, stopped cleanly."""

from __future__ import annotations

import asyncio
import threading

import anyio
import dramatiq
import punq
import pytest
from dramatiq.brokers.stub import StubBroker

from b2adapters.dramatiq import job_queue
from b2app import settings
from b2app.workers import actors, embedded, runtime
from b2core.shared import errors, tasks
from tests.app.workers.conftest import LoopRecordingPings, leaked_threads

pytestmark = pytest.mark.anyio


def _container(recorder: object) -> punq.Container:
    container = punq.Container()
    container.register(tasks.PingRecorder, instance=recorder)
    return container


async def test_embedded_worker_runs_async_actors_on_the_host_loop_and_stops_cleanly(
    stub_broker: StubBroker,
) -> None:
    actors.register(stub_broker)
    recorder = LoopRecordingPings()
    before = set(threading.enumerate())
    worker = embedded.InProcessWorker(
        stub_broker, _container(recorder), threads=2, idle_timeout_ms=20
    )

    await worker.start()
    assert worker.running
    await job_queue.DramatiqTaskQueue(stub_broker).enqueue(actors.ping_job("t-1"))
    with anyio.fail_after(5):
        await recorder.recorded.wait()
    await worker.stop()

    assert recorder.seen == [("t-1", asyncio.get_running_loop())]
    assert not worker.running
    assert leaked_threads(before) == []
    with pytest.raises(errors.NotConfigured):
        runtime.current()
    await worker.stop()  # a second stop is harmless


async def test_stop_lets_a_job_in_progress_finish_on_the_host_loop(
    stub_broker: StubBroker,
) -> None:
    started = asyncio.Event()
    finished: list[str] = []

    async def slow(order_id: str) -> None:
        started.set()
        await asyncio.sleep(0.2)
        finished.append(order_id)

    dramatiq.actor(broker=stub_broker, actor_name="tests.slow", queue_name="jobs")(slow)
    worker = embedded.InProcessWorker(stub_broker, punq.Container(), idle_timeout_ms=20)
    await worker.start()
    await job_queue.DramatiqTaskQueue(stub_broker).enqueue(
        tasks.Job("tests.slow", "jobs", ("o-1",))
    )
    with anyio.fail_after(5):
        await started.wait()

    await worker.stop()

    assert finished == ["o-1"]


async def test_starting_a_running_worker_is_a_conflict(stub_broker: StubBroker) -> None:
    worker = embedded.InProcessWorker(stub_broker, punq.Container(), idle_timeout_ms=20)
    await worker.start()
    try:
        with pytest.raises(errors.Conflict):
            await worker.start()
    finally:
        await worker.stop()


async def test_for_container_uses_the_broker_configured_from_the_container_settings() -> None:
    container = punq.Container()
    config = settings.Settings(redis_prefix="embedded:")
    container.register(settings.Settings, instance=config)

    worker = embedded.InProcessWorker.for_container(container, idle_timeout_ms=20)
    await worker.start()
    try:
        assert worker.running
        assert runtime.current() is container
    finally:
        await worker.stop()
