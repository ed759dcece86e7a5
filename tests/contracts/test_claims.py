"""The session claims' contract, on the in-memory adapter and on the real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import attrs
import pytest

from b2adapters.memory import claims as memory_claims
from b2adapters.redis import claims as redis_claims
from b2adapters.redis import connection
from b2adapters.redis.keys import KeySpace, digest
from b2adapters.system import SystemClock
from b2core.testing.contracts.claims import *  # noqa: F403


@attrs.frozen
class _Stores:
    claims: Any


@pytest.fixture(scope="module", params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def claim_stores(
    request: pytest.FixtureRequest, anyio_backend: str
) -> AsyncIterator[_Stores]:
    if request.param == "memory":
        store = memory_claims.InMemorySessionClaims(SystemClock())

        async def memory_store() -> Any:
            return store

        yield _Stores(memory_store)
        return
    url = request.getfixturevalue("redis_url")
    keys = KeySpace(request.getfixturevalue("redis_prefix") + "claims:")
    client = connection.connect(url)

    async def redis_store() -> Any:
        return redis_claims.RedisSessionClaims(client, keys)

    yield _Stores(redis_store)
    await connection.close(client)


@pytest.mark.redis
async def test_every_redis_claim_carries_an_expiry(redis_url: str, redis_prefix: str) -> None:
    keys = KeySpace(redis_prefix + "claims-ttl:")
    client = connection.connect(redis_url)
    try:
        store = redis_claims.RedisSessionClaims(client, keys)
        stored = keys.plain("claim", digest("tenant-1:bridge"))
        assert await store.claim("tenant-1:bridge", "worker-a", timedelta(seconds=30))
        assert 0 < await client.pttl(stored) <= 30_000
        assert await store.renew("tenant-1:bridge", "worker-a", timedelta(seconds=60))
        assert 30_000 < await client.pttl(stored) <= 60_000
        assert await store.claim("tenant-1:bridge", "worker-a", timedelta(seconds=5))
        assert 0 < await client.pttl(stored) <= 5_000
    finally:
        await connection.close(client)
