"""A tenant admin manages their team; nobody reaches another tenant's members."""

from __future__ import annotations

from b2core.iam import model
from tests.support.http_app import API, PASSWORD, HttpApp, assert_error, unique_email


async def test_an_admin_adds_lists_promotes_and_deactivates_members(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    email = unique_email("staff")
    added = await api.client.post(
        f"{API}/team",
        headers=admin.headers,
        json={"email": email, "role": "STAFF", "password": PASSWORD},
    )
    assert added.status_code == 201, added.text
    member = added.json()
    assert set(member) == {"user_id", "email", "role", "active", "email_verified", "created_at"}
    assert (member["email"], member["role"], member["active"]) == (email, "STAFF", True)

    listed = await api.client.get(f"{API}/team", headers=admin.headers)
    assert listed.status_code == 200
    assert [m["email"] for m in listed.json()["items"]] == [admin.email, email]
    assert listed.json()["next_cursor"] is None

    promoted = await api.client.patch(
        f"{API}/team/{member['user_id']}", headers=admin.headers, json={"role": "TENANT_ADMIN"}
    )
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["role"] == "TENANT_ADMIN"

    gone = await api.client.post(
        f"{API}/team/{member['user_id']}/deactivate", headers=admin.headers
    )
    assert gone.status_code == 200, gone.text
    assert gone.json()["active"] is False


async def test_the_team_list_pages_with_a_cursor(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    for _ in range(2):
        await api.member(admin)
    first = await api.client.get(f"{API}/team", params={"limit": 2}, headers=admin.headers)
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 2
    assert page["next_cursor"]
    second = await api.client.get(
        f"{API}/team", params={"limit": 2, "cursor": page["next_cursor"]}, headers=admin.headers
    )
    rest = second.json()
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None
    emails = {m["email"] for m in page["items"] + rest["items"]}
    assert len(emails) == 3


async def test_a_bad_limit_is_a_422(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    response = await api.client.get(f"{API}/team", params={"limit": "0"}, headers=admin.headers)
    assert_error(response, 422, "pagination.bad_limit")


async def test_staff_cannot_reach_the_team(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    staff = await api.member(admin)
    assert_error(await api.client.get(f"{API}/team", headers=staff.headers), 403, "auth.forbidden")
    invite = await api.client.post(
        f"{API}/team",
        headers=staff.headers,
        json={"email": unique_email(), "role": "STAFF", "password": PASSWORD},
    )
    assert_error(invite, 403, "auth.forbidden")


async def test_the_super_admin_has_no_team_routes(api: HttpApp) -> None:
    operator = await api.super_admin()
    response = await api.client.get(f"{API}/team", headers=operator.headers)
    assert_error(response, 403, "auth.forbidden")


async def test_another_tenants_admin_cannot_touch_my_member(api: HttpApp) -> None:
    mine = await api.tenant_admin()
    member = await api.member(mine)
    other = await api.tenant_admin()
    change = await api.client.patch(
        f"{API}/team/{member.user_id}", headers=other.headers, json={"role": "TENANT_ADMIN"}
    )
    assert_error(change, 404, "user.not_found")
    deactivate = await api.client.post(
        f"{API}/team/{member.user_id}/deactivate", headers=other.headers
    )
    assert_error(deactivate, 404, "user.not_found")
    # Nor does it show in their list, and my member still works as before.
    listed = await api.client.get(f"{API}/team", headers=other.headers)
    assert member.email not in listed.text
    me = await api.client.get(f"{API}/me", headers=member.headers)
    assert me.json()["role"] == "STAFF"


async def test_a_tenant_id_in_the_body_never_picks_the_tenant(api: HttpApp) -> None:
    mine = await api.tenant_admin()
    other = await api.tenant_admin()
    email = unique_email()
    response = await api.client.post(
        f"{API}/team",
        headers=mine.headers,
        json={"email": email, "role": "STAFF", "password": PASSWORD, "tenant_id": other.tenant_id},
    )
    error = assert_error(response, 422, "request.invalid")
    assert "tenant_id" in error["message"]
    for admin in (mine, other):
        listed = await api.client.get(f"{API}/team", headers=admin.headers)
        assert email not in listed.text


async def test_a_tenant_id_in_the_query_is_not_used(api: HttpApp) -> None:
    mine = await api.tenant_admin()
    other = await api.tenant_admin()
    listed = await api.client.get(
        f"{API}/team", params={"tenant_id": other.tenant_id}, headers=mine.headers
    )
    assert listed.status_code == 200
    assert [m["email"] for m in listed.json()["items"]] == [mine.email]


async def test_a_deactivated_member_is_signed_out_and_cannot_sign_in(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    member = await api.member(admin)
    await api.client.post(f"{API}/team/{member.user_id}/deactivate", headers=admin.headers)
    assert (await api.client.get(f"{API}/me", headers=member.headers)).status_code == 401
    login = await api.client.post(
        f"{API}/auth/login", json={"email": member.email, "password": PASSWORD}
    )
    assert_error(login, 401, "auth.invalid_credentials")
    refresh = await api.client.post(
        f"{API}/auth/refresh", json={"refresh_token": member.refresh_token}
    )
    assert refresh.status_code == 401


async def test_a_role_change_applies_at_once(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    member = await api.member(admin, model.Role.TENANT_ADMIN)
    assert (await api.client.get(f"{API}/team", headers=member.headers)).status_code == 200
    demoted = await api.client.patch(
        f"{API}/team/{member.user_id}", headers=admin.headers, json={"role": "STAFF"}
    )
    assert demoted.status_code == 200
    # The old token carried TENANT_ADMIN: it ends; a new login carries STAFF.
    assert (await api.client.get(f"{API}/team", headers=member.headers)).status_code == 401
    again = await api.session(member.email)
    assert again.role is model.Role.STAFF


async def test_team_rules_answer_with_their_codes(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    last_admin = await api.client.patch(
        f"{API}/team/{admin.user_id}", headers=admin.headers, json={"role": "STAFF"}
    )
    assert_error(last_admin, 409, "team.last_admin")
    myself = await api.client.post(f"{API}/team/{admin.user_id}/deactivate", headers=admin.headers)
    assert_error(myself, 409, "team.self_deactivation")
    bad_role = await api.client.patch(
        f"{API}/team/{admin.user_id}", headers=admin.headers, json={"role": "OWNER"}
    )
    error = assert_error(bad_role, 422, "request.invalid")
    assert "role" in error["message"]
    platform_role = await api.client.post(
        f"{API}/team",
        headers=admin.headers,
        json={"email": unique_email(), "role": "SUPER_ADMIN", "password": PASSWORD},
    )
    assert_error(platform_role, 403, "user.bad_role")
    taken = await api.client.post(
        f"{API}/team",
        headers=admin.headers,
        json={"email": admin.email, "role": "STAFF", "password": PASSWORD},
    )
    assert_error(taken, 409, "user.email_taken")
    weak = await api.client.post(
        f"{API}/team",
        headers=admin.headers,
        json={"email": unique_email(), "role": "STAFF", "password": "short"},
    )
    assert_error(weak, 422, "password.too_short")
