"""Bridge sessions through HTTP: QR code, start, stop (and staying stopped), pairing code, roles."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest

from b2app import settings
from b2core.conversations import supervision
from tests.support import http_app
from tests.support.fake_bridge import FakeBridge
from tests.support.http_app import API, HttpApp, Session, assert_error

pytestmark = pytest.mark.anyio

API_KEY = "session-api-key-LAST"


@attrs.frozen
class World:
    api: HttpApp
    bridge: FakeBridge
    admin: Session
    channel_id: str

    async def call(self, method: str, step: str = "", who: Session | None = None, **kw: Any) -> Any:
        url = f"{API}/channels/{self.channel_id}/session{step}"
        headers = (who or self.admin).headers
        return await self.api.client.request(method, url, headers=headers, **kw)


@pytest.fixture
async def world(api_config: settings.Settings) -> AsyncIterator[World]:
    with FakeBridge("waha", api_key=API_KEY) as bridge:
        async with http_app.running_app(api_config) as api:
            admin = await api.tenant_admin()
            body = {
                "kind": "whatsapp_bridge",
                "provider": "waha",
                "base_url": bridge.base_url,
                "api_key": API_KEY,
                "session": "shop",
                "webhook_secret": "session-hook-secret",
            }
            made = await api.client.post(f"{API}/channels", headers=admin.headers, json=body)
            assert made.status_code == 201, made.text
            yield World(api, bridge, admin, made.json()["id"])


async def test_an_admin_links_a_session_by_qr_then_stops_it_for_good(world: World) -> None:
    world.bridge.add_session("shop", "qr")
    shown = await world.call("GET")
    assert shown.status_code == 200, shown.text
    assert (shown.json()["state"], shown.json()["paused"]) == ("SCAN_QR", False)
    assert shown.json()["qr_code"]

    world.bridge.scan("shop")
    assert (await world.call("GET")).json() | {"qr_code": None} == {
        "channel_id": world.channel_id,
        "state": "CONNECTED",
        "detail": None,
        "qr_code": None,
        "paused": False,
        "logged_out": False,
    }

    stopped = await world.call("POST", "/stop")
    assert stopped.status_code == 200, stopped.text
    assert (stopped.json()["state"], stopped.json()["paused"]) == ("STOPPED", True)
    # The supervisor sees a paused session: it stays stopped, however long it waits.
    loop = world.api.container.resolve(supervision.SessionSupervisor)
    taken = await loop.tick()
    assert taken[world.channel_id] is supervision.Action.NONE
    assert world.bridge.sessions["shop"] == "stopped"

    started = await world.call("POST", "/start")
    assert started.status_code == 200, started.text
    assert started.json()["paused"] is False
    assert world.bridge.sessions["shop"] != "stopped"

    logs = await world.api.client.get(f"{API}/audit-logs", headers=world.admin.headers)
    actions = [entry["action"] for entry in logs.json()["items"]]
    assert actions.count("channel.session_started") == 1
    assert actions.count("channel.session_stopped") == 1


async def test_a_pairing_code_needs_a_proper_phone_number(world: World) -> None:
    world.bridge.add_session("shop", "qr")
    good = await world.call("POST", "/pairing-code", json={"phone_number": "+4915112345678"})
    assert good.status_code == 200, good.text
    assert good.json()["code"]
    bad = await world.call("POST", "/pairing-code", json={"phone_number": "12ab"})
    assert_error(bad, 422, "channel.bad_phone")


async def test_only_the_tenants_admin_reaches_its_sessions(world: World) -> None:
    world.bridge.add_session("shop", "connected")
    staff = await world.api.member(world.admin)
    assert (await world.call("GET", who=staff)).status_code == 403
    stranger = await world.api.tenant_admin()
    assert_error(await world.call("POST", "/stop", who=stranger), 404, "channel.not_found")
    assert world.bridge.sessions["shop"] == "connected"
    cloud = await world.api.client.post(
        f"{API}/channels",
        headers=world.admin.headers,
        json={
            "kind": "whatsapp_cloud",
            "phone_number_id": "8"
            + world.channel_id.replace("-", "")[-14:].translate(str.maketrans("abcdef", "123456")),
            "access_token": "EAAG-token-0001",
            "app_secret": "0123456789abcdef0123456789abcdef",
            "verify_token": "verify-me",
        },
    )
    assert cloud.status_code == 201, cloud.text
    url = f"{API}/channels/{cloud.json()['id']}/session"
    answer = await world.api.client.get(url, headers=world.admin.headers)
    assert_error(answer, 409, "channel.not_a_bridge")
