"""Password reset and email verification through HTTP: off by default, single-use codes."""

from __future__ import annotations

from tests.support.http_app import API, PASSWORD, HttpApp, assert_error, unique_email

NEW_PASSWORD = "a-brand-new-passphrase"


async def test_password_reset_is_501_while_turned_off(api: HttpApp) -> None:
    async with api.platform_settings(password_reset_enabled=False):
        asked = await api.client.post(f"{API}/auth/password-reset", json={"email": unique_email()})
        assert_error(asked, 501, "feature.disabled")
        confirm = await api.client.post(
            f"{API}/auth/password-reset/confirm",
            json={"token": "whatever", "new_password": NEW_PASSWORD},
        )
        assert_error(confirm, 501, "feature.disabled")


async def test_email_verification_is_501_while_turned_off(api: HttpApp) -> None:
    async with api.platform_settings(email_verification_required=False):
        response = await api.client.post(f"{API}/auth/verify-email", json={"token": "x"})
        assert_error(response, 501, "feature.disabled")


async def test_password_reset_sets_a_new_password_and_ends_sessions(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    async with api.platform_settings(email_enabled=True, password_reset_enabled=True):
        known = await api.client.post(f"{API}/auth/password-reset", json={"email": admin.email})
        unknown = await api.client.post(
            f"{API}/auth/password-reset", json={"email": unique_email()}
        )
        assert known.status_code == unknown.status_code == 202
        assert known.json() == unknown.json()  # nothing tells whether the account exists
        code = api.last_code_sent_to(admin.email)

        done = await api.client.post(
            f"{API}/auth/password-reset/confirm",
            json={"token": code, "new_password": NEW_PASSWORD},
        )
        assert done.status_code == 204, done.text
        reused = await api.client.post(
            f"{API}/auth/password-reset/confirm",
            json={"token": code, "new_password": NEW_PASSWORD + "2"},
        )
        assert_error(reused, 422, "auth.bad_reset_token")
    assert (await api.client.get(f"{API}/me", headers=admin.headers)).status_code == 401
    old = await api.client.post(
        f"{API}/auth/login", json={"email": admin.email, "password": PASSWORD}
    )
    assert_error(old, 401, "auth.invalid_credentials")
    assert (await api.session(admin.email, NEW_PASSWORD)).user_id == admin.user_id


async def test_password_reset_checks_the_new_password(api: HttpApp) -> None:
    async with api.platform_settings(password_reset_enabled=True):
        weak = await api.client.post(
            f"{API}/auth/password-reset/confirm", json={"token": "x", "new_password": "short"}
        )
        assert_error(weak, 422, "password.too_short")
        missing = await api.client.post(f"{API}/auth/password-reset/confirm", json={"token": "x"})
        assert "new_password" in assert_error(missing, 422, "request.invalid")["message"]


async def test_email_verification_gates_login_until_the_code_is_used(api: HttpApp) -> None:
    email = unique_email("new")
    async with api.platform_settings(email_enabled=True, email_verification_required=True):
        created = await api.client.post(
            f"{API}/auth/register",
            json={"business_name": "Verified Ltd", "email": email, "password": PASSWORD},
        )
        assert created.status_code == 201, created.text
        blocked = await api.client.post(
            f"{API}/auth/login", json={"email": email, "password": PASSWORD}
        )
        assert_error(blocked, 403, "auth.email_unverified")
        wrong = await api.client.post(f"{API}/auth/verify-email", json={"token": "not-it"})
        assert_error(wrong, 422, "auth.bad_verify_token")
        verified = await api.client.post(
            f"{API}/auth/verify-email", json={"token": api.last_code_sent_to(email)}
        )
        assert verified.status_code == 204, verified.text
        assert (await api.session(email)).email == email
