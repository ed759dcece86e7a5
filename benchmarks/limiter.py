"""Per-customer limiter hits per second on the real Redis: b2's sliding log vs ``limits``' window.

b2's per-customer limit goes through ``RedisRateLimiter.hit`` (a sliding-window log: one Lua
script per hit on a list of the last hits, server time, an expiry on every key). The baseline is the
``limits`` library's moving window (``limits.aio.strategies.MovingWindowRateLimiter`` over its
async Redis storage, redis-py implementation), on the same connection pool, the same Redis, the
same concurrency and the same rule. Both run in alternating rounds, for two profiles:

* ``allowing``: 1,000 hits a minute per customer over 1,000 customers: almost every hit passes
  (the write path of both);
* ``refusing``: b2's per-customer rule (10 a minute) over 50 customers: almost every hit is
  refused after the first moments (the read path).

It prints hits per second for each, the ratio b2 / limits (median of the rounds' ratios) and how
many hits each let through. Run: ``.venv/bin/python benchmarks/limiter.py``. Environment:
``B2_BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``), ``B2_BENCH_SECONDS`` per round
(default 0.4), ``B2_BENCH_CONCURRENCY`` (default 32). Keys live under their own prefix and are
deleted at the end, also after an error.
"""

from __future__ import annotations

import asyncio
import os
import platform
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import limits
import redis
from limits.aio import storage as limits_storage
from limits.aio import strategies as limits_strategies

from b2adapters.redis import connection
from b2adapters.redis import governance as redis_governance
from b2adapters.redis.keys import KeySpace
from b2core.ai import limits as b2_limits
from b2core.shared import ids

URL = os.environ.get("B2_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SECONDS = float(os.environ.get("B2_BENCH_SECONDS", "0.4"))
CONCURRENCY = int(os.environ.get("B2_BENCH_CONCURRENCY", "32"))
ROUNDS = 6
TENANT = ids.TenantId("bench-tenant")

Hit = Callable[[int], Awaitable[bool]]


def b2_hit(limiter: redis_governance.RedisRateLimiter, rule: b2_limits.RateRule, n: int) -> Hit:
    """One per-customer hit as the pipeline makes it, over ``n`` customers."""
    keys = [b2_limits.customer_key(TENANT, f"customer-{c}", rule) for c in range(n)]

    async def hit(i: int) -> bool:
        allowed, _ = await limiter.hit(keys[i % n], rule)
        return allowed

    return hit


def limits_hit(strategy: Any, rule: b2_limits.RateRule, n: int) -> Hit:
    """The same rule as a ``limits`` item, hit with (tenant, customer) identifiers."""
    item = limits.RateLimitItemPerSecond(rule.limit, int(rule.window.total_seconds()))
    customers = [f"customer-{c}" for c in range(n)]

    async def hit(i: int) -> bool:
        return bool(await strategy.hit(item, TENANT, customers[i % n]))

    return hit


async def measure(hit: Hit, seconds: float) -> tuple[int, int, float]:
    """Hits made and allowed by CONCURRENCY tasks within ``seconds``, and the time taken."""
    counter = iter(range(10**12))
    deadline = time.perf_counter() + seconds
    done = allowed = 0

    async def worker() -> None:
        nonlocal done, allowed
        while time.perf_counter() < deadline:
            result = await hit(next(counter))  # awaited first: += would race across tasks
            allowed += result
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return done, allowed, time.perf_counter() - started


async def run_profile(name: str, paths: dict[str, Hit]) -> None:
    """Warm both paths up, then measure them in alternating rounds and print the medians."""
    for hit in paths.values():
        await measure(hit, 0.2)  # loads the scripts, opens the pooled connections
    rates: dict[str, list[float]] = {path: [] for path in paths}
    passed: dict[str, list[float]] = {path: [] for path in paths}
    for round_ in range(ROUNDS):
        # Alternate which path goes first, so that a drift in the machine's load evens out.
        for path in sorted(paths, reverse=round_ % 2 == 1):
            done, allowed, elapsed = await measure(paths[path], SECONDS)
            rates[path].append(done / elapsed)
            passed[path].append(allowed / done)
    print(f"profile {name}:")
    for path in paths:
        print(
            f"  {path:<22} {statistics.median(rates[path]):>9,.0f} hits/s, "
            f"{statistics.median(passed[path]):6.1%} allowed (medians of {ROUNDS} rounds)"
        )
    b2, baseline = (rates[path] for path in paths)
    ratio = statistics.median(a / b for a, b in zip(b2, baseline, strict=True))
    print(f"  ratio b2 / limits: {ratio:.2f} (median of the rounds' ratios)")


async def run(client: Any, prefix: str) -> None:
    """Both profiles, each on fresh rule names so that neither sees the other's keys."""
    limiter = redis_governance.RedisRateLimiter(client, KeySpace(prefix))
    storage = limits_storage.RedisStorage(
        URL if URL.startswith("async+") else "async+" + URL,
        implementation="redispy",
        key_prefix=prefix + "limits",
        connection_pool=client.connection_pool,
    )
    strategy = limits_strategies.MovingWindowRateLimiter(storage)
    profiles = {
        "allowing": (b2_limits.RateRule("bench-allow", 1000, timedelta(minutes=1)), 1000),
        "refusing": (b2_limits.PER_CUSTOMER, 50),
    }
    for name, (rule, customers) in profiles.items():
        paths = {
            "b2 RedisRateLimiter": b2_hit(limiter, rule, customers),
            "limits moving window": limits_hit(strategy, rule, customers),
        }
        await run_profile(f"{name} ({rule.limit} per {rule.window}, {customers} customers)", paths)


async def main() -> None:
    """Print the machine, run the benchmark, delete every key it wrote."""
    prefix = f"b2bench:{os.getpid()}-{secrets.token_hex(3)}:"
    client = connection.connect(URL)
    server = await client.info("server")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    print(
        f"python {platform.python_version()}, redis-py {redis.__version__}, "
        f"limits {limits.__version__}, redis-server {server['redis_version']} at {URL}"
    )
    print(f"{CONCURRENCY} concurrent tasks in one process, {SECONDS} s per round")
    try:
        await run(client, prefix)
    finally:
        removed = 0
        async for key in client.scan_iter(match=prefix + "*", count=1000):
            removed += await client.delete(key)
        print(f"cleaned up {removed} keys under {prefix}")
        await connection.close(client)


if __name__ == "__main__":
    asyncio.run(main())
