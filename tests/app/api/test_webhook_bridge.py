"""Bridge webhooks through HTTP (memory backend): WAHA signed, Evolution by secret, deduplicated."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import attrs
import pytest

from b2adapters.bridge import directory, signatures
from b2app.workers import inbound as inbound_jobs
from b2core.conversations import connections
from b2core.shared import errors, ids, tasks
from tests.adapters.bridge import test_inbound as samples
from tests.support import http_app
from tests.support.http_app import API, HttpApp, assert_error

WAHA_CHANNEL = "bridge-waha-1"
EVOLUTION_CHANNEL = "bridge-evo-1"
HMAC_KEY = "waha-hmac-key-of-this-session"
EVOLUTION_SECRET = "evolution-webhook-secret-42"


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
    tenant_id: ids.TenantId

    def queued_ids(self) -> list[str]:
        return [
            inbound_jobs.from_payload(str(job.args[0])).provider_message_id for job in self.jobs
        ]

    @property
    def jobs(self) -> list[tasks.Job]:
        return self.queue.jobs


@pytest.fixture
async def world() -> AsyncIterator[World]:
    queue = RecordingQueue()
    channels = directory.InMemoryBridgeChannelDirectory()
    overrides = {tasks.TaskQueue: queue, directory.BridgeChannelDirectory: channels}
    async with http_app.running_app(http_app.api_settings("memory://"), overrides=overrides) as api:
        admin = await api.tenant_admin()
        tenant_id = ids.TenantId(admin.tenant_id or "")
        waha = connections.BridgeProvider.WAHA
        evolution = connections.BridgeProvider.EVOLUTION
        channels.add(
            WAHA_CHANNEL, directory.BridgeWebhookChannel(tenant_id, waha, HMAC_KEY, "default")
        )
        channels.add(
            EVOLUTION_CHANNEL,
            directory.BridgeWebhookChannel(tenant_id, evolution, EVOLUTION_SECRET),
        )
        yield World(api, queue, tenant_id)


def _url(channel_id: str) -> str:
    return f"{API}/webhooks/bridge/{channel_id}"


async def _post_waha(world: World, body: bytes, signature: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[signatures.HMAC_HEADER] = signature
        headers[signatures.ALGORITHM_HEADER] = "sha512"
    return await world.api.client.post(_url(WAHA_CHANNEL), content=body, headers=headers)


def _waha_body(message_id: str = samples.WAHA_MESSAGE["payload"]["id"]) -> bytes:
    return json.dumps(samples._waha(id=message_id)).encode()


async def test_a_signed_waha_delivery_queues_its_message(world: World) -> None:
    body = _waha_body()
    response = await _post_waha(world, body, signatures.sign_waha(body, HMAC_KEY))
    assert response.status_code == 200, response.text
    assert response.json() == {"messages": 1}
    (job,) = world.jobs
    message = inbound_jobs.from_payload(str(job.args[0]))
    assert (message.tenant_id, message.channel_id) == (world.tenant_id, WAHA_CHANNEL)
    assert message.text == "Do you have croissants?"
    assert job.actor_name == inbound_jobs.INBOUND_ACTOR


async def test_a_replayed_waha_delivery_has_no_effect(world: World) -> None:
    body = _waha_body()
    signature = signatures.sign_waha(body, HMAC_KEY)
    assert (await _post_waha(world, body, signature)).json() == {"messages": 1}
    again = await _post_waha(world, body, signature)
    assert again.status_code == 200
    assert again.json() == {"messages": 0}
    assert len(world.jobs) == 1


@pytest.mark.parametrize("signature", [None, "0" * 128, "wrong-key"])
async def test_a_bad_waha_signature_is_refused_and_nothing_is_taken(
    world: World, signature: str | None
) -> None:
    body = _waha_body()
    if signature == "wrong-key":
        signature = signatures.sign_waha(body, "wrong-key")
    response = await _post_waha(world, body, signature)
    assert_error(response, 401, "webhook.bad_signature")
    assert world.jobs == []
    # Nothing was remembered either: the genuine delivery still goes through.
    genuine = await _post_waha(world, body, signatures.sign_waha(body, HMAC_KEY))
    assert genuine.json() == {"messages": 1}


async def test_a_tampered_waha_body_is_refused(world: World) -> None:
    body = _waha_body()
    tampered = body.replace(b"croissants", b"baguettes!")
    response = await _post_waha(world, tampered, signatures.sign_waha(body, HMAC_KEY))
    assert_error(response, 401, "webhook.bad_signature")
    assert world.jobs == []


async def test_evolution_deliveries_need_the_channel_secret(world: World) -> None:
    body = json.dumps(samples.EVOLUTION_MESSAGE).encode()
    headers = {"Content-Type": "application/json"}
    client, url = world.api.client, _url(EVOLUTION_CHANNEL)
    missing = await client.post(url, content=body, headers=headers)
    wrong = await client.post(url, content=body, headers=headers, params={"secret": "guess"})
    assert_error(missing, 401, "webhook.bad_signature")
    assert_error(wrong, 401, "webhook.bad_signature")
    assert world.jobs == []
    by_query = await client.post(
        url, content=body, headers=headers, params={"secret": EVOLUTION_SECRET}
    )
    by_header = await client.post(
        url, content=body, headers={**headers, signatures.SECRET_HEADER: EVOLUTION_SECRET}
    )
    assert by_query.json() == {"messages": 1}
    assert by_header.json() == {"messages": 0}  # the same message, already taken
    assert world.queued_ids() == ["3EB0A0C1D2E3F4A5B6C7"]


async def test_events_that_are_not_messages_are_taken_without_jobs(world: World) -> None:
    body = json.dumps({"event": "session.status", "session": "default", "payload": {}}).encode()
    response = await _post_waha(world, body, signatures.sign_waha(body, HMAC_KEY))
    assert response.json() == {"messages": 0}
    assert world.jobs == []


async def test_unknown_channels_and_malformed_bodies_are_refused(world: World) -> None:
    unknown = await world.api.client.post(_url("nobody"), content=b"{}")
    assert_error(unknown, 404, "channel.not_found")
    body = b"{not json"
    response = await _post_waha(world, body, signatures.sign_waha(body, HMAC_KEY))
    assert_error(response, 400, "webhook.bad_payload")
    assert world.jobs == []


async def test_a_failed_enqueue_lets_the_redelivery_through(world: World) -> None:
    body = _waha_body()
    signature = signatures.sign_waha(body, HMAC_KEY)
    world.queue.fail_next = True
    failed = await _post_waha(world, body, signature)
    assert failed.status_code == 503
    retried = await _post_waha(world, body, signature)
    assert retried.json() == {"messages": 1}


async def test_a_bridge_connected_through_the_api_takes_signed_deliveries() -> None:
    # Given a WAHA session connected with POST /channels (the stored directory, no override).
    queue = RecordingQueue()
    config = http_app.api_settings("memory://")
    async with http_app.running_app(config, overrides={tasks.TaskQueue: queue}) as api:
        admin = await api.tenant_admin()
        connect = {
            "kind": "whatsapp_bridge",
            "provider": "waha",
            "base_url": "http://127.0.0.1:3000",
            "api_key": "waha-api-key-0123456789",
            "session": "default",
            "webhook_secret": HMAC_KEY,
        }
        made = await api.client.post(f"{API}/channels", headers=admin.headers, json=connect)
        assert made.status_code == 201, made.text
        url = _url(made.json()["id"])
        body = _waha_body()
        headers = {"Content-Type": "application/json"}
        forged = {**headers, signatures.HMAC_HEADER: signatures.sign_waha(body, "guess")}
        signed = {**headers, signatures.HMAC_HEADER: signatures.sign_waha(body, HMAC_KEY)}
        # When a forged and then a signed delivery arrive, only the signed one is queued.
        assert_error(
            await api.client.post(url, content=body, headers=forged), 401, "webhook.bad_signature"
        )
        response = await api.client.post(url, content=body, headers=signed)
        assert response.json() == {"messages": 1}
        (job,) = queue.jobs
        queued = inbound_jobs.from_payload(str(job.args[0]))
        assert (queued.tenant_id, queued.channel_id) == (admin.tenant_id, made.json()["id"])
