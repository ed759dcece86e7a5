"""Fixtures for the worker edge: a private broker, a clean runtime, dramatiq's global restored."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

import dramatiq
import dramatiq.broker
import pytest
from dramatiq.brokers.stub import StubBroker

from b2adapters.dramatiq import broker as dramatiq_broker
from b2app.workers import broker as worker_broker
from b2app.workers import runtime
from b2core.shared import errors

# Thread pools of the async test runner outlive single tests by design; they are not ours.
_POOL_THREADS = ("AnyIO worker thread", "asyncio_")


def leaked_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    """Threads started since ``before`` that still run, thread-pool threads aside."""
    return [
        t
        for t in threading.enumerate()
        if t not in before and t.is_alive() and not t.name.startswith(_POOL_THREADS)
    ]


class LoopRecordingPings:
    """A PingRecorder spy that notes each token and the event loop it was recorded on."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, asyncio.AbstractEventLoop]] = []
        self.recorded = asyncio.Event()

    async def record_ping(self, token: str) -> None:
        self.seen.append((token, asyncio.get_running_loop()))
        self.recorded.set()


def _clear_runtime() -> None:
    with contextlib.suppress(errors.NotConfigured):
        runtime.clear(runtime.current())


@pytest.fixture(autouse=True)
def isolated_worker_globals() -> Iterator[None]:
    """No container, configured broker or global broker leaks from one test to the next."""
    previous = dramatiq.broker.global_broker
    _clear_runtime()
    yield
    _clear_runtime()
    worker_broker.reset()
    dramatiq.broker.global_broker = previous


@pytest.fixture
def stub_broker() -> Iterator[StubBroker]:
    """A private in-process broker with millisecond backoff."""
    broker = dramatiq_broker.build_broker(
        None, namespace="test", min_backoff_ms=5, max_backoff_ms=20
    )
    assert isinstance(broker, StubBroker)
    yield broker
    dramatiq_broker.close_broker(broker)


@contextlib.contextmanager
def running_worker(broker: dramatiq.Broker) -> Iterator[dramatiq.Worker]:
    """A worker on ``broker`` for the duration of the block, then stopped and detached."""
    worker = dramatiq.Worker(broker, worker_timeout=20, worker_threads=2)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        dramatiq_broker.detach_worker(broker, worker)
