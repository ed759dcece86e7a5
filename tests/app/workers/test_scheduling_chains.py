"""The dispatcher's periodic chains: one per actor for a deployment on a shared broker."""

from __future__ import annotations

import asyncio
import secrets
import threading
import time

import punq
import pytest
import redis

from b2adapters.redis import connection as redis_connection
from b2app import settings
from b2app.workers import run, runtime
from b2app.workers import scheduling as scheduling_jobs
from b2core.shared import outbox, tasks


class _RecordingQueue:
    def __init__(self) -> None:
        self.jobs: list[tuple[tasks.Job, object]] = []

    async def enqueue(self, job: tasks.Job, *, delay: object = None) -> None:
        self.jobs.append((job, delay))


def _key(prefix: str) -> object:
    return lambda actor: f"{prefix}chains:{actor}"


def test_the_newest_chain_on_redis_wins_and_older_ones_end(
    redis_url: str, redis_prefix: str
) -> None:
    async def scenario() -> None:
        client = redis_connection.connect(redis_url)
        try:
            registry = scheduling_jobs.RedisChains(client, _key(f"{redis_prefix}c1:"))
            first_queue, second_queue = _RecordingQueue(), _RecordingQueue()
            await scheduling_jobs.start_chains(first_queue, registry)
            await scheduling_jobs.start_chains(second_queue, registry)
            actors = {job.actor_name for job, _ in first_queue.jobs}
            assert actors == {
                scheduling_jobs.DISPATCH_ACTOR,
                scheduling_jobs.PURGE_ACTOR,
                scheduling_jobs.SWEEP_ACTOR,
                scheduling_jobs.EXPIRE_ACTOR,
            }
            for (old, _), (new, _) in zip(first_queue.jobs, second_queue.jobs, strict=True):
                assert old.actor_name == new.actor_name
                assert not await registry.is_live(old.actor_name, str(old.args[0]))
                assert await registry.is_live(new.actor_name, str(new.args[0]))
            # A chain the registry never saw is not live either (no pile-up after restarts).
            assert not await registry.is_live(scheduling_jobs.DISPATCH_ACTOR, "elsewhere/0")
        finally:
            await redis_connection.close(client)

    asyncio.run(scenario())


def test_in_process_chains_start_once_per_process() -> None:
    async def scenario() -> None:
        scheduling_jobs.stop_chains()
        registry = scheduling_jobs.InProcessChains()
        queue = _RecordingQueue()
        try:
            await scheduling_jobs.start_chains(queue, registry)
            await scheduling_jobs.start_chains(queue, registry)
            assert len(queue.jobs) == 4  # the second start found every chain running
            job = queue.jobs[0][0]
            assert await registry.is_live(job.actor_name, str(job.args[0]))
            scheduling_jobs.stop_chains()
            assert not await registry.is_live(job.actor_name, str(job.args[0]))
        finally:
            scheduling_jobs.stop_chains()

    asyncio.run(scenario())


@pytest.mark.timeout(30)
def test_a_standalone_worker_starts_the_chains_at_boot(redis_url: str, redis_prefix: str) -> None:
    prefix = f"{redis_prefix}w{secrets.token_hex(3)}:"
    config = settings.Settings(database_url="memory://", broker_url=redis_url, redis_prefix=prefix)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    key = f"{prefix}chains:{scheduling_jobs.DISPATCH_ACTOR}"
    stop = threading.Event()
    worker = threading.Thread(
        target=run.run_worker, args=(config,), kwargs={"threads": 1, "stop": stop}
    )
    worker.start()
    try:
        deadline = time.monotonic() + 15
        while client.get(key) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        chain = client.get(key)
        assert chain is not None
        assert chain.startswith(scheduling_jobs.WORKER_ID + "/")
    finally:
        stop.set()
        worker.join(40)
        client.close()
    assert not worker.is_alive()


def test_a_live_sweep_run_sweeps_the_outbox_and_comes_back_a_dead_one_does_neither() -> None:
    class Relay:
        sweeps = 0

        async def sweep(self) -> int:
            Relay.sweeps += 1
            return 2

    async def scenario() -> None:
        scheduling_jobs.stop_chains()
        registry, queue = scheduling_jobs.InProcessChains(), _RecordingQueue()
        container = punq.Container()
        container.register(outbox.OutboxRelay, instance=Relay())
        container.register(tasks.TaskQueue, instance=queue)
        container.register(scheduling_jobs.ChainRegistry, instance=registry)
        runtime.install(container)
        try:
            chain = await registry.start(scheduling_jobs.SWEEP_ACTOR)
            assert chain is not None
            await scheduling_jobs.sweep_outbox(chain)
            assert Relay.sweeps == 1
            [(job, delay)] = queue.jobs
            assert (job.actor_name, job.queue_name, job.args) == (
                scheduling_jobs.SWEEP_ACTOR,
                "scheduling",
                (chain,),
            )
            assert delay == scheduling_jobs.SWEEP_EVERY
            scheduling_jobs.stop_chains()  # replaced: the old chain's next run does nothing
            await scheduling_jobs.sweep_outbox(chain)
            assert Relay.sweeps == 1
            assert len(queue.jobs) == 1
        finally:
            runtime.clear(container)
            scheduling_jobs.stop_chains()

    asyncio.run(scenario())
