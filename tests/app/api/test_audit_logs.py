"""The audit trail through HTTP: tenant isolation, the operator's view, filters and pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from b2core.iam import model as iam_model
from tests.support.http_app import API, HttpApp, Session, assert_error


async def _entries(api: HttpApp, who: Session, **params: Any) -> list[dict[str, Any]]:
    response = await api.client.get(f"{API}/audit-logs", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"items", "next_cursor"}
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _busy_tenant(api: HttpApp) -> tuple[Session, Session]:
    """A tenant whose admin invited a member and then made them an admin (audited twice)."""
    admin = await api.tenant_admin()
    member = await api.member(admin)
    changed = await api.client.patch(
        f"{API}/team/{member.user_id}", json={"role": "TENANT_ADMIN"}, headers=admin.headers
    )
    assert changed.status_code == 200, changed.text
    return admin, member


async def test_a_tenant_admin_sees_only_its_tenants_entries(api: HttpApp) -> None:
    first, _ = await _busy_tenant(api)
    second, _ = await _busy_tenant(api)
    mine = await _entries(api, first, limit=200)
    assert {e["tenant_id"] for e in mine} == {first.tenant_id}
    assert {"team.member_invited", "team.role_changed"} <= {e["action"] for e in mine}
    assert await _entries(api, first, actor_user_id=second.user_id) == []
    refused = await api.client.get(
        f"{API}/audit-logs", params={"tenant_id": second.tenant_id}, headers=first.headers
    )
    assert_error(refused, 403, "audit.tenant_filter_forbidden")


async def test_the_operator_sees_every_tenant_and_may_narrow_to_one(api: HttpApp) -> None:
    first, _ = await _busy_tenant(api)
    second, _ = await _busy_tenant(api)
    operator = await api.super_admin()
    for admin in (first, second):
        seen = await _entries(api, operator, actor_user_id=admin.user_id)
        assert seen
        assert {e["tenant_id"] for e in seen} == {admin.tenant_id}
    narrowed = await _entries(api, operator, tenant_id=second.tenant_id, limit=200)
    assert narrowed
    assert {e["tenant_id"] for e in narrowed} == {second.tenant_id}


async def test_filters_and_pages_newest_first(api: HttpApp) -> None:
    admin, _ = await _busy_tenant(api)
    everything = await _entries(api, admin, limit=200)
    assert len(everything) >= 3  # registered, invited, role changed
    instants = [datetime.fromisoformat(e["at"]) for e in everything]
    assert instants == sorted(instants, reverse=True)

    walked: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = await api.client.get(f"{API}/audit-logs", params=params, headers=admin.headers)
        assert len(page.json()["items"]) <= 1
        walked.extend(e["id"] for e in page.json()["items"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert walked == [e["id"] for e in everything]

    invited = await _entries(api, admin, action="team.member_invited")
    assert [e["action"] for e in invited] == ["team.member_invited"]
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert await _entries(api, admin, since=later) == []
    oldest = everything[-1]["at"]
    assert [e["id"] for e in await _entries(api, admin, until=oldest)] == []
    assert [e["id"] for e in await _entries(api, admin, since=oldest)] == [
        e["id"] for e in everything
    ]


async def test_bad_filters_get_a_422(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    cases = [
        ({"since": "yesterday"}, "audit.bad_time"),
        ({"until": "2026-01-01T00:00:00"}, "audit.bad_time"),
        ({"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "audit.bad_range"),
        ({"limit": "0"}, "pagination.bad_limit"),
        ({"cursor": "bm90LWEtY3Vyc29y"}, "pagination.bad_cursor"),
    ]
    for params, code in cases:
        response = await api.client.get(f"{API}/audit-logs", params=params, headers=admin.headers)
        assert_error(response, 422, code)


async def test_staff_may_not_read_the_audit_trail(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    staff = await api.member(admin, iam_model.Role.STAFF)
    response = await api.client.get(f"{API}/audit-logs", headers=staff.headers)
    assert_error(response, 403, "auth.forbidden")
    assert_error(await api.client.get(f"{API}/audit-logs"), 401, "auth.unauthenticated")
