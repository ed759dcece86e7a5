"""ContainerMiddleware: built at process boot, closed on the actors' loop at worker shutdown."""

from __future__ import annotations

import asyncio
import threading
import types

import dramatiq
import punq
import pytest
from dramatiq.brokers.stub import StubBroker

from b2adapters.dramatiq import broker as dramatiq_broker
from b2adapters.dramatiq import loops
from b2app import settings
from b2app.workers import middleware, runtime
from b2core.shared import errors


class _Closer:
    def __init__(self) -> None:
        self.calls: list[tuple[punq.Container, str, bool]] = []

    async def __call__(self, container: punq.Container) -> None:
        name = threading.current_thread().name
        self.calls.append((container, name, asyncio.get_running_loop().is_running()))


def _run_worker_once(broker: dramatiq.Broker) -> None:
    worker = dramatiq.Worker(broker, worker_timeout=20, worker_threads=1)
    worker.start()
    worker.stop()
    dramatiq_broker.detach_worker(broker, worker)


def test_container_built_at_boot_is_installed_then_closed_at_worker_shutdown() -> None:
    container = punq.Container()
    close = _Closer()
    ware = middleware.ContainerMiddleware(build=lambda: container, close=close)
    broker = StubBroker(middleware=[loops.LoopSharingAsyncIO(), ware])

    broker.emit_after("process_boot")
    assert runtime.current() is container
    _run_worker_once(broker)

    # Closed once, on dramatiq's event-loop thread (where actors used its resources).
    [(closed, thread_name, on_loop)] = close.calls
    assert closed is container
    assert on_loop
    assert thread_name != threading.main_thread().name
    with pytest.raises(errors.NotConfigured):
        runtime.current()


def test_a_container_the_middleware_did_not_build_is_left_alone() -> None:
    mine = punq.Container()
    close = _Closer()
    broker = StubBroker(
        middleware=[
            loops.LoopSharingAsyncIO(),
            middleware.ContainerMiddleware(build=punq.Container, close=close),
        ]
    )
    runtime.install(mine)

    _run_worker_once(broker)

    assert close.calls == []
    assert runtime.current() is mine


async def test_defaults_build_from_the_environment_and_shut_down_through_operations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    container = punq.Container()
    received: list[object] = []

    def build_container(config: object) -> punq.Container:
        received.append(config)
        return container

    async def shutdown(c: punq.Container) -> None:
        received.append(("shutdown", c))

    monkeypatch.setitem(
        __import__("sys").modules,
        "b2app.bootstrap",
        types.SimpleNamespace(build_container=build_container),
    )
    monkeypatch.setitem(
        __import__("sys").modules, "b2app.operations", types.SimpleNamespace(shutdown=shutdown)
    )
    monkeypatch.setenv("B2_REDIS_PREFIX", "from-env:")

    assert middleware.build_from_env() is container
    await middleware.shut_down(container)

    [config, closing] = received
    assert isinstance(config, settings.Settings)
    assert config.redis_prefix == "from-env:"
    assert closing == ("shutdown", container)
