"""/metrics: business counters move when a simulated customer writes, queue depth is read live."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import attrs
import pytest
from prometheus_client.parser import text_string_to_metric_families

from b2app import observability, settings
from b2app.workers import actors
from b2core.shared import tasks
from tests.support import http_app
from tests.support.http_app import API, HttpApp, Session

# The counters are the same code on every backend; one backend keeps the suite fast.
ON_MEMORY = pytest.mark.parametrize("api_config", ["memory"], indirect=True)

SERVICE = {
    "name": "Chocolate Cake",
    "description": "A rich chocolate cake for 8 people.",
    "price_minor": 250000,
    "currency": "PKR",
    "active": True,
}


@pytest.fixture
async def api(api_config: settings.Settings) -> AsyncIterator[HttpApp]:
    """The app with its embedded worker, so simulated messages run the whole pipeline."""
    config = attrs.evolve(api_config, in_process_worker=True)
    async with http_app.running_app(config) as running:
        yield running


async def scrape(api: HttpApp) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of ``/metrics`` by name and sorted labels."""
    response = await api.client.get("/metrics")
    assert response.status_code == 200, response.text
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    """One sample's value, 0 when absent (a counter never incremented has no series)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def wait_for_outbox(api: HttpApp, who: Session, count: int) -> None:
    """Poll the simulator outbox until it holds ``count`` messages."""
    for _ in range(200):
        response = await api.client.get(f"{API}/channels/simulator/outbox", headers=who.headers)
        if len(response.json()["items"]) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the outbox never reached {count} messages")


async def say(api: HttpApp, who: Session, customer: str, text: str) -> None:
    """A simulated customer writes ``text``."""
    response = await api.client.post(
        f"{API}/channels/simulator/inbound",
        json={"customer_id": customer, "text": text},
        headers=who.headers,
    )
    assert response.status_code == 202, response.text


@ON_MEMORY
async def test_a_simulated_message_moves_the_business_counters(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    created = await api.client.post(f"{API}/services", json=SERVICE, headers=admin.headers)
    assert created.status_code == 201, created.text
    before = await scrape(api)
    await say(api, admin, "cust-m1", "Tell me about the chocolate cake")
    await wait_for_outbox(api, admin, 1)
    # The send is counted once the worker finished it; the outbox shows it first.
    for _ in range(100):
        after = await scrape(api)
        if value(after, "b2_sends_total", channel_kind="simulator", outcome="sent") > value(
            before, "b2_sends_total", channel_kind="simulator", outcome="sent"
        ):
            break
        await asyncio.sleep(0.05)
    assert value(after, "b2_pipeline_messages_total", outcome="REPLIED") == (
        value(before, "b2_pipeline_messages_total", outcome="REPLIED") + 1
    )
    assert value(after, "b2_pipeline_duration_seconds_count", outcome="REPLIED") == (
        value(before, "b2_pipeline_duration_seconds_count", outcome="REPLIED") + 1
    )
    assert value(after, "b2_sends_total", channel_kind="simulator", outcome="sent") == (
        value(before, "b2_sends_total", channel_kind="simulator", outcome="sent") + 1
    )
    assert value(after, "b2_llm_calls_total", outcome="ok") >= (
        value(before, "b2_llm_calls_total", outcome="ok") + 1
    )


@ON_MEMORY
async def test_a_blocked_message_counts_its_reason(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    off = await api.client.patch(
        f"{API}/ai/settings", json={"ai_enabled": False}, headers=admin.headers
    )
    assert off.status_code == 200, off.text
    before = await scrape(api)
    await say(api, admin, "cust-m2", "hello?")
    for _ in range(200):
        after = await scrape(api)
        if value(after, "b2_pipeline_messages_total", outcome="BLOCKED") > value(
            before, "b2_pipeline_messages_total", outcome="BLOCKED"
        ):
            break
        await asyncio.sleep(0.05)
    assert value(after, "b2_ai_blocks_total", reason="TENANT_AI_OFF") == (
        value(before, "b2_ai_blocks_total", reason="TENANT_AI_OFF") + 1
    )
    assert value(after, "b2_pipeline_messages_total", outcome="REPLIED") == value(
        before, "b2_pipeline_messages_total", outcome="REPLIED"
    )


@ON_MEMORY
async def test_queue_depth_is_read_from_the_broker_at_scrape_time(
    api_config: settings.Settings,
) -> None:
    # No embedded worker: queued jobs stay in the queue, so the gauge must show them.
    async with http_app.running_app(api_config) as api:
        queue: tasks.TaskQueue = api.container.resolve(tasks.TaskQueue)
        before = value(
            await scrape(api), "b2_queue_depth", queue=actors.PLATFORM_QUEUE, state="ready"
        )
        await queue.enqueue(actors.ping_job("depth-1"))
        await queue.enqueue(actors.ping_job("depth-2"))
        after = value(
            await scrape(api), "b2_queue_depth", queue=actors.PLATFORM_QUEUE, state="ready"
        )
        assert after == before + 2


def test_queue_depths_skip_dead_letters_and_split_delayed() -> None:
    from dramatiq.brokers.stub import StubBroker

    broker = StubBroker()
    broker.declare_queue("jobs")
    broker.queues["jobs"].put(b"x")
    broker.queues["jobs.DQ"].put(b"y")
    broker.queues["jobs.DQ"].put(b"z")
    depths = set(observability.queue_depths(broker))
    assert depths == {("jobs", "ready", 1), ("jobs", "delayed", 2)}


@pytest.mark.redis
def test_queue_depths_of_a_redis_broker(redis_url: str, redis_prefix: str) -> None:
    import dramatiq

    from b2adapters.dramatiq import broker as dramatiq_broker

    namespace = f"{redis_prefix}depth-{secrets.token_hex(4)}"
    broker = dramatiq_broker.build_broker(redis_url, namespace=namespace)
    try:
        broker.declare_queue("jobs")
        for n in range(3):
            broker.enqueue(dramatiq.Message("jobs", "noop", (n,), {}, {}))
        broker.enqueue(dramatiq.Message("jobs", "noop", (9,), {}, {}), delay=60_000)
        assert set(observability.queue_depths(broker)) == {
            ("jobs", "ready", 3),
            ("jobs", "delayed", 1),
        }
    finally:
        broker.flush_all()
        broker.close()
