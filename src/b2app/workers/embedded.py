"""InProcessWorker: the workers of an API process that runs on embedded defaults.

With the in-process StubBroker the queue lives in the API's memory, so the workers must too.
They share the API's container (the same in-memory stores and connection pools) and run async
actors on the API's own event loop, where those resources were made.
"""

from __future__ import annotations

import asyncio

import dramatiq
import punq

from b2adapters.dramatiq import broker as dramatiq_broker
from b2adapters.dramatiq import loops
from b2app import settings
from b2app.workers import broker as worker_broker
from b2app.workers import runtime
from b2core.shared import errors

DEFAULT_THREADS = 2
DEFAULT_IDLE_TIMEOUT_MS = 100  # how long an idle thread waits for a job; also bounds stop()
DEFAULT_STOP_TIMEOUT_MS = 10_000


class InProcessWorker:
    """A ``dramatiq.Worker`` started and stopped from inside a running event loop.

    ``start`` and ``stop`` are coroutines of the host loop (an app's startup and shutdown
    hooks). ``stop`` waits for jobs in progress in a thread, so the loop stays free to finish
    the coroutines those jobs are waiting on.
    """

    def __init__(
        self,
        broker: dramatiq.Broker,
        container: punq.Container,
        *,
        threads: int = DEFAULT_THREADS,
        idle_timeout_ms: int = DEFAULT_IDLE_TIMEOUT_MS,
    ) -> None:
        if threads < 1:
            raise errors.InvalidInput(
                "a worker needs at least one thread", code="worker.bad_threads"
            )
        self._broker = broker
        self._container = container
        self._threads = threads
        self._idle_timeout_ms = idle_timeout_ms
        self._worker: dramatiq.Worker | None = None

    @classmethod
    def for_container(cls, container: punq.Container, **options: int) -> InProcessWorker:
        """A worker on the broker configured from the container's settings."""
        config: settings.Settings = container.resolve(settings.Settings)
        return cls(worker_broker.configure(config), container, **options)

    @property
    def running(self) -> bool:
        """True between a successful ``start`` and ``stop``."""
        return self._worker is not None

    async def start(self) -> None:
        """Start the worker threads; async actors will run on the calling loop."""
        if self._worker is not None:
            raise errors.Conflict("the worker is already running", code="worker.already_running")
        loops.share_event_loop(self._broker, asyncio.get_running_loop())
        runtime.install(self._container)
        worker = dramatiq.Worker(
            self._broker, worker_threads=self._threads, worker_timeout=self._idle_timeout_ms
        )
        try:
            worker.start()
        except BaseException:
            self._release(worker)
            raise
        self._worker = worker

    async def stop(self, *, timeout_ms: int = DEFAULT_STOP_TIMEOUT_MS) -> None:
        """Let jobs in progress finish (up to ``timeout_ms``), then stop every thread."""
        worker, self._worker = self._worker, None
        if worker is None:
            return
        try:
            await asyncio.to_thread(worker.stop, timeout_ms)
        finally:
            self._release(worker)

    def _release(self, worker: dramatiq.Worker) -> None:
        dramatiq_broker.detach_worker(self._broker, worker)
        loops.share_event_loop(self._broker, None)
        runtime.clear(self._container)
