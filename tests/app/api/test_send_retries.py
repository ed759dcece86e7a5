"""Outbound retries end to end: a flaky send is delivered once; a dead one is dead-lettered,
keeps its last error, and goes out once it is requeued and the channel is back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest

from b2app import settings
from b2core.conversations import ports
from b2core.shared import errors, ids
from tests.support import http_app
from tests.support.http_app import API, HttpApp

pytestmark = pytest.mark.anyio


class FlakyChannel:
    """The real channel, except that texts starting "flaky" fail while ``failures`` last."""

    def __init__(self, inner: Any, owner: FlakyDirectory) -> None:
        self._inner = inner
        self._owner = owner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def send_text(self, customer_id: str, text: str, **kwargs: Any) -> str:
        if text.startswith("flaky"):
            self._owner.attempts.append(text)
            if self._owner.failures.get(text, 0) > 0:
                self._owner.failures[text] -= 1
                raise errors.Unavailable(f"channel down for {text!r}", code="channel.unavailable")
            self._owner.delivered.append(text)
        provider_id: str = await self._inner.send_text(customer_id, text, **kwargs)
        return provider_id


@attrs.define
class FlakyDirectory:
    inner: Any
    failures: dict[str, int] = attrs.field(factory=dict)
    attempts: list[str] = attrs.field(factory=list)
    delivered: list[str] = attrs.field(factory=list)

    async def channel_for(self, tenant_id: ids.TenantId, channel_id: ids.ChannelId) -> Any:
        return FlakyChannel(await self.inner.channel_for(tenant_id, channel_id), self)


@attrs.define
class Live:
    api: HttpApp
    directory: FlakyDirectory


@pytest.fixture
async def live() -> AsyncIterator[Live]:
    config = attrs.evolve(http_app.api_settings("memory://"), in_process_worker=True)
    assert isinstance(config, settings.Settings)
    async with http_app.running_app(config) as app:
        real = app.container.resolve(ports.ChannelDirectory)
        directory = FlakyDirectory(real)
        app.container.register(ports.ChannelDirectory, instance=directory)
        yield Live(app, directory)


async def _wait_for(check: Any, what: str, seconds: float = 20) -> Any:
    for _ in range(int(seconds / 0.05)):
        if found := await check():
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


async def _conversation(live: Live, headers: dict[str, str]) -> str:
    client = live.api.client
    sent = await client.post(
        f"{API}/channels/simulator/inbound",
        headers=headers,
        json={"customer_id": "flaky-customer", "text": "Can a person help me?"},
    )
    assert sent.status_code == 202, sent.text

    async def listed() -> Any:
        items = (await client.get(f"{API}/conversations", headers=headers)).json()["items"]
        return items[0]["conversation_id"] if items else None

    found: str = await _wait_for(listed, "the conversation")
    return found


async def _state(live: Live, headers: dict[str, str], url: str, message_id: str) -> str:
    shown = (await live.api.client.get(f"{url}/messages", headers=headers)).json()["items"]
    [mine] = [m for m in shown if m["message_id"] == message_id]
    state: str = mine["delivery_state"]
    return state


async def test_a_send_that_fails_twice_then_succeeds_is_delivered_once(live: Live) -> None:
    admin = await live.api.tenant_admin()
    url = f"{API}/conversations/{await _conversation(live, admin.headers)}"
    live.directory.failures["flaky twice"] = 2

    replied = await live.api.client.post(
        f"{url}/reply", headers=admin.headers, json={"text": "flaky twice"}
    )
    assert replied.status_code == 201, replied.text
    message_id = replied.json()["message_id"]

    async def sent() -> bool:
        return await _state(live, admin.headers, url, message_id) == "SENT"

    await _wait_for(sent, "the third attempt to deliver")
    assert live.directory.attempts == ["flaky twice"] * 3
    assert live.directory.delivered == ["flaky twice"]


async def test_a_send_that_always_fails_is_dead_lettered_and_requeue_delivers_it(
    live: Live,
) -> None:
    admin = await live.api.tenant_admin()
    operator = await live.api.super_admin()
    client = live.api.client
    url = f"{API}/conversations/{await _conversation(live, admin.headers)}"
    live.directory.failures["flaky always"] = 1_000

    replied = await client.post(
        f"{url}/reply", headers=admin.headers, json={"text": "flaky always"}
    )
    assert replied.status_code == 201, replied.text
    message_id = replied.json()["message_id"]

    async def dead_letter() -> Any:
        page = await client.get(f"{API}/admin/dead-letters", headers=operator.headers)
        assert page.status_code == 200, page.text
        return next(
            (item for item in page.json()["items"] if message_id in item.get("args", [])), None
        )

    letter = await _wait_for(dead_letter, "the dead letter")
    assert live.directory.attempts == ["flaky always"] * 3
    assert live.directory.delivered == []
    assert "channel down for 'flaky always'" in letter["last_error"]
    assert await _state(live, admin.headers, url, message_id) == "QUEUED"

    live.directory.failures["flaky always"] = 0  # the channel is back
    requeued = await client.post(
        f"{API}/admin/dead-letters/{letter['id']}/requeue", headers=operator.headers
    )
    assert requeued.status_code in (200, 202, 204), requeued.text

    async def sent() -> bool:
        return await _state(live, admin.headers, url, message_id) == "SENT"

    await _wait_for(sent, "the requeued send")
    assert live.directory.delivered == ["flaky always"]


async def test_the_global_whatsapp_switch_stops_queued_sends_at_once(live: Live) -> None:
    admin = await live.api.tenant_admin()
    operator = await live.api.super_admin()
    client = live.api.client
    url = f"{API}/conversations/{await _conversation(live, admin.headers)}"
    switched = await client.patch(
        f"{API}/admin/settings",
        headers=operator.headers,
        json={"global_whatsapp_enabled": False},
    )
    assert switched.status_code == 200, switched.text

    replied = await client.post(f"{url}/reply", headers=admin.headers, json={"text": "flaky off"})
    assert replied.status_code == 201, replied.text
    message_id = replied.json()["message_id"]

    async def failed() -> bool:
        return await _state(live, admin.headers, url, message_id) == "FAILED"

    await _wait_for(failed, "the send to be refused")
    assert live.directory.attempts == []
