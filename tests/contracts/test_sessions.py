"""The session stores' contract, on the in-memory adapters and on the real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import attrs
import pytest

from b2adapters.memory import sessions as memory_sessions
from b2adapters.redis import connection
from b2adapters.redis import sessions as redis_sessions
from b2adapters.redis.keys import KeySpace
from b2adapters.system import SystemClock
from b2core.testing.contracts.sessions import *  # noqa: F403


@attrs.frozen
class _Stores:
    revocations: Any
    throttle: Any


@pytest.fixture(scope="module", params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def session_stores(
    request: pytest.FixtureRequest, anyio_backend: str
) -> AsyncIterator[_Stores]:
    if request.param == "memory":

        async def memory_revocations() -> Any:
            return memory_sessions.InMemoryTokenRevocations(SystemClock())

        async def memory_throttle(limit: int, window: timedelta, lock: timedelta) -> Any:
            return memory_sessions.InMemoryLoginThrottle(
                SystemClock(), limit=limit, window=window, lock=lock
            )

        yield _Stores(memory_revocations, memory_throttle)
        return
    url = request.getfixturevalue("redis_url")
    keys = KeySpace(request.getfixturevalue("redis_prefix") + "sessions:")
    client = connection.connect(url)

    async def redis_revocations() -> Any:
        return redis_sessions.RedisTokenRevocations(client, keys)

    async def redis_throttle(limit: int, window: timedelta, lock: timedelta) -> Any:
        return redis_sessions.RedisLoginThrottle(
            client, keys, limit=limit, window=window, lock=lock
        )

    yield _Stores(redis_revocations, redis_throttle)
    await connection.close(client)
