"""One harness per broker kind: every test here runs on the StubBroker and on the real Redis."""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Callable, Iterator
from typing import Any

import anyio.to_thread
import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker

from b2adapters.dramatiq import broker as dramatiq_broker
from b2adapters.dramatiq import dead_letters

# Backoff of a few milliseconds keeps three attempts fast.
MIN_BACKOFF_MS = 5
MAX_BACKOFF_MS = 20
IDLE_MS = 20
JOIN_TIMEOUT_MS = 10_000


class Harness:
    """A fresh broker (own Redis namespace), workers on it, and a way to wait for its queues."""

    def __init__(self, kind: str, broker: dramatiq.Broker, namespace: str) -> None:
        self.kind = kind
        self.broker = broker
        self.namespace = namespace
        self._workers: list[dramatiq.Worker] = []

    def actor(self, fn: Callable[..., Any], name: str, queue: str = "jobs", **options: Any) -> Any:
        """Declare ``fn`` as an actor of this harness's broker (never the global one)."""
        return dramatiq.actor(broker=self.broker, actor_name=name, queue_name=queue, **options)(fn)

    def start_worker(self) -> dramatiq.Worker:
        worker = dramatiq.Worker(self.broker, worker_timeout=IDLE_MS, worker_threads=2)
        worker.start()
        self._workers.append(worker)
        return worker

    def stop_workers(self) -> None:
        while self._workers:
            worker = self._workers.pop()
            worker.stop()
            dramatiq_broker.detach_worker(self.broker, worker)

    def _join(self, queue: str) -> None:
        if isinstance(self.broker, StubBroker):
            self.broker.join(queue, timeout=JOIN_TIMEOUT_MS, fail_fast=False)
        else:
            self.broker.join(queue, timeout=JOIN_TIMEOUT_MS)
        for worker in self._workers:
            worker.join()

    async def join(self, queue: str = "jobs") -> None:
        """Wait, off the event loop, until every message of ``queue`` is done or dead."""
        await anyio.to_thread.run_sync(self._join, queue)

    def dead_letters(self) -> Any:
        return dead_letters.dead_letters_for(self.broker)


@pytest.fixture(params=["stub", "redis"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """A fresh broker of each kind; workers are stopped and connections closed afterwards."""
    namespace = "dramatiq"
    url = None
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = request.getfixturevalue("redis_prefix")
        namespace = f"{prefix}dq-{secrets.token_hex(4)}"
    broker = dramatiq_broker.build_broker(
        url, namespace=namespace, min_backoff_ms=MIN_BACKOFF_MS, max_backoff_ms=MAX_BACKOFF_MS
    )
    h = Harness(request.param, broker, namespace)
    before = set(threading.enumerate())
    try:
        yield h
    finally:
        h.stop_workers()
        with contextlib.suppress(Exception):
            broker.flush_all()
        dramatiq_broker.close_broker(broker)
    assert not leaked_threads(before), f"threads left running: {leaked_threads(before)}"


# Thread pools of the async test runner outlive single tests by design; they are not ours.
_POOL_THREADS = ("AnyIO worker thread", "asyncio_")


def leaked_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    """Threads started since ``before`` that still run, thread-pool threads aside."""
    return [
        t
        for t in threading.enumerate()
        if t not in before and t.is_alive() and not t.name.startswith(_POOL_THREADS)
    ]
