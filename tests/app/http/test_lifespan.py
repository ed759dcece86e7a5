"""Startup and shutdown hooks registered in the container run once each around serving."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from b2app.http import lifecycle
from tests.app.http import fakes


def test_startup_and_shutdown_hooks_run_once_each() -> None:
    counters = fakes.Counters()
    hooks = lifecycle.Lifecycle()
    hooks.on_startup(counters.started)
    hooks.on_shutdown(counters.stopped)
    with TestClient(fakes.make_app(hooks=hooks)) as client:
        assert (counters.startups, counters.shutdowns) == (1, 0)
        client.get("/health")
        client.get("/ready")
        assert (counters.startups, counters.shutdowns) == (1, 0)
    assert (counters.startups, counters.shutdowns) == (1, 1)


def test_shutdown_runs_in_reverse_and_survives_a_failing_hook() -> None:
    order: list[str] = []
    hooks = lifecycle.Lifecycle()

    async def close_engine() -> None:
        order.append("engine")

    async def close_redis() -> None:
        order.append("redis")
        raise ConnectionError("already gone")

    hooks.on_shutdown(close_engine)
    hooks.on_shutdown(close_redis)
    with TestClient(fakes.make_app(hooks=hooks)):
        pass
    assert order == ["redis", "engine"]


def test_a_failing_startup_hook_stops_the_start() -> None:
    hooks = lifecycle.Lifecycle()

    async def broken() -> None:
        raise RuntimeError("cannot open the database")

    hooks.on_startup(broken)
    # The test client's task group wraps the failure in an exception group.
    with pytest.raises(ExceptionGroup) as caught, TestClient(fakes.make_app(hooks=hooks)):
        pass
    assert caught.group_contains(RuntimeError, match="cannot open")


def test_an_app_without_a_lifecycle_starts_and_stops() -> None:
    with TestClient(fakes.make_app()) as client:
        assert client.get("/health").status_code == 200
