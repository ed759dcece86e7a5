"""Where async actors run: dramatiq's own event-loop thread, or a loop borrowed from the host.

A worker process runs coroutines on dramatiq's event-loop thread. A worker embedded in the API
process must instead run them on the API's loop: connection pools and locks built there belong
to that loop and break when awaited from another one.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import dramatiq
from dramatiq import asyncio as dramatiq_asyncio
from dramatiq import middleware as dm

from b2core.shared import errors


class _BorrowedLoop(dramatiq_asyncio.EventLoopThread):
    """Dramatiq's loop-thread interface over a loop someone else runs and will stop."""

    def __init__(self, logger: logging.Logger, loop: asyncio.AbstractEventLoop) -> None:
        # Skip EventLoopThread.__init__: it would create (and leak) a loop of its own.
        threading.Thread.__init__(self, daemon=True)
        self.interrupt_check_ival = 0.1
        self.logger = logger
        self.loop = loop

    def start(self, *, timeout: float | None = None) -> None:
        raise RuntimeError("a borrowed event loop is run by its owner")

    def stop(self) -> None:
        """Leave the loop running: it belongs to the host."""

    def join(self, timeout: float | None = None) -> None:
        """Nothing to wait for: no thread was started."""


class LoopSharingAsyncIO(dm.AsyncIO):
    """Dramatiq's AsyncIO middleware, able to run actors on a host's running loop instead."""

    def __init__(self) -> None:
        super().__init__()
        self.host_loop: asyncio.AbstractEventLoop | None = None

    def before_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        """Start dramatiq's loop thread, or point dramatiq at the host's loop."""
        if self.host_loop is None:
            super().before_worker_boot(broker, worker)  # type: ignore[no-untyped-call]
            return
        dramatiq_asyncio.set_event_loop_thread(_BorrowedLoop(self.logger, self.host_loop))


def share_event_loop(broker: dramatiq.Broker, loop: asyncio.AbstractEventLoop | None) -> None:
    """Make the next worker started on ``broker`` run async actors on ``loop`` (None: its own).

    The caller must keep ``loop`` running, and free, until that worker has stopped: stop the
    worker from a thread (``asyncio.to_thread(worker.stop)``), never by blocking the loop.
    """
    for middleware in broker.middleware:
        if isinstance(middleware, LoopSharingAsyncIO):
            middleware.host_loop = loop
            return
    raise errors.NotConfigured(
        "this broker was not built by build_broker", code="broker.no_async_middleware"
    )
