"""Every failure comes back as the one sanitized envelope with the right status and code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from b2app.http import app as http_app
from b2app.http import errors as http_errors
from b2core.shared import errors
from tests.app.http import fakes


def assert_error(response: httpx.Response, status: int, code: str) -> str:
    """Check the envelope and return its message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert isinstance(message, str)
    assert message
    assert "Traceback" not in response.text
    return str(message)


@pytest.mark.parametrize("kind", sorted(fakes.DOMAIN_ERRORS))
def test_domain_errors_map_to_their_status_and_keep_their_code(
    client: TestClient[Litestar], kind: str
) -> None:
    error, status = fakes.DOMAIN_ERRORS[kind]
    response = client.get(f"/api/v1/errors/{kind}")
    message = assert_error(response, status, error.code)
    assert message == http_errors.sanitize(error.message)


def test_uuids_are_redacted_from_messages(client: TestClient[Litestar]) -> None:
    message = assert_error(client.get("/api/v1/errors/not_found"), 404, "resource.not_found")
    assert message == "thing <id> does not exist"
    assert fakes.SOME_UUID not in message


def test_limit_exceeded_says_when_to_retry(client: TestClient[Litestar]) -> None:
    response = client.get("/api/v1/errors/limit")
    assert_error(response, 429, "limit.rate")
    assert response.headers["retry-after"] == "30"


def test_unauthenticated_asks_for_a_bearer_token(client: TestClient[Litestar]) -> None:
    response = client.get("/api/v1/errors/unauthenticated")
    assert_error(response, 401, "auth.token_expired")
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_unexpected_error_is_a_generic_500_and_the_details_stay_in_the_log(
    client: TestClient[Litestar], json_logs: Callable[[], list[dict[str, Any]]]
) -> None:
    response = client.get("/api/v1/boom", headers={"X-Request-ID": "req-boom-1"})
    message = assert_error(response, 500, "internal.error")
    assert message == http_errors.INTERNAL_MESSAGE
    for leak in (fakes.SOME_UUID, "RuntimeError", "psycopg", "row"):
        assert leak not in response.text
    [logged] = [line for line in json_logs() if line["event"] == "unhandled_error"]
    assert logged["request_id"] == "req-boom-1"
    assert logged["level"] == "error"
    assert "Traceback" in logged["exception"]
    assert fakes.SOME_UUID in logged["exception"]


@pytest.mark.parametrize("body", [b'{"text": "hi"', b"{not json}", b"text=hi"])
def test_malformed_json_is_a_400(client: TestClient[Litestar], body: bytes) -> None:
    response = client.post(
        "/api/v1/shout", content=body, headers={"content-type": "application/json"}
    )
    assert assert_error(response, 400, "request.malformed") == http_errors.BAD_JSON_MESSAGE


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[1, 2]", "body: expected object, got array"),
        (b"null", "body: expected object, got null"),
        (b"", "a JSON body is required"),
    ],
)
def test_a_body_that_is_not_an_object_is_a_422(
    client: TestClient[Litestar], body: bytes, message: str
) -> None:
    response = client.post(
        "/api/v1/shout", content=body, headers={"content-type": "application/json"}
    )
    assert assert_error(response, 422, "request.invalid") == message


def test_wrong_types_in_the_body_name_the_fields(client: TestClient[Litestar]) -> None:
    body = {"name": 5, "price": {"amount_minor": "9", "currency": "EUR"}, "color": "blue"}
    response = client.post("/api/v1/things", json={**body, "available_from": "soon"})
    message = assert_error(response, 422, "request.invalid")
    for field in ("name", "price.amount_minor", "color", "available_from"):
        assert field in message
    assert "cattrs" not in message
    assert "ClassValidationError" not in message


def test_wrong_query_and_path_types_name_the_parameter(client: TestClient[Litestar]) -> None:
    query = assert_error(
        client.get("/api/v1/typed/3", params={"count": "many"}), 422, "request.invalid"
    )
    assert query == "query parameter 'count': expected int, got str"
    missing = assert_error(client.get("/api/v1/typed/3"), 422, "request.invalid")
    assert missing == "missing required query parameter 'count'"


def test_unknown_route_is_route_not_found(client: TestClient[Litestar]) -> None:
    message = assert_error(client.get(f"/api/v1/nothing/{fakes.SOME_UUID}"), 404, "route.not_found")
    assert fakes.SOME_UUID not in message


def test_wrong_method_is_route_method_not_allowed(client: TestClient[Litestar]) -> None:
    response = client.delete("/health")
    assert_error(response, 405, "route.method_not_allowed")
    assert "GET" in response.headers["allow"]


def test_guards_keep_their_meaning(client: TestClient[Litestar]) -> None:
    anonymous = client.get("/api/v1/guarded/anonymous")
    assert assert_error(anonymous, 401, "auth.unauthenticated") == "a bearer token is required"
    assert_error(client.get("/api/v1/guarded/forbidden"), 403, "auth.forbidden")


def test_a_body_over_the_limit_is_413(client: TestClient[Litestar]) -> None:
    oversized = b"x" * (http_app.MAX_BODY_BYTES + 1)
    response = client.post(
        "/api/v1/shout", content=oversized, headers={"content-type": "application/json"}
    )
    assert_error(response, 413, "request.too_large")


def test_the_bus_without_a_handler_is_not_configured(client: TestClient[Litestar]) -> None:
    # Shout works through the bus; an unregistered command type gets the bus's own code.
    assert client.post("/api/v1/shout", json={"text": "hi"}).json() == {"text": "HI"}
    assert http_errors.status_for(errors.NotConfigured("x", code="bus.no_handler")) == 501


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.ConcurrencyConflict("x"), 409),
        (errors.InvalidInput("x", code="request.too_large"), 413),
        (errors.InvalidInput("x", code="request.malformed"), 400),
        (errors.LimitExceeded("x", code="quota.daily_exceeded"), 429),
    ],
)
def test_status_table_prefers_the_code_then_the_most_specific_kind(
    error: errors.DomainError, status: int
) -> None:
    assert http_errors.status_for(error) == status


def test_sanitize_keeps_one_bounded_line() -> None:
    text = "first " + "A" * 400 + "\n  File 'x.py', line 3\n"
    cleaned = http_errors.sanitize(text)
    assert "\n" not in cleaned
    assert "File" not in cleaned
    assert len(cleaned) <= 300
    assert http_errors.sanitize(f"a {fakes.SOME_UUID.upper()} b") == "a <id> b"
