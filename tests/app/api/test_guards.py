"""The guard's decision, for every role, action and tenant state, against the RBAC table."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from b2app.http import auth
from b2core.iam import model, permissions, tokens
from b2core.shared import errors, ids


def principal(role: model.Role, *, suspended: bool = False) -> tokens.Principal:
    tenant = None if role is model.Role.SUPER_ADMIN else ids.TenantId("tenant-1")
    return tokens.Principal(
        ids.UserId("user-1"),
        tenant,
        role,
        jti="jti-1",
        family="family-1",
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
        tenant_suspended=suspended and tenant is not None,
    )


def expected_code(role: model.Role, action: permissions.Action, suspended: bool) -> str | None:
    if action not in permissions.PERMISSIONS[role]:
        return "auth.forbidden"
    if action in permissions.TENANT_ACTIONS and role is model.Role.SUPER_ADMIN:
        return "auth.tenant_required"
    tenant_user = role is not model.Role.SUPER_ADMIN
    if tenant_user and suspended and action is not permissions.Action.ME:
        return "tenant.suspended"
    return None


def decision(role: model.Role, action: permissions.Action, suspended: bool) -> str | None:
    try:
        auth.authorize(principal(role, suspended=suspended), action)
    except errors.Forbidden as refused:
        return refused.code
    return None


def test_the_guard_decides_every_case_as_the_table_says() -> None:
    cases = list(itertools.product(model.Role, permissions.Action, (False, True)))
    mismatches = [
        (role.value, action.value, suspended)
        for role, action, suspended in cases
        if decision(role, action, suspended) != expected_code(role, action, suspended)
    ]
    assert mismatches == []
    assert len(cases) == 2 * len(model.Role) * len(permissions.Action)


def test_a_suspended_tenant_keeps_me_and_loses_everything_else() -> None:
    assert decision(model.Role.TENANT_ADMIN, permissions.Action.ME, True) is None
    assert decision(model.Role.STAFF, permissions.Action.ORDERS_READ, True) == "tenant.suspended"
    assert decision(model.Role.TENANT_ADMIN, permissions.Action.AUDIT_READ, True) == (
        "tenant.suspended"
    )
    assert decision(model.Role.SUPER_ADMIN, permissions.Action.AUDIT_READ, False) is None
    assert decision(model.Role.SUPER_ADMIN, permissions.Action.ORDERS_READ, False) == (
        "auth.forbidden"
    )


@pytest.mark.parametrize(
    ("header", "token"),
    [("Bearer abc.def.ghi", "abc.def.ghi"), ("bearer  tok ", "tok"), ("BEARER tok", "tok")],
)
def test_bearer_token_reads_the_token(header: str, token: str) -> None:
    assert auth.bearer_token(header) == token


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer ", "Basic abc", "Bearer a b", "Bearer\ttok", "tok"]
)
def test_bearer_token_refuses_missing_or_malformed_headers(header: str | None) -> None:
    with pytest.raises(errors.Unauthenticated) as refused:
        auth.bearer_token(header)
    assert refused.value.code == "auth.unauthenticated"


def test_guarded_routes_record_their_action_and_ask_for_a_token() -> None:
    keywords = auth.guarded(permissions.Action.TEAM_READ)
    assert keywords["opt"] == {auth.ACTION_OPT: permissions.Action.TEAM_READ}
    [guard] = keywords["guards"]
    assert guard.__qualname__ == "requires(team.read)"
    assert keywords["security"]
