"""The send rate's contract, on the in-memory adapter and on the real Redis; and their expiry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import attrs
import pytest

from b2adapters.memory import send_rate as memory_send_rate
from b2adapters.memory.clock import ManualClock
from b2adapters.redis import connection
from b2adapters.redis import send_rate as redis_send_rate
from b2adapters.redis.keys import KeySpace
from b2adapters.system import SystemClock
from b2core.testing.contracts.send_rate import *  # noqa: F403


@attrs.frozen
class _Stores:
    send_rate: Any


@pytest.fixture(scope="module", params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def send_rates(request: pytest.FixtureRequest, anyio_backend: str) -> AsyncIterator[_Stores]:
    if request.param == "memory":
        store = memory_send_rate.InMemorySendRate(SystemClock())

        async def memory_store() -> Any:
            return store

        yield _Stores(memory_store)
        return
    url = request.getfixturevalue("redis_url")
    keys = KeySpace(request.getfixturevalue("redis_prefix") + "sendrate:")
    client = connection.connect(url)

    async def redis_store() -> Any:
        return redis_send_rate.RedisSendRate(client, keys)

    yield _Stores(redis_store)
    await connection.close(client)


@pytest.mark.redis
async def test_every_redis_bucket_expires_when_it_would_be_full(
    redis_url: str, redis_prefix: str
) -> None:
    client = connection.connect(redis_url)
    try:
        store = redis_send_rate.RedisSendRate(client, KeySpace(redis_prefix + "sendrate-ttl:"))
        assert await store.acquire("t1:number", 10.0, 5) == timedelta(0)
        # One token short of 5 at 10 a second: full again within 100 ms.
        assert 0 < await client.pttl(store.key("t1:number")) <= 100
        for _ in range(5):
            await store.acquire("t1:number", 10.0, 5)
        assert 0 < await client.pttl(store.key("t1:number")) <= 500
        assert await store.acquire("t1:recipient", 1 / 6, 1) == timedelta(0)
        assert 5_000 < await client.pttl(store.key("t1:recipient")) <= 6_000
    finally:
        await connection.close(client)


async def test_memory_buckets_vanish_once_full_again() -> None:
    clock = ManualClock()
    store = memory_send_rate.InMemorySendRate(clock)
    assert await store.acquire("t1:recipient", 1 / 6, 1) == timedelta(0)
    assert len(store) == 1
    clock.advance(timedelta(seconds=5))
    assert await store.acquire("t1:recipient", 1 / 6, 1) == timedelta(seconds=1)
    assert len(store) == 1
    clock.advance(timedelta(seconds=1))
    assert len(store) == 0
    assert await store.acquire("t1:recipient", 1 / 6, 1) == timedelta(0)
