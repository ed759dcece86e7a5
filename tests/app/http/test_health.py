"""Liveness, readiness and metrics, through HTTP."""

from __future__ import annotations

import time

import prometheus_client
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from b2app import readiness
from tests.app.http import fakes


def test_health_is_ok_even_when_dependencies_are_down() -> None:
    broken = fakes.Switch(failing=True)
    app = fakes.make_app(checks=[readiness.Check("database", broken.probe)])
    with TestClient(app) as client:
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_every_check_passes() -> None:
    database, redis = fakes.Switch(), fakes.Switch()
    checks = [readiness.Check("database", database.probe), readiness.Check("redis", redis.probe)]
    with TestClient(fakes.make_app(checks=checks)) as client:
        response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


def test_not_ready_names_the_failing_check_without_details() -> None:
    database, redis = fakes.Switch(), fakes.Switch(failing=True)
    checks = [readiness.Check("database", database.probe), readiness.Check("redis", redis.probe)]
    with TestClient(fakes.make_app(checks=checks)) as client:
        response = client.get("/ready")
        redis.failing = False
        recovered = client.get("/ready")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "error: ConnectionError"},
    }
    assert "10.0.0.3" not in response.text
    assert recovered.status_code == 200


def test_a_hanging_check_reports_timeout_within_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(readiness, "CHECK_TIMEOUT_SECONDS", 0.2)
    stuck = fakes.Switch(hanging=True)
    checks = [
        readiness.Check("broker", stuck.probe),
        readiness.Check("database", fakes.Switch().probe),
    ]
    with TestClient(fakes.make_app(checks=checks)) as client:
        started = time.monotonic()
        response = client.get("/ready")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["checks"] == {"broker": "timeout", "database": "ok"}
    assert elapsed < 2.0


def test_ready_without_registered_checks_is_ready() -> None:
    container = fakes.make_container()
    container.register(readiness.Readiness, instance=readiness.Readiness())
    from b2app.http import app as http_app

    with TestClient(http_app.create_app(container)) as client:
        assert client.get("/ready").json() == {"status": "ready", "checks": {}}


def _requests(method: str, route: str, status: str) -> float:
    labels = {"method": method, "route": route, "status": status}
    return prometheus_client.REGISTRY.get_sample_value("b2_http_requests_total", labels) or 0.0


def test_metrics_count_requests_by_route_template(client: TestClient[Litestar]) -> None:
    route = "/api/v1/typed/{number}"
    before = _requests("GET", route, "200")
    client.get("/api/v1/typed/7", params={"count": 1})
    client.get("/api/v1/typed/8", params={"count": 2})
    client.get("/no/such/route")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert _requests("GET", route, "200") == before + 2
    assert f'b2_http_requests_total{{method="GET",route="{route}",status="200"}}' in response.text
    assert 'route="<unmatched>",status="404"' in response.text
    assert "b2_http_request_duration_seconds_bucket" in response.text
    assert "/api/v1/typed/7" not in response.text
