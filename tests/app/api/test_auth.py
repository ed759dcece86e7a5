"""Sign-up, login, refresh, logout and lockout through HTTP, on every backend."""

from __future__ import annotations

import anyio
import httpx
import pytest

from tests.support import http_app
from tests.support.http_app import API, PASSWORD, HttpApp, assert_error, bearer, unique_email


async def register(api: HttpApp, **fields: object) -> httpx.Response:
    body = {"business_name": "Acme", "email": unique_email(), "password": PASSWORD, **fields}
    return await api.client.post(f"{API}/auth/register", json=body)


async def test_register_creates_a_tenant_and_its_admin(api: HttpApp) -> None:
    email = unique_email("owner")
    response = await api.client.post(
        f"{API}/auth/register",
        json={"business_name": "Bakery Rosa", "email": email, "password": PASSWORD},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {"tenant_id", "user_id"}
    session = await api.session(email)
    assert (session.user_id, session.tenant_id) == (created["user_id"], created["tenant_id"])
    assert session.role.value == "TENANT_ADMIN"


async def test_register_refuses_a_body_that_is_not_json(api: HttpApp) -> None:
    response = await api.client.post(
        f"{API}/auth/register", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "request.malformed")


@pytest.mark.parametrize("missing", ["business_name", "email", "password"])
async def test_register_names_the_missing_field(api: HttpApp, missing: str) -> None:
    body = {"business_name": "Acme", "email": unique_email(), "password": PASSWORD}
    del body[missing]
    response = await api.client.post(f"{API}/auth/register", json=body)
    error = assert_error(response, 422, "request.invalid")
    assert missing in error["message"]


async def test_register_refuses_a_weak_password(api: HttpApp) -> None:
    assert_error(await register(api, password="short1"), 422, "password.too_short")


async def test_register_refuses_a_taken_email(api: HttpApp) -> None:
    email = unique_email()
    first = await register(api, email=email)
    assert first.status_code == 201
    again = await register(api, email=email.upper(), business_name="Other")
    assert_error(again, 409, "user.email_taken")


async def test_register_refuses_a_tenant_id_in_the_body(api: HttpApp) -> None:
    # Tenant ids come only from the verified token: a body naming one is refused outright.
    response = await register(api, tenant_id="someone-elses-tenant")
    error = assert_error(response, 422, "request.invalid")
    assert "tenant_id" in error["message"]


async def test_login_returns_a_bearer_token_pair(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    pair = await api.login(admin.email)
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == 900
    me = await api.client.get(f"{API}/me", headers=bearer(pair["access_token"]))
    assert me.json() == {
        "user_id": admin.user_id,
        "email": admin.email,
        "role": "TENANT_ADMIN",
        "tenant_id": admin.tenant_id,
    }


async def test_a_wrong_password_looks_exactly_like_an_unknown_email(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    wrong = await api.client.post(
        f"{API}/auth/login", json={"email": admin.email, "password": "not-the-password"}
    )
    unknown = await api.client.post(
        f"{API}/auth/login", json={"email": unique_email(), "password": "not-the-password"}
    )
    assert_error(wrong, 401, "auth.invalid_credentials")
    assert wrong.json() == unknown.json()
    assert wrong.status_code == unknown.status_code
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"] == "Bearer"


async def test_five_failures_lock_the_account_with_retry_after(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    wrong = {"email": admin.email, "password": "not-the-password"}
    for _ in range(5):
        assert_error(
            await api.client.post(f"{API}/auth/login", json=wrong), 401, "auth.invalid_credentials"
        )
    locked = await api.client.post(f"{API}/auth/login", json=wrong)
    assert_error(locked, 429, "auth.locked")
    assert int(locked.headers["retry-after"]) > 0
    # Even the right password waits for the lock to pass.
    right = await api.client.post(
        f"{API}/auth/login", json={"email": admin.email, "password": PASSWORD}
    )
    assert_error(right, 429, "auth.locked")


async def test_twenty_concurrent_wrong_logins_give_five_401_and_fifteen_429(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    statuses: list[int] = []

    async def attempt() -> None:
        response = await api.client.post(
            f"{API}/auth/login", json={"email": admin.email, "password": "not-the-password"}
        )
        statuses.append(response.status_code)

    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(attempt)
    assert sorted(statuses) == [401] * 5 + [429] * 15


async def test_refresh_rotates_and_a_reused_token_revokes_the_family(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    first = await api.client.post(
        f"{API}/auth/refresh", json={"refresh_token": admin.refresh_token}
    )
    assert first.status_code == 200, first.text
    rotated = first.json()
    assert rotated["refresh_token"] != admin.refresh_token
    assert rotated["token_type"] == "bearer"
    assert (
        await api.client.get(f"{API}/me", headers=bearer(rotated["access_token"]))
    ).status_code == 200
    # The old refresh token is presented again: theft is assumed, the whole family ends.
    replay = await api.client.post(
        f"{API}/auth/refresh", json={"refresh_token": admin.refresh_token}
    )
    assert_error(replay, 401, "auth.token_reused")
    again = await api.client.post(
        f"{API}/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert again.status_code == 401
    assert (
        await api.client.get(f"{API}/me", headers=bearer(rotated["access_token"]))
    ).status_code == 401


async def test_refresh_names_its_missing_field(api: HttpApp) -> None:
    error = assert_error(
        await api.client.post(f"{API}/auth/refresh", json={}), 422, "request.invalid"
    )
    assert "refresh_token" in error["message"]


async def test_logout_ends_the_access_token_and_its_refresh_family(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    response = await api.client.post(f"{API}/auth/logout", headers=admin.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert_error(
        await api.client.get(f"{API}/me", headers=admin.headers), 401, "auth.token_revoked"
    )
    refused = await api.client.post(
        f"{API}/auth/refresh", json={"refresh_token": admin.refresh_token}
    )
    assert refused.status_code == 401
    # Other sessions of the same user are not touched.
    assert (await api.session(admin.email)).user_id == admin.user_id


async def test_logout_without_a_token_is_401(api: HttpApp) -> None:
    assert_error(await api.client.post(f"{API}/auth/logout"), 401, "auth.unauthenticated")


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer a b", "bearer"],
)
async def test_a_missing_or_malformed_authorization_header_is_401(
    api: HttpApp, header: str
) -> None:
    headers = {"Authorization": header} if header else {}
    response = await api.client.get(f"{API}/me", headers=headers)
    assert_error(response, 401, "auth.unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_the_bearer_scheme_is_case_insensitive(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    response = await api.client.get(
        f"{API}/me", headers={"Authorization": f"bearer {admin.access_token}"}
    )
    assert response.status_code == 200


async def test_me_works_for_the_super_admin_without_a_tenant(api: HttpApp) -> None:
    operator = await api.super_admin()
    response = await api.client.get(f"{API}/me", headers=operator.headers)
    assert response.status_code == 200
    assert response.json()["tenant_id"] is None
    assert response.json()["role"] == "SUPER_ADMIN"


async def test_responses_never_carry_password_hashes(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    for path in ("/me", "/team"):
        text = (await api.client.get(f"{API}{path}", headers=admin.headers)).text
        assert "password" not in text
        assert "$2b$" not in text


def test_backends_are_the_three_promised() -> None:
    assert http_app.BACKENDS == ("memory", "sqlite", "postgres+redis")
