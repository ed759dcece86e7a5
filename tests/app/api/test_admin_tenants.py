"""The platform operator searches, suspends, reactivates and archives tenants."""

from __future__ import annotations

import secrets
from typing import Any

from tests.support.http_app import API, PASSWORD, HttpApp, Session, assert_error


async def _status(
    api: HttpApp, operator: Session, tenant_id: str | None, action: str
) -> dict[str, Any]:
    response = await api.client.post(
        f"{API}/admin/tenants/{tenant_id}/{action}", headers=operator.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_operator_searches_tenants_by_name_and_status(api: HttpApp) -> None:
    operator = await api.super_admin()
    mark = secrets.token_hex(4)
    first = await api.tenant_admin(f"Cafe {mark} North")
    second = await api.tenant_admin(f"cafe {mark.upper()} South")
    await _status(api, operator, second.tenant_id, "suspend")

    found = await api.client.get(
        f"{API}/admin/tenants", params={"search": mark}, headers=operator.headers
    )
    assert found.status_code == 200, found.text
    items = found.json()["items"]
    assert [t["tenant_id"] for t in items] == [second.tenant_id, first.tenant_id]  # newest first
    assert set(items[0]) == {"tenant_id", "name", "status", "timezone", "created_at", "updated_at"}

    suspended = await api.client.get(
        f"{API}/admin/tenants",
        params={"search": mark, "status": "SUSPENDED"},
        headers=operator.headers,
    )
    assert [t["tenant_id"] for t in suspended.json()["items"]] == [second.tenant_id]

    paged = await api.client.get(
        f"{API}/admin/tenants", params={"search": mark, "limit": 1}, headers=operator.headers
    )
    assert len(paged.json()["items"]) == 1
    assert paged.json()["next_cursor"]


async def test_an_unknown_status_filter_is_a_422(api: HttpApp) -> None:
    operator = await api.super_admin()
    response = await api.client.get(
        f"{API}/admin/tenants", params={"status": "DELETED"}, headers=operator.headers
    )
    assert_error(response, 422, "tenant.bad_status")


async def test_the_operator_reads_one_tenant(api: HttpApp) -> None:
    operator = await api.super_admin()
    admin = await api.tenant_admin("Flower Shop")
    response = await api.client.get(
        f"{API}/admin/tenants/{admin.tenant_id}", headers=operator.headers
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Flower Shop"
    assert response.json()["status"] == "ACTIVE"
    missing = await api.client.get(f"{API}/admin/tenants/no-such-tenant", headers=operator.headers)
    assert_error(missing, 404, "tenant.not_found")


async def test_tenant_users_cannot_reach_admin_routes(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    for path in ("/admin/tenants", f"/admin/tenants/{admin.tenant_id}"):
        assert_error(
            await api.client.get(f"{API}{path}", headers=admin.headers), 403, "auth.forbidden"
        )
    suspend = await api.client.post(
        f"{API}/admin/tenants/{admin.tenant_id}/suspend", headers=admin.headers
    )
    assert_error(suspend, 403, "auth.forbidden")


async def test_a_suspended_tenant_signs_in_and_sees_me_but_nothing_else(api: HttpApp) -> None:
    operator = await api.super_admin()
    admin = await api.tenant_admin()
    staff = await api.member(admin)
    assert (await _status(api, operator, admin.tenant_id, "suspend"))["status"] == "SUSPENDED"

    for session in (admin, staff):
        fresh = await api.session(session.email)  # login works, /me answers
        assert fresh.tenant_id == admin.tenant_id
    team = await api.client.get(f"{API}/team", headers=admin.headers)
    assert_error(team, 403, "tenant.suspended")
    # Logout stays possible.
    assert (await api.client.post(f"{API}/auth/logout", headers=staff.headers)).status_code == 204

    assert (await _status(api, operator, admin.tenant_id, "reactivate"))["status"] == "ACTIVE"
    assert (await api.client.get(f"{API}/team", headers=admin.headers)).status_code == 200


async def test_an_archived_tenant_is_locked_out_for_good(api: HttpApp) -> None:
    operator = await api.super_admin()
    admin = await api.tenant_admin()
    assert (await _status(api, operator, admin.tenant_id, "archive"))["status"] == "ARCHIVED"
    assert_error(
        await api.client.get(f"{API}/me", headers=admin.headers), 401, "auth.token_revoked"
    )
    login = await api.client.post(
        f"{API}/auth/login", json={"email": admin.email, "password": PASSWORD}
    )
    assert_error(login, 401, "auth.invalid_credentials")
    again = await api.client.post(
        f"{API}/admin/tenants/{admin.tenant_id}/reactivate", headers=operator.headers
    )
    assert_error(again, 409, "tenant.invalid_transition")


async def test_illegal_transitions_and_unknown_tenants(api: HttpApp) -> None:
    operator = await api.super_admin()
    admin = await api.tenant_admin()
    reactivate = await api.client.post(
        f"{API}/admin/tenants/{admin.tenant_id}/reactivate", headers=operator.headers
    )
    assert_error(reactivate, 409, "tenant.invalid_transition")
    missing = await api.client.post(f"{API}/admin/tenants/nobody/suspend", headers=operator.headers)
    assert_error(missing, 404, "tenant.not_found")
