"""Request ids on responses and log lines, and the access log."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

GENERATED = re.compile(r"^[0-9a-f]{32}$")


def test_a_sane_request_id_is_echoed(client: TestClient[Litestar]) -> None:
    response = client.get("/health", headers={"X-Request-ID": "edge-7.abc_DEF-1"})
    assert response.headers["x-request-id"] == "edge-7.abc_DEF-1"


@pytest.mark.parametrize(
    "incoming",
    [b"", b"x" * 65, b"has space", b"semi;colon", "\u00fcn\u00efcode".encode(), b"back\\slash"],
)
def test_an_unsafe_request_id_is_replaced(client: TestClient[Litestar], incoming: bytes) -> None:
    response = client.get("/health", headers=[(b"x-request-id", incoming)])
    assert response.headers["x-request-id"].encode() != incoming
    assert GENERATED.match(response.headers["x-request-id"])


def test_each_request_without_an_id_gets_a_new_one(client: TestClient[Litestar]) -> None:
    first = client.get("/health").headers["x-request-id"]
    second = client.get("/health").headers["x-request-id"]
    assert GENERATED.match(first)
    assert GENERATED.match(second)
    assert first != second


def test_error_responses_carry_the_request_id_too(client: TestClient[Litestar]) -> None:
    for response in (
        client.get("/nowhere", headers={"X-Request-ID": "r-404"}),
        client.post("/health", headers={"X-Request-ID": "r-405"}),
        client.get("/api/v1/boom", headers={"X-Request-ID": "r-500"}),
    ):
        assert response.headers["x-request-id"] == f"r-{response.status_code}"


def test_access_log_line_is_json_with_request_context(
    client: TestClient[Litestar], json_logs: Callable[[], list[dict[str, Any]]]
) -> None:
    client.get("/api/v1/typed/4", params={"count": 2}, headers={"X-Request-ID": "acc-1"})
    [line] = [entry for entry in json_logs() if entry.get("request_id") == "acc-1"]
    assert line["event"] == "request"
    assert line["level"] == "info"
    assert line["logger"] == "b2.http.access"
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/typed/4"
    assert line["route"] == "/api/v1/typed/{number}"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float | int)
    assert line["duration_ms"] >= 0
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", line["timestamp"])


def test_every_line_of_a_request_has_its_id_and_the_bound_tenant(
    client: TestClient[Litestar], json_logs: Callable[[], list[dict[str, Any]]]
) -> None:
    client.get("/api/v1/tenant-log", headers={"X-Request-ID": "ten-1"})
    client.get("/health", headers={"X-Request-ID": "ten-2"})
    lines = json_logs()
    mine = [entry for entry in lines if entry.get("request_id") == "ten-1"]
    assert {entry["event"] for entry in mine} == {"tenant_work_done", "request"}
    assert all(entry["tenant_id"] == "tenant-42" for entry in mine)
    # The next request starts clean: no tenant leaks from the previous one.
    assert all("tenant_id" not in entry for entry in lines if entry.get("request_id") == "ten-2")
