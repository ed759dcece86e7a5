"""Redis dies under a stream of customer messages, then comes back: nothing is lost.

The app runs on SQLite with a private ``redis-server`` (governance counters, limiters, token
revocations, login throttle, webhook dedupe) that the test SIGKILLs and restarts on the same
port, without restarting the app. Jobs run on the embedded in-process broker, so a message
already accepted (in the queue) when Redis dies is still there to be processed.

Observed behaviour (see docs/reliability.md): every Redis-backed check fails closed. The API
refuses authenticated calls with a 503 error envelope (the revocation check cannot run) and
writes nothing; ``/ready`` reports ``redis`` as failing; a queued inbound job stores the
message, then stops at the rate limiter and is retried with backoff (no fallback is sent,
the reply is deferred); once Redis is back the retry answers with the AI, once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import attrs
import pytest

from b2adapters.simulator import channel as simulator
from b2app.workers import inbound as inbound_jobs
from b2core.conversations import channel
from b2core.shared import ids, tasks, time
from tests.support import faults, http_app
from tests.support.http_app import HttpApp

pytestmark = [pytest.mark.slow, pytest.mark.redis]

SERVICE = {
    "name": "Chocolate Cake",
    "description": "A rich chocolate cake for 8 people.",
    "price_minor": 250000,
    "currency": "PKR",
    "active": True,
}
QUESTION = "Tell me about the chocolate cake"
AI_REPLY_MARK = "Chocolate Cake: PKR 2,500"
BURST = 3


async def _send(api: HttpApp, headers: dict[str, str], customer: str) -> int:
    """Play one customer message through the API; a refusal must be a clean error envelope."""
    response = await api.client.post(
        "/api/v1/channels/simulator/inbound",
        json={"customer_id": customer, "text": QUESTION},
        headers=headers,
    )
    if response.status_code != 202:
        http_app.assert_error(response, 503, "redis.unavailable")
    return response.status_code


async def _enqueue(api: HttpApp, tenant_id: str, customer: str) -> None:
    """Queue an inbound job as the simulator route does (a message accepted before the cut)."""
    clock: time.Clock = api.container.resolve(time.Clock)
    new_id: ids.IdGenerator = api.container.resolve(ids.IdGenerator)
    message = channel.InboundMessage(
        tenant_id=ids.TenantId(tenant_id),
        channel_id=simulator.CHANNEL_ID,
        customer_id=customer,
        provider_message_id=f"sim-in.{new_id.new()}",
        timestamp=clock.now(),
        text=QUESTION,
    )
    queue: tasks.TaskQueue = api.container.resolve(tasks.TaskQueue)
    await queue.enqueue(inbound_jobs.inbound_job(message))


def _sent(api: HttpApp, tenant_id: str) -> dict[str, list[str]]:
    """What the simulator channel sent, per customer (read in-process: needs no Redis)."""
    box: simulator.SimulatorOutbox = api.container.resolve(simulator.SimulatorOutbox)
    found: dict[str, list[str]] = {}
    for item in box.sent(ids.TenantId(tenant_id)):
        found.setdefault(item.customer_id, []).append(item.text or "")
    return found


async def _wait_for_replies(api: HttpApp, tenant_id: str, customers: set[str]) -> None:
    for _ in range(300):
        if customers <= set(_sent(api, tenant_id)):
            return
        await asyncio.sleep(0.05)
    missing = customers - set(_sent(api, tenant_id))
    raise AssertionError(f"no reply for {sorted(missing)}")


async def _stored_inbound(api: HttpApp, headers: dict[str, str]) -> dict[str, int]:
    """Inbound messages stored per customer, read through the API."""
    listed = await api.client.get("/api/v1/conversations?limit=100", headers=headers)
    assert listed.status_code == 200, listed.text
    counts: dict[str, int] = {}
    for conversation in listed.json()["items"]:
        page = await api.client.get(
            f"/api/v1/conversations/{conversation['conversation_id']}/messages?limit=100",
            headers=headers,
        )
        assert page.status_code == 200, page.text
        inbound = [m for m in page.json()["items"] if m["direction"] == "INBOUND"]
        counts[conversation["customer_id"]] = len(inbound)
    return counts


async def test_inbound_survives_a_redis_crash_and_the_ai_recovers(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'b2.db'}"
    await http_app.migrate(url)
    with faults.private_redis() as redis:
        config = attrs.evolve(
            http_app.api_settings(url, redis_url=redis.url, redis_prefix="fault:"),
            in_process_worker=True,
        )
        async with http_app.running_app(config) as api:
            admin = await api.tenant_admin()
            tenant = admin.tenant_id
            assert tenant is not None
            created = await api.client.post("/api/v1/services", json=SERVICE, headers=admin.headers)
            assert created.status_code == 201, created.text

            before = {f"before-{i}" for i in range(BURST)}
            for customer in sorted(before):
                assert await _send(api, admin.headers, customer) == 202
            await _wait_for_replies(api, tenant, before)

            redis.kill()
            refused = {f"down-{i}" for i in range(BURST)}
            for customer in sorted(refused):
                assert await _send(api, admin.headers, customer) == 503
            ready = await api.client.get("/ready")
            assert ready.status_code == 503, ready.text
            assert ready.json()["checks"]["redis"] != "ok"
            assert ready.json()["checks"]["database"] == "ok"
            queued = {f"queued-{i}" for i in range(BURST)}
            for customer in sorted(queued):
                await _enqueue(api, tenant, customer)
            await asyncio.sleep(0.3)  # the first attempts run and fail at the limiter
            assert not queued & set(_sent(api, tenant)), "no reply may go out without Redis"

            redis.start()  # same port, empty: the app reconnects by itself
            after = {f"after-{i}" for i in range(BURST)}
            for customer in sorted(after):
                assert await _send(api, admin.headers, customer) == 202
            await _wait_for_replies(api, tenant, before | queued | after)
            assert (await api.client.get("/ready")).status_code == 200

            sent = _sent(api, tenant)
            for customer in before | queued | after:
                (reply,) = sent[customer]  # answered once, by the AI, not a fallback
                assert AI_REPLY_MARK in reply, reply
            stored = await _stored_inbound(api, admin.headers)
            assert stored == dict.fromkeys(before | queued | after, 1)
            assert not refused & set(stored), "a refused request wrote nothing"
