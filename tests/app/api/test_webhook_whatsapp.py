"""WhatsApp Cloud API webhooks through HTTP (memory backend): signed, deduplicated, fast."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from b2adapters.whatsapp import directory, webhooks
from b2app.workers import inbound as inbound_jobs
from b2core.conversations import delivery, messages, model, ports
from b2core.shared import errors, ids, tasks
from tests.adapters.whatsapp import payloads
from tests.support import http_app
from tests.support.http_app import API, HttpApp, assert_error

CHANNEL = "wa-chan-1"
SECRET = "meta-app-secret"
VERIFY = "verify-me-please"
URL = f"{API}/webhooks/whatsapp/{CHANNEL}"


@attrs.define
class RecordingQueue:
    """A task queue that keeps the jobs instead of running them."""

    jobs: list[tasks.Job] = attrs.field(factory=list)
    fail_next: bool = False

    async def enqueue(self, job: tasks.Job, *, delay: timedelta | None = None) -> None:
        if self.fail_next:
            self.fail_next = False
            raise errors.Unavailable("the broker is down")
        self.jobs.append(job)


@attrs.define
class World:
    api: HttpApp
    queue: RecordingQueue
    channels: directory.InMemoryWhatsAppChannelDirectory
    tenant_id: ids.TenantId


@pytest.fixture
async def world() -> AsyncIterator[World]:
    queue = RecordingQueue()
    channels = directory.InMemoryWhatsAppChannelDirectory()
    overrides = {tasks.TaskQueue: queue, directory.WhatsAppChannelDirectory: channels}
    config = http_app.api_settings("memory://")
    async with http_app.running_app(config, overrides=overrides) as api:
        admin = await api.tenant_admin()
        tenant_id = ids.TenantId(admin.tenant_id or "")
        channels.add(
            CHANNEL,
            directory.WebhookChannel(tenant_id, SECRET, VERIFY, payloads.PHONE_ID),
        )
        yield World(api, queue, channels, tenant_id)


async def _seed_outbound(world: World, *provider_ids: str) -> None:
    """Sent replies that the delivery's reports are about."""
    uow: ports.ConversationsUoW = world.api.container.resolve(ports.ConversationsUoW)
    at = datetime(2025, 12, 31, tzinfo=UTC)
    channel_id = ids.ChannelId(CHANNEL)
    async with uow.tenant(world.tenant_id) as tx:
        candidate = model.Conversation.open(
            ids.ConversationId("conv-1"), world.tenant_id, channel_id, "16315551181", at
        )
        conversation, _ = await tx.conversations.get_or_open_for_customer(candidate)
        for n, provider_id in enumerate(provider_ids):
            reply = messages.Message.outbound_text(
                ids.MessageId(f"msg-out-{n}"), conversation, "Yes!", at, f"key-{n}"
            )
            await tx.messages.add(reply.mark_sent(provider_id, at))
        await tx.commit()


async def _states(world: World, *provider_ids: str) -> list[Any]:
    uow: ports.ConversationsUoW = world.api.container.resolve(ports.ConversationsUoW)
    async with uow.tenant(world.tenant_id) as tx:
        found = [
            await tx.messages.find_by_provider_id(ids.ChannelId(CHANNEL), p) for p in provider_ids
        ]
    return [m.delivery_state if m else None for m in found]


async def _post(world: World, body: bytes, signature: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[webhooks.SIGNATURE_HEADER] = signature
    return await world.api.client.post(URL, content=body, headers=headers)


async def test_a_signed_delivery_queues_messages_and_applies_reports(world: World) -> None:
    await _seed_outbound(world, "wamid.out1", "wamid.out2")
    body = json.dumps(payloads.delivery_of_three_and_two()).encode()
    response = await _post(world, body, webhooks.sign(body, SECRET))
    assert response.status_code == 200, response.text
    assert response.json() == {"messages": 3, "statuses": 2}
    queued = [inbound_jobs.from_payload(str(job.args[0])) for job in world.queue.jobs]
    assert [m.provider_message_id for m in queued] == ["wamid.in1", "wamid.in2", "wamid.in3"]
    assert {m.tenant_id for m in queued} == {world.tenant_id}
    assert all(job.actor_name == inbound_jobs.INBOUND_ACTOR for job in world.queue.jobs)
    assert await _states(world, "wamid.out1", "wamid.out2") == [
        delivery.DeliveryState.DELIVERED,
        delivery.DeliveryState.FAILED,
    ]


async def test_a_replayed_delivery_has_no_effect(world: World) -> None:
    await _seed_outbound(world, "wamid.out1")
    body = json.dumps(payloads.delivery_of_three_and_two()).encode()
    first = await _post(world, body, webhooks.sign(body, SECRET))
    assert first.json() == {"messages": 3, "statuses": 1}
    again = await _post(world, body, webhooks.sign(body, SECRET))
    assert again.status_code == 200
    assert again.json() == {"messages": 0, "statuses": 0}
    assert len(world.queue.jobs) == 3


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "wrong-secret"])
async def test_a_bad_signature_is_refused_and_nothing_is_taken(
    world: World, signature: str | None
) -> None:
    await _seed_outbound(world, "wamid.out1", "wamid.out2")
    body = json.dumps(payloads.delivery_of_three_and_two()).encode()
    if signature == "wrong-secret":
        signature = webhooks.sign(body, "wrong-secret")
    response = await _post(world, body, signature)
    assert_error(response, 401, "webhook.bad_signature")
    assert world.queue.jobs == []
    assert await _states(world, "wamid.out1", "wamid.out2") == [delivery.DeliveryState.SENT] * 2
    # Nothing was remembered either: the genuine delivery still goes through in full.
    genuine = await _post(world, body, webhooks.sign(body, SECRET))
    assert genuine.json() == {"messages": 3, "statuses": 2}


async def test_a_tampered_body_is_refused(world: World) -> None:
    body = json.dumps(payloads.delivery_of_three_and_two()).encode()
    tampered = body.replace(b"chocolate", b"vanilla!!")
    response = await _post(world, tampered, webhooks.sign(body, SECRET))
    assert_error(response, 401, "webhook.bad_signature")
    assert world.queue.jobs == []


async def test_a_signed_but_malformed_delivery_is_a_400(world: World) -> None:
    for body in (b"not json", b'{"entry": "nope"}', b"[]"):
        response = await _post(world, body, webhooks.sign(body, SECRET))
        assert_error(response, 400, "webhook.bad_payload")
    assert world.queue.jobs == []


async def test_an_unknown_channel_is_a_404(world: World) -> None:
    body = b"{}"
    url = f"{API}/webhooks/whatsapp/nobody"
    response = await world.api.client.post(url, content=body)
    assert_error(response, 404, "channel.not_found")
    handshake = await world.api.client.get(url, params={"hub.mode": "subscribe"})
    assert_error(handshake, 404, "channel.not_found")


async def test_the_handshake_echoes_the_challenge_for_the_right_token(world: World) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    response = await world.api.client.get(URL, params=params)
    assert response.status_code == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


async def test_the_handshake_refuses_a_wrong_token(world: World) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
    response = await world.api.client.get(URL, params=params)
    assert_error(response, 403, "webhook.bad_verify_token")


async def test_concurrent_redeliveries_queue_each_message_once(world: World) -> None:
    body = json.dumps(payloads.delivery_of_three_and_two()).encode()
    signature = webhooks.sign(body, SECRET)
    answers = await asyncio.gather(*(_post(world, body, signature) for _ in range(5)))
    assert all(a.status_code == 200 for a in answers)
    assert sorted(job.idempotency_key or "" for job in world.queue.jobs) == [
        f"in:{CHANNEL}:wamid.in1",
        f"in:{CHANNEL}:wamid.in2",
        f"in:{CHANNEL}:wamid.in3",
    ]


async def test_a_failed_enqueue_lets_the_retry_through(world: World) -> None:
    body = json.dumps(payloads.delivery_of_three_and_two()).encode()
    signature = webhooks.sign(body, SECRET)
    world.queue.fail_next = True
    failed = await _post(world, body, signature)
    assert_error(failed, 503, "service.unavailable")
    retried = await _post(world, body, signature)
    assert retried.status_code == 200
    assert [job.idempotency_key for job in world.queue.jobs] == [
        f"in:{CHANNEL}:wamid.in1",
        f"in:{CHANNEL}:wamid.in2",
        f"in:{CHANNEL}:wamid.in3",
    ]
