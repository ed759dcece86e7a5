"""DramatiqTaskQueue on both brokers: by name, with delay and idempotency key, off the loop."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from b2adapters.dramatiq import job_queue
from b2core.shared import errors, pagination, tasks
from tests.adapters.dramatiq.conftest import Harness

# Marked here too: anyio drops a parametrized fixture's params when the mark comes late.
pytestmark = pytest.mark.anyio


def _pending(harness: Harness, queue: str) -> list[dramatiq.Message[Any]]:
    """Messages waiting on ``queue`` (no worker running)."""
    broker = harness.broker
    if isinstance(broker, StubBroker):
        return [dramatiq.Message.decode(data) for data in list(broker.queues[queue].queue)]
    assert isinstance(broker, RedisBroker)
    stored = broker.client.hvals(f"{harness.namespace}:{queue}.msgs")
    return [dramatiq.Message.decode(raw) for raw in stored if isinstance(raw, bytes)]


async def test_enqueue_by_name_runs_the_actor_with_args_and_idempotency_key(
    harness: Harness,
) -> None:
    queue = job_queue.DramatiqTaskQueue(harness.broker)
    job = tasks.Job("tests.send", "jobs", ("msg-1", 3), idempotency_key="send:msg-1")

    await queue.enqueue(job)

    [message] = _pending(harness, "jobs")
    assert (message.actor_name, message.queue_name, message.args) == (
        "tests.send",
        "jobs",
        ("msg-1", 3),
    )
    assert message.options[job_queue.IDEMPOTENCY_KEY] == "send:msg-1"

    ran: list[tuple[str, int]] = []
    harness.actor(lambda m, n: ran.append((m, n)), "tests.send")
    harness.start_worker()
    await harness.join()
    assert ran == [("msg-1", 3)]


async def test_enqueue_with_delay_waits_on_the_delay_queue_then_runs(harness: Harness) -> None:
    ran_at: list[float] = []
    harness.actor(lambda: ran_at.append(time.monotonic()), "tests.later")
    queue = job_queue.DramatiqTaskQueue(harness.broker)
    before_ms = int(time.time() * 1000)

    await queue.enqueue(tasks.Job("tests.later", "jobs"), delay=timedelta(milliseconds=300))

    [delayed] = _pending(harness, "jobs.DQ")
    assert delayed.options["eta"] >= before_ms + 300
    assert _pending(harness, "jobs") == []

    started = time.monotonic()
    harness.start_worker()
    await harness.join()
    assert len(ran_at) == 1
    assert ran_at[0] - started >= 0.2  # it waited for its eta, not merely for the worker


@pytest.mark.parametrize("delay", [timedelta(milliseconds=-1), tasks.MAX_DELAY + timedelta(1)])
async def test_a_delay_outside_the_allowed_range_is_refused(
    harness: Harness, delay: timedelta
) -> None:
    queue = job_queue.DramatiqTaskQueue(harness.broker)
    with pytest.raises(errors.InvalidInput) as error:
        await queue.enqueue(tasks.Job("tests.x", "jobs"), delay=delay)
    assert error.value.code == "task.bad_delay"


async def test_enqueue_does_not_run_on_the_event_loop_thread(harness: Harness) -> None:
    threads: list[int] = []
    original = harness.broker.enqueue

    def recording_enqueue(message: Any, *, delay: int | None = None) -> Any:
        threads.append(threading.get_ident())
        return original(message, delay=delay)

    harness.broker.enqueue = recording_enqueue  # type: ignore[method-assign]
    await job_queue.DramatiqTaskQueue(harness.broker).enqueue(tasks.Job("tests.y", "jobs"))

    assert threads
    assert threads[0] != threading.get_ident()


async def test_a_job_for_an_actor_no_worker_knows_ends_in_the_dead_letters(
    harness: Harness,
) -> None:
    harness.start_worker()
    await job_queue.DramatiqTaskQueue(harness.broker).enqueue(tasks.Job("tests.nobody", "orphans"))
    await harness.join("orphans")

    page = await harness.dead_letters().list("orphans", pagination.PageRequest())
    assert [letter.actor_name for letter in page.items] == ["tests.nobody"]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"actor_name": "bad name", "queue_name": "jobs"}, "task.bad_name"),
        ({"actor_name": "a", "queue_name": "jobs:x"}, "task.bad_name"),
        ({"actor_name": "a", "queue_name": "jobs", "args": (1.5,)}, "task.bad_args"),
        ({"actor_name": "a", "queue_name": "jobs", "args": (True,)}, "task.bad_args"),
        ({"actor_name": "a", "queue_name": "jobs", "args": ["x"]}, "task.bad_args"),
    ],
)
def test_a_job_refuses_names_and_args_a_broker_cannot_carry(
    fields: dict[str, Any], code: str
) -> None:
    with pytest.raises(errors.InvalidInput) as error:
        tasks.Job(**fields)
    assert error.value.code == code
