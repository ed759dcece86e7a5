"""The OpenAPI document is served at /schema and describes the routes and the bearer scheme."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient

from b2app.http import openapi


def test_schema_page_is_served(client: TestClient[Litestar]) -> None:
    response = client.get("/schema")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert openapi.TITLE in response.text


def test_openapi_json_lists_the_routes_and_the_bearer_scheme(client: TestClient[Litestar]) -> None:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"] == {"title": "b2 API", "version": openapi.package_version()}
    paths = set(document["paths"])
    assert {"/health", "/ready", "/metrics", "/api/v1/shout", "/api/v1/items"} <= paths
    assert all(p.startswith("/api/v1/") for p in paths - {"/health", "/ready", "/metrics"})
    scheme = document["components"]["securitySchemes"][openapi.BEARER]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    limit = [
        p for p in document["paths"]["/api/v1/items"]["get"]["parameters"] if p["name"] == "limit"
    ]
    assert limit
    assert limit[0]["in"] == "query"


def test_openapi_yaml_is_served(client: TestClient[Litestar]) -> None:
    response = client.get("/schema/openapi.yaml")
    assert response.status_code == 200
    assert "b2 API" in response.text


def test_debug_is_off(client: TestClient[Litestar]) -> None:
    assert isinstance(client.app, Litestar)
    assert client.app.debug is False
