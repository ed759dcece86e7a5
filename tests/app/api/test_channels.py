"""Tenant admins connect channels over HTTP; secrets never come back; webhooks find them."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import timedelta
from typing import Any

import attrs
import pytest

from b2adapters.crypto import fields
from b2adapters.whatsapp import cloud_api, directory, webhooks
from b2app import settings, wiring_channels
from b2app.workers import inbound as inbound_jobs
from b2core.conversations import connections, ports
from b2core.iam import model as iam_model
from b2core.shared import errors, ids, tasks
from tests.adapters.whatsapp import payloads
from tests.support import fake_graph, http_app
from tests.support.fake_graph import FakeGraph
from tests.support.http_app import API, HttpApp, Session, assert_error

TOKEN = "EAAG-" + "t" * 40 + "WXYZ"
APP_SECRET = "meta-app-secret-0123456789abcdef"
VERIFY = "verify-token-for-the-hub"
API_KEY = "waha-api-key-0123456789-LAST"
HOOK_SECRET = "bridge-webhook-secret"
CLEAR = (TOKEN, APP_SECRET, VERIFY, API_KEY, HOOK_SECRET)


def a_number() -> str:
    """A phone number id no other test uses (the SQL backends share a database per run)."""
    return "9" + "".join(secrets.choice("0123456789") for _ in range(14))


def cloud_body(number: str) -> dict[str, str]:
    return {
        "kind": "whatsapp_cloud",
        "phone_number_id": number,
        "access_token": TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY,
    }


BRIDGE_BODY = {
    "kind": "whatsapp_bridge",
    "provider": "waha",
    "base_url": "http://127.0.0.1:3000",
    "api_key": API_KEY,
    "session": "default",
    "webhook_secret": HOOK_SECRET,
}


async def _connect(api: HttpApp, admin: Session, body: dict[str, str]) -> dict[str, Any]:
    response = await api.client.post(f"{API}/channels", headers=admin.headers, json=body)
    assert response.status_code == 201, response.text
    assert not any(secret in response.text for secret in CLEAR)
    created: dict[str, Any] = response.json()
    return created


async def test_an_admin_connects_lists_and_removes_channels(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    number = a_number()
    cloud = await _connect(api, admin, cloud_body(number))
    assert cloud["kind"] == "whatsapp_cloud"
    assert cloud["phone_number_id"] == number
    assert cloud["secrets"] == {
        "access_token": "****WXYZ",
        "app_secret": "****",
        "verify_token": "****",
    }
    assert cloud["webhook_path"] == f"{API}/webhooks/whatsapp/{cloud['id']}"
    bridge = await _connect(api, admin, BRIDGE_BODY)
    assert (bridge["kind"], bridge["provider"], bridge["session"]) == (
        "whatsapp_bridge",
        "waha",
        "default",
    )
    assert bridge["secrets"] == {"api_key": "****LAST", "webhook_secret": "****"}

    listed = await api.client.get(f"{API}/channels", headers=admin.headers)
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["items"]] == [cloud["id"], bridge["id"]]
    assert not any(secret in listed.text for secret in CLEAR)
    page = await api.client.get(f"{API}/channels", params={"limit": 1}, headers=admin.headers)
    assert [c["id"] for c in page.json()["items"]] == [cloud["id"]]
    assert page.json()["next_cursor"]

    gone = await api.client.delete(f"{API}/channels/{cloud['id']}", headers=admin.headers)
    assert gone.status_code == 204
    again = await api.client.delete(f"{API}/channels/{cloud['id']}", headers=admin.headers)
    assert_error(again, 404, "channel.not_found")
    left = await api.client.get(f"{API}/channels", headers=admin.headers)
    assert [c["id"] for c in left.json()["items"]] == [bridge["id"]]
    # The number is free again once its channel is gone.
    await _connect(api, admin, cloud_body(number))


async def test_staff_may_not_manage_channels(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    staff = await api.member(admin, iam_model.Role.STAFF)
    made = await _connect(api, admin, BRIDGE_BODY)
    for response in (
        await api.client.get(f"{API}/channels", headers=staff.headers),
        await api.client.post(f"{API}/channels", headers=staff.headers, json=BRIDGE_BODY),
        await api.client.delete(f"{API}/channels/{made['id']}", headers=staff.headers),
    ):
        assert response.status_code == 403, response.text


async def test_another_tenants_channel_is_not_found(api: HttpApp) -> None:
    owner, other = await api.tenant_admin(), await api.tenant_admin()
    made = await _connect(api, owner, cloud_body(a_number()))
    response = await api.client.delete(f"{API}/channels/{made['id']}", headers=other.headers)
    assert_error(response, 404, "channel.not_found")
    listed = await api.client.get(f"{API}/channels", headers=other.headers)
    assert listed.json() == {"items": [], "next_cursor": None}
    still = await api.client.get(f"{API}/channels", headers=owner.headers)
    assert [c["id"] for c in still.json()["items"]] == [made["id"]]


async def test_a_number_connected_anywhere_is_a_409(api: HttpApp) -> None:
    number = a_number()
    await _connect(api, await api.tenant_admin(), cloud_body(number))
    response = await api.client.post(
        f"{API}/channels", headers=(await api.tenant_admin()).headers, json=cloud_body(number)
    )
    assert_error(response, 409, "channel.duplicate_number")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "telegram"}, "channel.bad_kind"),
        ({**BRIDGE_BODY, "provider": "baileys"}, "channel.bad_provider"),
        ({**BRIDGE_BODY, "base_url": "file:///etc/passwd"}, "channel.bad_url"),
        ({**BRIDGE_BODY, "phone_number_id": "12345"}, "request.invalid"),
        ({**cloud_body("12345"), "access_token": ""}, "channel.bad_secret"),
        ({**cloud_body("not-digits")}, "channel.bad_phone_number_id"),
        ({"kind": "whatsapp_cloud", "phone_number_id": "12345"}, "request.invalid"),
    ],
)
async def test_bad_bodies_get_clear_codes(api: HttpApp, body: dict[str, str], code: str) -> None:
    admin = await api.tenant_admin()
    response = await api.client.post(f"{API}/channels", headers=admin.headers, json=body)
    assert_error(response, 422, code)
    listed = await api.client.get(f"{API}/channels", headers=admin.headers)
    assert listed.json()["items"] == []


async def test_the_directory_sends_through_the_connected_number(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    number = a_number()
    made = await _connect(api, admin, cloud_body(number))
    found: ports.ChannelDirectory = api.container.resolve(ports.ChannelDirectory)
    tenant_id = ids.TenantId(admin.tenant_id or "")
    channel = await found.channel_for(tenant_id, ids.ChannelId(made["id"]))
    assert isinstance(channel, cloud_api.CloudApiChannel)
    assert (channel.phone_number_id, channel.access_token) == (number, TOKEN)
    assert channel.graph_url == http_app.api_settings("memory://").whatsapp_graph_url
    simulator = await found.channel_for(tenant_id, connections.SIMULATOR)
    assert not isinstance(simulator, cloud_api.CloudApiChannel)


@attrs.define
class RecordingQueue:
    """A task queue that keeps the jobs instead of running them."""

    jobs: list[tasks.Job] = attrs.field(factory=list)

    async def enqueue(self, job: tasks.Job, *, delay: timedelta | None = None) -> None:
        self.jobs.append(job)


async def test_a_signed_delivery_to_a_connected_number_reaches_the_queue() -> None:
    queue = RecordingQueue()
    config = http_app.api_settings("memory://")
    async with http_app.running_app(config, overrides={tasks.TaskQueue: queue}) as api:
        admin = await api.tenant_admin()
        made = await _connect(api, admin, cloud_body(payloads.PHONE_ID))
        url = made["webhook_path"]
        handshake = await api.client.get(
            url,
            params={"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "42"},
        )
        assert (handshake.status_code, handshake.text) == (200, "42")
        body = json.dumps(payloads.delivery_of_three_and_two()).encode()
        headers = {"Content-Type": "application/json"}
        forged = await api.client.post(
            url, content=body, headers={**headers, webhooks.SIGNATURE_HEADER: "sha256=" + "0" * 64}
        )
        assert_error(forged, 401, "webhook.bad_signature")
        signed = {**headers, webhooks.SIGNATURE_HEADER: webhooks.sign(body, APP_SECRET)}
        response = await api.client.post(url, content=body, headers=signed)
        assert response.status_code == 200, response.text
        assert response.json()["messages"] == 3
        queued = [inbound_jobs.from_payload(str(job.args[0])) for job in queue.jobs]
        assert {(m.tenant_id, m.channel_id) for m in queued} == {(admin.tenant_id, made["id"])}
        # A removed channel no longer takes deliveries.
        await api.client.delete(f"{API}/channels/{made['id']}", headers=admin.headers)
        late = await api.client.post(url, content=body, headers=signed)
        assert_error(late, 404, "channel.not_found")
        bridge = await _connect(api, admin, BRIDGE_BODY)
        assert await _lookup(api, bridge["id"]) is None


async def _lookup(api: HttpApp, channel_id: str) -> directory.WebhookChannel | None:
    found: directory.WhatsAppChannelDirectory = api.container.resolve(
        directory.WhatsAppChannelDirectory
    )
    return await found.lookup(channel_id)


def test_the_cipher_comes_from_the_key_setting_or_the_demo_secret() -> None:
    key = base64.b64encode(bytes(range(32))).decode()
    demo = http_app.api_settings("memory://")
    keyed = wiring_channels.field_cipher(attrs.evolve(demo, field_encryption_key=key))
    assert isinstance(keyed, fields.FieldCipher)
    assert keyed.current_key_id == fields.key_id(bytes(range(32)))
    derived = wiring_channels.field_cipher(demo)
    assert isinstance(derived, fields.FieldCipher)
    assert derived.current_key_id == fields.key_id(fields.derive_demo_key(http_app.JWT_SECRET))
    production = attrs.evolve(demo, mode=settings.Mode.PRODUCTION)
    missing = wiring_channels.field_cipher(production)
    with pytest.raises(errors.NotConfigured) as caught:
        missing.encrypt("secret", context="c")
    assert caught.value.code == "settings.field_encryption_key_required"


async def test_a_connected_number_sends_to_the_graph_api_with_its_own_token() -> None:
    with FakeGraph() as graph:
        config = attrs.evolve(
            http_app.api_settings("memory://"), whatsapp_graph_url=graph.graph_url
        )
        async with http_app.running_app(config) as api:
            admin = await api.tenant_admin()
            made = await _connect(api, admin, cloud_body(payloads.PHONE_ID))
            found: ports.ChannelDirectory = api.container.resolve(ports.ChannelDirectory)
            target = await found.channel_for(
                ids.TenantId(admin.tenant_id or ""), ids.ChannelId(made["id"])
            )
            wamid = await target.send_text("16315551181", "Hello!")
        assert isinstance(target, cloud_api.CloudApiChannel)
        # The app's shutdown closed the one client every Cloud API channel shares.
        assert target.http.is_closed
    [request] = graph.requests
    assert wamid.startswith("wamid.")
    assert request.path == f"/{fake_graph.VERSION}/{payloads.PHONE_ID}/messages"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.body["text"]["body"] == "Hello!"
