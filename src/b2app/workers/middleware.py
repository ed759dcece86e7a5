"""ContainerMiddleware: a worker process builds its container at boot and closes it at shutdown."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import dramatiq
import punq
from dramatiq import asyncio as dramatiq_asyncio
from dramatiq import middleware as dm

from b2app.workers import runtime

log = logging.getLogger(__name__)

BuildContainer = Callable[[], punq.Container]
CloseContainer = Callable[[punq.Container], Coroutine[Any, Any, None]]


def build_from_env() -> punq.Container:
    """The process's container, from ``B2_*`` settings (imported late: bootstrap imports us)."""
    bootstrap = importlib.import_module("b2app.bootstrap")
    secrets = importlib.import_module("b2app.wiring_secrets")
    container: punq.Container = bootstrap.build_container(secrets.load_settings())
    return container


async def shut_down(container: punq.Container) -> None:
    """Run the container's shutdown hooks (engines, Redis pools, HTTP clients)."""
    operations = importlib.import_module("b2app.operations")
    await operations.shutdown(container)


class ContainerMiddleware(dm.Middleware):
    """Builds the container in ``after_process_boot``, closes it in ``after_worker_shutdown``.

    Only a container this middleware built is closed: an API process that runs an embedded
    worker never emits ``process_boot`` and keeps ownership of its own container.
    """

    def __init__(
        self, build: BuildContainer = build_from_env, close: CloseContainer = shut_down
    ) -> None:
        self._build = build
        self._close = close
        self._built: punq.Container | None = None

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        """Build the container and make it the one actors resolve from."""
        container = self._build()
        self._built = container
        runtime.install(container)

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        """Close the container built at boot, on the loop its async resources belong to."""
        container, self._built = self._built, None
        if container is None:
            return
        runtime.clear(container)
        _run(self._close(container))


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    # This hook runs before the AsyncIO middleware stops dramatiq's loop (hooks run in reverse
    # order and this middleware is added last), so the loop the actors used is still there.
    loop_thread = dramatiq_asyncio.get_event_loop_thread()
    if loop_thread is not None and loop_thread.loop.is_running():
        loop_thread.run_coroutine(coroutine)
        return
    asyncio.run(coroutine)
