"""Platform settings through HTTP: read, change, validate, audit, roles; the public growth view."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import httpx
import pytest

from b2adapters.email.console import ConsoleMailer
from b2app import bootstrap, settings
from b2app.http.app import create_app
from b2core.ai import fallbacks
from b2core.ai import model as ai_model
from tests.support import http_app
from tests.support.http_app import API, PASSWORD, HttpApp, Session, assert_error, unique_email
from tests.support.smtp_server import LocalSmtpServer

SYSTEM_FIELDS = {
    "global_ai_enabled",
    "global_whatsapp_enabled",
    "default_llm_provider",
    "default_llm_model",
    "max_tenants",
    "max_messages_per_hour",
    "email_enabled",
    "email_verification_required",
    "password_reset_enabled",
    "payment_emails_enabled",
    "email_provider",
    "smtp_host",
    "smtp_port",
    "smtp_username",
    "smtp_password_set",
    "smtp_security",
    "email_from",
    "updated_at",
}
GROWTH_FIELDS = [
    "google_analytics_id",
    "facebook_pixel_id",
    "banner_coupon_code",
    "banner_message",
    "banner_expires_at",
]


@asynccontextmanager
async def restored(api: HttpApp, operator: Session, path: str) -> AsyncIterator[dict[str, Any]]:
    """The settings at ``path`` as they were, put back afterwards (SQL backends are shared)."""
    before = await api.client.get(f"{API}{path}", headers=operator.headers)
    assert before.status_code == 200, before.text
    body: dict[str, Any] = before.json()
    try:
        yield body
    finally:
        body.pop("updated_at")
        if body.pop("smtp_password_set", None) is not None:
            body["smtp_password"] = None  # write-only: a test's password is cleared, not kept
        back = await api.client.patch(f"{API}{path}", json=body, headers=operator.headers)
        assert back.status_code == 200, back.text


async def _patch(api: HttpApp, who: Session, path: str, body: object) -> Any:
    return await api.client.patch(f"{API}{path}", json=body, headers=who.headers)


async def test_the_operator_reads_and_changes_every_system_setting(api: HttpApp) -> None:
    operator = await api.super_admin()
    async with restored(api, operator, "/admin/settings") as before:
        assert set(before) == SYSTEM_FIELDS
        changes = {
            "global_ai_enabled": not before["global_ai_enabled"],
            "default_llm_model": "gpt-4o-mini",
            "max_messages_per_hour": before["max_messages_per_hour"] + 1,
            "payment_emails_enabled": not before["payment_emails_enabled"],
        }
        changed = await _patch(api, operator, "/admin/settings", changes)
        assert changed.status_code == 200, changed.text
        read = await api.client.get(f"{API}/admin/settings", headers=operator.headers)
        assert read.json() == changed.json()
        assert {k: read.json()[k] for k in changes} == changes
        assert read.json()["max_tenants"] == before["max_tenants"]  # untouched

        logged = await api.client.get(
            f"{API}/audit-logs",
            params={"action": "platform.settings_updated", "actor_user_id": operator.user_id},
            headers=operator.headers,
        )
        (entry,) = logged.json()["items"]
        assert entry["metadata"]["changed"]["global_ai_enabled"] == {
            "old": before["global_ai_enabled"],
            "new": changes["global_ai_enabled"],
        }
        assert set(entry["metadata"]["changed"]) == set(changes)
        assert entry["actor"] == {
            "kind": "user",
            "user_id": operator.user_id,
            "role": "SUPER_ADMIN",
        }


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "settings.empty_update"),
        ({"max_tenants": -1}, "settings.bad_value"),
        ({"global_ai_enabled": None}, "settings.bad_value"),
        ({"default_llm_provider": ""}, "settings.bad_value"),
        ({"max_tenants": "many"}, "request.invalid"),
        ({"no_such_setting": True}, "request.invalid"),
        (["global_ai_enabled"], "request.invalid"),
    ],
)
async def test_bad_changes_get_a_422_with_a_code(api: HttpApp, body: object, code: str) -> None:
    operator = await api.super_admin()
    before = (await api.client.get(f"{API}/admin/settings", headers=operator.headers)).json()
    assert_error(await _patch(api, operator, "/admin/settings", body), 422, code)
    after = (await api.client.get(f"{API}/admin/settings", headers=operator.headers)).json()
    assert after == before


async def test_tenant_users_may_not_touch_platform_settings(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    for path in ("/admin/settings", "/admin/settings/growth"):
        response = await api.client.get(f"{API}{path}", headers=admin.headers)
        assert_error(response, 403, "auth.forbidden")
        refused = await _patch(api, admin, path, {"global_ai_enabled": False})
        assert_error(refused, 403, "auth.forbidden")
        assert_error(await api.client.get(f"{API}{path}"), 401, "auth.unauthenticated")


async def test_growth_settings_and_the_public_view(api: HttpApp) -> None:
    operator = await api.super_admin()
    async with restored(api, operator, "/admin/settings/growth"):
        soon = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        changes = {
            "google_analytics_id": "G-ABC123",
            "banner_coupon_code": "EID25",
            "banner_message": "25% off this week",
            "banner_expires_at": soon,
        }
        changed = await _patch(api, operator, "/admin/settings/growth", changes)
        assert changed.status_code == 200, changed.text
        public = await api.client.get(f"{API}/growth")  # no token
        assert public.status_code == 200
        assert public.json()["google_analytics_id"] == "G-ABC123"
        assert public.json()["banner"]["coupon_code"] == "EID25"

        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        await _patch(api, operator, "/admin/settings/growth", {"banner_expires_at": past})
        assert (await api.client.get(f"{API}/growth")).json()["banner"] is None
        stored = await api.client.get(f"{API}/admin/settings/growth", headers=operator.headers)
        assert stored.json()["banner_message"] == "25% off this week"

        cleared = await _patch(api, operator, "/admin/settings/growth", {"facebook_pixel_id": None})
        assert cleared.json()["facebook_pixel_id"] is None
        bad = await _patch(api, operator, "/admin/settings/growth", {"facebook_pixel_id": "px!"})
        assert_error(bad, 422, "settings.bad_value")
        naive = await _patch(
            api, operator, "/admin/settings/growth", {"banner_expires_at": "2030-01-01T00:00:00"}
        )
        assert naive.status_code == 422


# The kill switch end to end: the pipeline runs in this process on the memory backend.
@pytest.fixture
async def live_api() -> AsyncIterator[HttpApp]:
    config = attrs.evolve(http_app.api_settings("memory://"), in_process_worker=True)
    async with http_app.running_app(config) as running:
        yield running


async def _outbox(api: HttpApp, admin: Session) -> list[dict[str, Any]]:
    response = await api.client.get(f"{API}/channels/simulator/outbox", headers=admin.headers)
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _say(api: HttpApp, admin: Session, customer: str) -> dict[str, Any]:
    before = len(await _outbox(api, admin))
    sent = await api.client.post(
        f"{API}/channels/simulator/inbound",
        json={"customer_id": customer, "text": "Do you have chocolate cake?"},
        headers=admin.headers,
    )
    assert sent.status_code == 202, sent.text
    for _ in range(200):
        items = await _outbox(api, admin)
        if len(items) > before:
            return items[-1]
        await asyncio.sleep(0.02)
    raise AssertionError("no reply reached the outbox")


async def test_a_kill_switch_flipped_through_the_api_blocks_the_next_message(
    live_api: HttpApp,
) -> None:
    operator, admin = await live_api.super_admin(), await live_api.tenant_admin()
    cake = {"name": "Chocolate Cake", "price_minor": 250000, "currency": "PKR", "active": True}
    created = await live_api.client.post(f"{API}/services", json=cake, headers=admin.headers)
    assert created.status_code == 201, created.text
    answered = await _say(live_api, admin, "c1")  # the settings are now cached
    assert "Chocolate Cake" in answered["text"]

    flipped = await _patch(live_api, operator, "/admin/settings", {"global_ai_enabled": False})
    assert flipped.status_code == 200, flipped.text
    blocked = await _say(live_api, admin, "c2")
    assert blocked["text"] == fallbacks.DEFAULT_FALLBACKS[ai_model.BlockReason.GLOBAL_AI_OFF]


# Email settings: the SMTP server, a write-only password, and the toggles over HTTP.
SMTP_PASSWORD = "http-secret pass:1"


def _smtp_body(server: LocalSmtpServer, **more: object) -> dict[str, object]:
    return {
        "email_provider": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": server.port,
        "smtp_security": "none",
        "email_from": "b2@platform.example",
        **more,
    }


async def test_email_settings_take_a_password_they_never_show(api: HttpApp) -> None:
    operator = await api.super_admin()
    async with restored(api, operator, "/admin/settings") as before:
        assert before["smtp_password_set"] is False
        body = {
            "email_provider": "smtp",
            "smtp_host": "smtp.example.com",
            "smtp_port": 465,
            "smtp_security": "tls",
            "smtp_username": "mailer",
            "smtp_password": SMTP_PASSWORD,
            "email_from": "no-reply@example.com",
        }
        changed = await _patch(api, operator, "/admin/settings", body)
        assert changed.status_code == 200, changed.text
        read = await api.client.get(f"{API}/admin/settings", headers=operator.headers)
        for response in (changed, read):
            assert SMTP_PASSWORD not in response.text
            assert "smtp_password" not in response.json()
            assert response.json()["smtp_password_set"] is True
        shown = {k: v for k, v in body.items() if k != "smtp_password"}
        assert {k: read.json()[k] for k in shown} == shown

        logged = await api.client.get(
            f"{API}/audit-logs",
            params={"action": "platform.settings_updated", "actor_user_id": operator.user_id},
            headers=operator.headers,
        )
        (entry,) = logged.json()["items"]
        assert entry["metadata"]["changed"]["smtp_password"] == {"set": True}
        assert entry["metadata"]["changed"]["smtp_port"] == {"old": before["smtp_port"], "new": 465}
        assert SMTP_PASSWORD not in logged.text
        assert "b2f1." not in logged.text

        cleared = await _patch(api, operator, "/admin/settings", {"smtp_password": None})
        assert cleared.json()["smtp_password_set"] is False


BAD_EMAIL_SETTINGS: list[tuple[dict[str, object], str]] = [
    ({"smtp_port": 0}, "settings.bad_value"),
    ({"smtp_port": 65536}, "settings.bad_value"),
    ({"smtp_port": None}, "settings.bad_value"),
    ({"smtp_port": True}, "request.invalid"),
    ({"email_provider": "sendgrid"}, "settings.bad_value"),
    ({"smtp_security": "ssl"}, "settings.bad_value"),
    ({"email_from": "nobody"}, "settings.bad_value"),
    ({"smtp_host": "evil.example\r\nRCPT TO:<x@y>"}, "settings.bad_value"),
    ({"smtp_password": ""}, "settings.bad_value"),
    ({"email_provider": "smtp", "smtp_host": "mail.example.com"}, "settings.email_incomplete"),
    ({"smtp_password_sealed": "b2f1.x.y"}, "request.invalid"),
    ({"smtp_password_set": True}, "request.invalid"),
]


async def test_bad_email_settings_get_a_422_and_only_the_operator_may_change_them(
    api: HttpApp,
) -> None:
    operator, admin = await api.super_admin(), await api.tenant_admin()
    before = (await api.client.get(f"{API}/admin/settings", headers=operator.headers)).json()
    for body, code in BAD_EMAIL_SETTINGS:
        assert_error(await _patch(api, operator, "/admin/settings", body), 422, code)
    for who in (admin, await api.member(admin)):
        body = {"smtp_host": "attacker.example", "smtp_password": "x"}
        assert_error(await _patch(api, who, "/admin/settings", body), 403, "auth.forbidden")
    after = (await api.client.get(f"{API}/admin/settings", headers=operator.headers)).json()
    assert after == before  # no partial write


@asynccontextmanager
async def app_with_its_own_mailer(config: settings.Settings) -> AsyncIterator[HttpApp]:
    """The app as deployed: the mailer the settings choose (no test mailbox in its place)."""
    container = bootstrap.build_container(config)
    app = create_app(container)
    async with app.lifespan():
        asgi: Any = app
        transport = httpx.ASGITransport(app=asgi, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield HttpApp(client, app, container, ConsoleMailer())


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_reset_codes_go_through_the_smtp_server_of_the_settings(
    api_config: settings.Settings,
) -> None:
    async with app_with_its_own_mailer(api_config) as api:
        operator, admin = await api.super_admin(), await api.tenant_admin()
        with LocalSmtpServer(credentials=("mailer", SMTP_PASSWORD)) as server:
            async with restored(api, operator, "/admin/settings"):
                body = _smtp_body(server, smtp_username="mailer", smtp_password=SMTP_PASSWORD)
                on = {"email_enabled": True, "password_reset_enabled": True, **body}
                assert (await _patch(api, operator, "/admin/settings", on)).status_code == 200
                reset = f"{API}/auth/password-reset"
                asked = await api.client.post(reset, json={"email": admin.email})
                assert asked.status_code == 202, asked.text
                assert asked.json()["email"] == "enabled"
                (message,) = server.to(admin.email)
                assert message["From"] == "b2@platform.example"
                text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
                code = text.split("code is:")[1].split()[0]
                confirm = {"token": code, "new_password": "a-brand-new-passphrase"}
                done = await api.client.post(f"{reset}/confirm", json=confirm)
                assert done.status_code == 204, done.text

                off = await _patch(api, operator, "/admin/settings", {"email_enabled": False})
                assert off.status_code == 200
                known = await api.client.post(reset, json={"email": admin.email})
                unknown = await api.client.post(reset, json={"email": unique_email()})
                assert known.status_code == unknown.status_code == 202
                assert known.json() == unknown.json()  # still nothing about the account
                assert known.json()["email"] == "disabled"
                assert known.json()["toggle"] == "email_enabled"
                assert len(server.to(admin.email)) == 1  # nothing more was sent


async def test_registration_says_when_the_verification_email_is_switched_off(
    api: HttpApp,
) -> None:
    body = {"business_name": "Quiet Ltd", "email": unique_email("quiet"), "password": PASSWORD}
    async with api.platform_settings(email_enabled=False, email_verification_required=True):
        created = await api.client.post(f"{API}/auth/register", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["verification_email"] == "disabled"
    assert created.json()["toggle"] == "email_enabled"
    assert not [m for m in api.mailer.sent if m.to == body["email"]]

    body = {"business_name": "Loud Ltd", "email": unique_email("loud"), "password": PASSWORD}
    async with api.platform_settings(email_enabled=True, email_verification_required=True):
        created = await api.client.post(f"{API}/auth/register", json=body)
    assert created.json()["verification_email"] == "sent"
    assert created.json()["toggle"] is None
    assert api.last_code_sent_to(body["email"])
