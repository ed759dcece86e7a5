"""``b2 worker``: processes jobs from the shared broker until SIGTERM, then stops cleanly."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
import threading
import time
import types

import punq
import pytest

from b2adapters.dramatiq import job_queue
from b2app import settings
from b2app.workers import actors, pings, run, runtime
from b2app.workers import broker as worker_broker
from b2core.shared import errors, tasks
from tests.app.workers.conftest import leaked_threads


def test_a_worker_process_needs_a_shared_broker() -> None:
    with pytest.raises(errors.NotConfigured) as error:
        run.run_worker(settings.Settings(), threads=1)
    assert error.value.code == "worker.no_broker_url"


def test_a_worker_process_needs_at_least_one_thread() -> None:
    with pytest.raises(errors.InvalidInput) as error:
        run.run_worker(settings.Settings(broker_url="redis://127.0.0.1:6379/0"), threads=0)
    assert error.value.code == "worker.bad_threads"


def _terminate_when(seen: threading.Event, deadline_s: float) -> threading.Thread:
    """Send SIGTERM to this process once ``seen`` is set (or at the deadline), if handled."""

    def wait_then_signal() -> None:
        seen.wait(deadline_s)
        if signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN, None):
            os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=wait_then_signal, name="test-terminator")
    thread.start()
    return thread


class _SignallingPings(pings.RecentPings):
    def __init__(self) -> None:
        super().__init__()
        self.event = threading.Event()

    async def record_ping(self, token: str) -> None:
        await super().record_ping(token)
        self.event.set()


def test_run_worker_processes_jobs_until_sigterm_then_stops_cleanly(
    redis_url: str, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = _SignallingPings()
    container = punq.Container()
    container.register(tasks.PingRecorder, instance=recorder)
    closed: list[punq.Container] = []

    async def shutdown(c: punq.Container) -> None:
        closed.append(c)

    modules = sys.modules
    fake_bootstrap = types.SimpleNamespace(build_container=lambda _: container)
    monkeypatch.setitem(modules, "b2app.bootstrap", fake_bootstrap)
    monkeypatch.setitem(modules, "b2app.operations", types.SimpleNamespace(shutdown=shutdown))
    config = settings.Settings(
        broker_url=redis_url, redis_prefix=f"{redis_prefix}run-{secrets.token_hex(3)}:"
    )
    # Given a ping waiting on the shared broker (the API would have enqueued it),
    queue = job_queue.DramatiqTaskQueue(worker_broker.configure(config))
    asyncio.run(queue.enqueue(actors.ping_job("from-api")))
    handler_before = signal.getsignal(signal.SIGTERM)
    before = set(threading.enumerate())

    # when the worker runs until SIGTERM arrives after the ping was processed,
    terminator = _terminate_when(recorder.event, deadline_s=10)
    started = time.monotonic()
    run.run_worker(config, threads=1)
    terminator.join()

    # then the job ran, the container was closed, and nothing of the worker is left behind.
    assert recorder.has_seen("from-api")
    assert time.monotonic() - started < 10
    assert closed == [container]
    with pytest.raises(errors.NotConfigured):
        runtime.current()
    assert signal.getsignal(signal.SIGTERM) == handler_before
    # TimeLimit's monitor is a daemon thread that lives as long as the worker process.
    remaining = [t for t in leaked_threads(before) if type(t).__name__ != "_CtypesTimeoutManager"]
    assert remaining == []
