"""Every operation of the OpenAPI document, called as every kind of caller, obeys the RBAC table.

The expected outcome comes from the route handler's guard (its ``opt`` action) and the one table
in ``b2core.iam.permissions``: new routes are covered as soon as they are mounted, and a route
under /api/v1 that is neither guarded nor listed as public below fails the walk.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar, post
from litestar.routes import HTTPRoute

from b2app import bootstrap
from b2app.http import auth, openapi, routes
from b2app.http.app import create_app
from b2core.iam import model, permissions
from tests.support import http_app
from tests.support.http_app import API, HttpApp, Session

# Routes anyone may call. Add a route here only when it must work without a token.
PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", f"{API}/auth/register"),
        ("POST", f"{API}/auth/login"),
        ("POST", f"{API}/auth/refresh"),
        ("POST", f"{API}/auth/password-reset"),
        ("POST", f"{API}/auth/password-reset/confirm"),
        ("POST", f"{API}/auth/verify-email"),
        ("GET", f"{API}/webhooks/whatsapp/{{channel_id}}"),
        ("POST", f"{API}/webhooks/whatsapp/{{channel_id}}"),
        ("POST", f"{API}/webhooks/bridge/{{channel_id}}"),
        ("POST", f"{API}/webhooks/stripe"),
        ("GET", f"{API}/growth"),
        ("GET", f"{API}/plans"),
        ("GET", f"{API}/media/{{token}}"),
    }
)
PLACEHOLDER = "00000000-0000-7000-8000-000000000000"
_TYPED_PARAM = re.compile(r"\{(\w+):[\w]+\}")
_PARAM = re.compile(r"\{\w+\}")
_METHODS = {"get", "post", "put", "patch", "delete"}


def guarded_actions(app: Litestar) -> dict[tuple[str, str], permissions.Action | None]:
    """(method, OpenAPI path) -> the action its handler's guard requires (None: no guard)."""
    found: dict[tuple[str, str], permissions.Action | None] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path = _TYPED_PARAM.sub(r"{\1}", route.path)
        for method, (handler, _) in route.route_handler_map.items():
            found[(str(method), path)] = handler.opt.get(auth.ACTION_OPT)
    return found


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (METHOD, path, operation) of the document under /api/v1."""
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        if path.startswith(f"{API}/")
        for method, operation in item.items()
        if method in _METHODS
    ]


def may(role: model.Role, action: permissions.Action) -> bool:
    """What the table promises: the role has the action, and tenant actions need a tenant."""
    if not permissions.allowed(role, action):
        return False
    return not (action in permissions.TENANT_ACTIONS and role is model.Role.SUPER_ADMIN)


async def call(api: HttpApp, method: str, path: str, session: Session | None) -> int:
    url = _PARAM.sub(PLACEHOLDER, path)
    headers = session.headers if session else {}
    body: dict[str, Any] | None = {} if method in {"POST", "PUT", "PATCH"} else None
    response = await api.client.request(method, url, headers=headers, json=body)
    assert response.status_code < 500, f"{method} {path}: {response.text}"
    return response.status_code


@pytest.fixture
async def schema(api: HttpApp) -> dict[str, Any]:
    response = await api.client.get("/schema/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def coverage_problems(app: Litestar, document: dict[str, Any]) -> list[str]:
    """Operations that are neither listed as public nor guarded, or documented wrongly."""
    actions = guarded_actions(app)
    problems = []
    for method, path, operation in operations(document):
        key, security = (method, path), operation.get("security")
        if key not in actions:
            problems.append(f"{method} {path} is in the schema but not routed")
        elif key in PUBLIC and (actions[key] is not None or security):
            problems.append(f"{method} {path} is listed as public but guarded or secured")
        elif key not in PUBLIC and not isinstance(actions[key], permissions.Action):
            problems.append(f"{method} {path} is neither public nor guarded")
        elif key not in PUBLIC and security != openapi.BEARER_SECURITY:
            problems.append(f"{method} {path} is guarded but its schema asks for no token")
    return problems


async def test_every_api_operation_is_public_or_guarded(
    api: HttpApp, schema: dict[str, Any]
) -> None:
    assert len(operations(schema)) >= 16
    assert coverage_problems(api.app, schema) == []


@post("/forgotten", sync_to_thread=False)
def forgotten_guard() -> None:
    """A route someone forgot to guard."""


def test_the_walk_notices_an_unguarded_route() -> None:
    container = bootstrap.build_container(http_app.api_settings("memory://"))
    app = create_app(container, api_handlers=[*routes.API_HANDLERS, forgotten_guard])
    document = app.openapi_schema.to_schema()
    assert coverage_problems(app, document) == [
        f"POST {API}/forgotten is neither public nor guarded"
    ]


async def test_every_operation_answers_every_role_as_the_table_says(
    api: HttpApp, schema: dict[str, Any]
) -> None:
    actions = guarded_actions(api.app)
    admin = await api.tenant_admin()
    staff = await api.member(admin)
    operator = await api.super_admin()
    people = {
        model.Role.STAFF: staff,
        model.Role.TENANT_ADMIN: admin,
        model.Role.SUPER_ADMIN: operator,
    }
    outcomes: list[str] = []
    for method, path, _ in operations(schema):
        action = actions[(method, path)]
        anonymous = await call(api, method, path, None)
        if action is None:
            assert anonymous not in (401, 403), f"public {method} {path} -> {anonymous}"
        else:
            assert anonymous == 401, f"anonymous {method} {path} -> {anonymous}"
        for role, person in people.items():
            # A fresh login per call: logout, for one, ends the session it is called with.
            fresh = await api.session(person.email)
            status = await call(api, method, path, fresh)
            allowed = action is None or may(role, action)
            ok = status not in (401, 403) if allowed else status == 403
            outcomes.append(f"{role.value} {method} {path} [{action}] -> {status}")
            assert ok, outcomes[-1]
    assert len(outcomes) == 3 * len(operations(schema))


def test_the_oracle_follows_the_table() -> None:
    # The walk's expectations are only as good as this function: pin its corner cases.
    assert may(model.Role.TENANT_ADMIN, permissions.Action.TEAM_MANAGE)
    assert not may(model.Role.STAFF, permissions.Action.TEAM_READ)
    assert not may(model.Role.SUPER_ADMIN, permissions.Action.TEAM_READ)
    assert may(model.Role.SUPER_ADMIN, permissions.Action.ADMIN_TENANTS)
    assert may(model.Role.SUPER_ADMIN, permissions.Action.ME)
    assert may(model.Role.SUPER_ADMIN, permissions.Action.AUDIT_READ)  # the whole platform
    assert not may(model.Role.TENANT_ADMIN, permissions.Action.ADMIN_TENANTS)
