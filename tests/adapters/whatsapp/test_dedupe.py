"""Replay protection: an event key passes once per tenant for 7 days, on memory and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from b2adapters.memory import clock as memory_clock
from b2adapters.redis import connection, keys
from b2adapters.whatsapp import dedupe


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def deduper(
    request: pytest.FixtureRequest,
) -> AsyncIterator[dedupe.WebhookDeduper]:
    if request.param == "memory":
        yield dedupe.InMemoryWebhookDeduper(memory_clock.ManualClock())
        return
    client = connection.connect(request.getfixturevalue("redis_url"))
    prefix = request.getfixturevalue("redis_prefix")
    try:
        yield dedupe.RedisWebhookDeduper(client, keys.KeySpace(prefix))
    finally:
        await connection.close(client)


async def test_a_key_passes_once_per_tenant(deduper: dedupe.WebhookDeduper) -> None:
    key = f"msg:wa-1:wamid.{id(deduper)}"
    assert await deduper.first_seen("tenant-a", key)
    assert not await deduper.first_seen("tenant-a", key)
    assert await deduper.first_seen("tenant-b", key)  # another tenant's space


async def test_a_forgotten_key_passes_again(deduper: dedupe.WebhookDeduper) -> None:
    key = f"msg:wa-1:{{odd}} id {id(deduper)}"  # free-form ids are digested
    assert await deduper.first_seen("tenant-a", key)
    await deduper.forget("tenant-a", key)
    assert await deduper.first_seen("tenant-a", key)


async def test_memory_keys_expire_after_seven_days() -> None:
    clock = memory_clock.ManualClock()
    deduper = dedupe.InMemoryWebhookDeduper(clock)
    assert await deduper.first_seen("t", "k")
    clock.advance(dedupe.REMEMBER_FOR - timedelta(seconds=1))
    assert not await deduper.first_seen("t", "k")
    clock.advance(timedelta(seconds=2))
    assert await deduper.first_seen("t", "k")


@pytest.mark.redis
async def test_redis_keys_carry_the_tenant_tag_and_a_week_of_expiry(
    redis_url: str, redis_prefix: str
) -> None:
    client = connection.connect(redis_url)
    space = keys.KeySpace(redis_prefix)
    try:
        deduper = dedupe.RedisWebhookDeduper(client, space)
        assert await deduper.first_seen("tenant-ttl", "status:wa:x:READ")
        key = space.tenant("tenant-ttl", "wa-seen", keys.digest("status:wa:x:READ"))
        assert "{t:tenant-ttl}" in key
        ttl = await client.ttl(key)
        assert 604_000 < ttl <= 604_800
    finally:
        await connection.close(client)
