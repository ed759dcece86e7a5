"""``b2 worker``: run Dramatiq workers in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

import dramatiq
import punq
from dramatiq import asyncio as dramatiq_asyncio

from b2adapters.dramatiq import broker as dramatiq_broker
from b2app import settings
from b2app.workers import broker as worker_broker
from b2app.workers import runtime
from b2app.workers import scheduling as scheduling_jobs
from b2core.shared import errors, tasks

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
SHUTDOWN_TIMEOUT_MS = 30_000


def run_worker(
    config: settings.Settings, *, threads: int, stop: threading.Event | None = None
) -> None:
    """Process jobs with ``threads`` threads until a stop signal (or ``stop`` is set).

    A worker process needs a shared broker (``B2_BROKER_URL``): with the in-process broker the
    API runs its workers itself. Jobs in progress get ``SHUTDOWN_TIMEOUT_MS`` to finish.
    """
    if threads < 1:
        raise errors.InvalidInput("a worker needs at least one thread", code="worker.bad_threads")
    if config.broker_url is None:
        raise errors.NotConfigured(
            "b2 worker needs B2_BROKER_URL (redis://...); without it the API process runs "
            "the workers itself",
            code="worker.no_broker_url",
        )
    stop_event = stop or threading.Event()
    broker = worker_broker.configure(config)
    restore = _on_stop_signals(stop_event.set) if stop is None else _nothing
    try:
        # What `dramatiq` does for a worker process: boot hooks (our container, TimeLimit's
        # monitor), then the worker.
        broker.emit_after("process_boot")
        runtime.current()  # dramatiq only logs a failing boot hook; refuse to run without one
        _work_until(broker, threads, stop_event)
    finally:
        restore()
        worker_broker.reset()


def _work_until(broker: dramatiq.Broker, threads: int, stop: threading.Event) -> None:
    worker = dramatiq.Worker(broker, worker_threads=threads)
    worker.start()
    log.info("worker started with %d threads", threads)
    _start_periodic_jobs()
    supervising = _supervise_sessions(start=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        log.info("worker stopping")
        if supervising:
            _supervise_sessions(start=False)
        worker.stop(timeout=SHUTDOWN_TIMEOUT_MS)
        dramatiq_broker.detach_worker(broker, worker)


def _start_periodic_jobs() -> None:
    """Start the scheduling chains on the worker's loop (this worker's replace older ones)."""
    container = runtime.current()
    try:
        queue = container.resolve(tasks.TaskQueue)
        registry = container.resolve(scheduling_jobs.ChainRegistry)
    except punq.MissingDependencyError:
        log.warning("no scheduling chains: the container has no task queue or chain registry")
        return
    loop_thread = dramatiq_asyncio.get_event_loop_thread()
    if loop_thread is None:
        log.warning("no scheduling chains: the worker has no event loop")
        return
    loop_thread.run_coroutine(scheduling_jobs.start_chains(queue, registry))
    log.info("scheduling chains started")


def _supervise_sessions(*, start: bool) -> bool:
    """Start (or stop) this worker's bridge session supervision on the worker's loop."""
    from b2app import wiring_sessions  # imported late: it pulls the adapters in

    loop_thread = dramatiq_asyncio.get_event_loop_thread()
    try:
        supervisor = runtime.current().resolve(wiring_sessions.SupervisorLoop)
    except (punq.MissingDependencyError, errors.NotConfigured):
        return False
    if loop_thread is None:
        return False

    async def switch() -> None:
        if start:
            supervisor.start()
        else:
            await supervisor.stop()

    loop_thread.run_coroutine(switch())
    log.info("bridge session supervision %s", "started" if start else "stopped")
    return True


def _nothing() -> None:
    return None


def _on_stop_signals(callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback`` on SIGINT/SIGTERM; returns the function that restores the old handlers."""

    def handler(signum: int, _: FrameType | None) -> None:
        log.info("received %s", signal.Signals(signum).name)
        callback()

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore
