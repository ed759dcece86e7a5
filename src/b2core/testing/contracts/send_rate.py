"""Contract of ``SendRate``: token buckets that never over-grant, even under concurrent workers.

Star-import it into a test module that defines a module-scoped fixture ``send_rates``
returning an object with one factory::

    async def send_rate() -> SendRate   # real time: buckets refill as the seconds pass

    from b2core.testing.contracts.send_rate import *  # noqa: F403

Refills are exercised with real waiting of well under a second.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from datetime import timedelta
from typing import Any

import pytest

from b2core.conversations import ports
from b2core.shared import errors

__all__ = [
    "pytestmark",
    "test_a_full_bucket_grants_its_burst_at_once",
    "test_an_empty_bucket_says_how_long_to_wait",
    "test_buckets_are_independent",
    "test_concurrent_acquirers_never_get_more_than_burst_plus_rate",
    "test_the_bucket_refills_at_its_rate",
    "test_unusable_arguments_are_refused",
]

pytestmark = pytest.mark.anyio
_counter = itertools.count()
# How late a caller may see a grant after the store made it (round trip, event loop turns).
LATENESS_S = 0.05


def _unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}-{id(_counter)}"


async def _store(send_rates: Any) -> ports.SendRate:
    store: ports.SendRate = await send_rates.send_rate()
    return store


async def test_a_full_bucket_grants_its_burst_at_once(send_rates: Any) -> None:
    store = await _store(send_rates)
    key = _unique("number")
    waits = [await store.acquire(key, 0.5, 3) for _ in range(3)]
    assert waits == [timedelta(0)] * 3


async def test_an_empty_bucket_says_how_long_to_wait(send_rates: Any) -> None:
    store = await _store(send_rates)
    key = _unique("number")
    assert await store.acquire(key, 2.0, 1) == timedelta(0)
    wait = await store.acquire(key, 2.0, 1)
    assert timedelta(0) < wait <= timedelta(milliseconds=500)
    again = await store.acquire(key, 2.0, 1)  # asking took nothing: the wait only shrinks
    assert timedelta(0) < again <= wait


async def test_the_bucket_refills_at_its_rate(send_rates: Any) -> None:
    store = await _store(send_rates)
    key = _unique("number")
    assert await store.acquire(key, 20.0, 1) == timedelta(0)
    wait = await store.acquire(key, 20.0, 1)
    assert timedelta(0) < wait <= timedelta(milliseconds=50)
    await asyncio.sleep(wait.total_seconds() + 0.01)
    assert await store.acquire(key, 20.0, 1) == timedelta(0)


async def test_buckets_are_independent(send_rates: Any) -> None:
    store = await _store(send_rates)
    first, second = _unique("number"), _unique("number")
    assert await store.acquire(first, 0.1, 1) == timedelta(0)
    assert await store.acquire(first, 0.1, 1) > timedelta(0)
    assert await store.acquire(second, 0.1, 1) == timedelta(0)


async def test_concurrent_acquirers_never_get_more_than_burst_plus_rate(
    send_rates: Any,
) -> None:
    # Given 20 workers hammering one bucket of 5 tokens refilled at 20 a second
    store, key = await _store(send_rates), _unique("number")
    rate, burst, granted = 20.0, 5, []
    deadline = time.monotonic() + 0.4

    async def worker() -> None:
        while time.monotonic() < deadline:
            wait = await store.acquire(key, rate, burst)
            if wait == timedelta(0):
                granted.append(time.monotonic())
            else:
                await asyncio.sleep(min(wait.total_seconds(), 0.005))

    await asyncio.gather(*(worker() for _ in range(20)))
    # Then over every interval between two grants, at most burst + rate * interval were given
    granted.sort()
    for i, j in itertools.combinations(range(len(granted)), 2):
        allowed = burst + rate * (granted[j] - granted[i] + LATENESS_S)
        assert j - i + 1 <= math.floor(allowed + 1e-9), (j - i + 1, allowed)
    assert len(granted) >= burst  # and the bucket did give what it had


async def test_unusable_arguments_are_refused(send_rates: Any) -> None:
    store = await _store(send_rates)
    for key, rate, burst in [
        ("", 1.0, 1),
        ("k", 0.0, 1),
        ("k", -1.0, 1),
        ("k", math.inf, 1),
        ("k", math.nan, 1),
        ("k", 1.0, 0),
        ("k", 1.0, True),
    ]:
        with pytest.raises(errors.InvalidInput) as refused:
            await store.acquire(key, rate, burst)
        assert refused.value.code == "send_rate.bad_bucket"
