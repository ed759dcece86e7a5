"""Governance decisions per second on the real Redis: through the adapter vs a raw EVALSHA loop.

The app's governance check (tenant burst rules per minute and per hour plus the daily and
monthly quota reservation) goes through ``RedisGovernanceGate.admit``; the baseline calls the
very same Lua script with redis-py's ``evalsha`` and pre-built arguments, on the same client,
at the same concurrency. Both run in alternating rounds; the script prints both figures, their
ratio (the median of the rounds' ratios; target >= 0.7) and the Redis round trips per
decision, counted on the client (requests sent) and on the server (INFO commandstats deltas,
which also count the commands run inside scripts and those of other clients).

Run: ``.venv/bin/python benchmarks/governance.py`` (or ``nox -s bench``). Environment:
``B2_BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``), ``B2_BENCH_SECONDS`` per round
(default 0.4), ``B2_BENCH_CONCURRENCY`` (default 32). Keys live under their own prefix and
are deleted at the end.
"""

from __future__ import annotations

import asyncio
import os
import platform
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from redis.asyncio import connection as redis_connection

from b2adapters.redis import connection
from b2adapters.redis import governance as redis_governance
from b2adapters.redis.keys import KeySpace
from b2core.ai import limits, quotas
from b2core.shared import ids

URL = os.environ.get("B2_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SECONDS = float(os.environ.get("B2_BENCH_SECONDS", "0.4"))
CONCURRENCY = int(os.environ.get("B2_BENCH_CONCURRENCY", "32"))
ROUNDS = 8
TENANTS = [ids.TenantId(f"bench-tenant-{n}") for n in range(64)]
# Limits high enough that every decision is admitted: the most expensive path of the script.
BURST = (
    limits.RateRule("tenant-minute", 10**7, timedelta(minutes=1)),
    limits.RateRule("tenant-hour", 10**8, timedelta(hours=1)),
)
QUOTA = quotas.QuotaLimits(daily=10**9, monthly=10**9)
TARGET_RATIO = 0.7

Decide = Callable[[int], Awaitable[bool]]


def adapter_decision(gate: redis_governance.RedisGovernanceGate) -> Decide:
    """One decision as the app makes it: windows from the clock, then one ``admit`` call."""

    async def decide(n: int) -> bool:
        windows = quotas.QuotaWindows.at(datetime.now(UTC))
        admission = await gate.admit(TENANTS[n % len(TENANTS)], BURST, windows, QUOTA)
        return admission.admitted

    return decide


def raw_decision(client: Any, keys: KeySpace) -> Decide:
    """The same script by SHA with the adapter's arguments built once per tenant: redis-py only."""
    windows = quotas.QuotaWindows.at(datetime.now(UTC))
    prepared = [
        redis_governance.admission_call(keys, tenant, BURST, windows, QUOTA) for tenant in TENANTS
    ]
    sha = redis_governance.ADMIT.sha
    member = secrets.token_hex(4)

    async def decide(n: int) -> bool:
        names, args = prepared[n % len(prepared)]
        result = await client.evalsha(sha, len(names), *names, f"{member}{n}", *args)
        return bool(result[0] == b"OK")

    return decide


async def measure(decide: Decide, seconds: float) -> tuple[int, int, float]:
    """Decisions made and admitted by CONCURRENCY tasks within ``seconds``, and the time taken."""
    counter = iter(range(10**12))
    deadline = time.perf_counter() + seconds
    done = admitted = 0

    async def worker() -> None:
        nonlocal done, admitted
        while time.perf_counter() < deadline:
            result = await decide(next(counter))  # awaited first: += would race across tasks
            admitted += result
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return done, admitted, time.perf_counter() - started


async def client_round_trips(decide: Decide, decisions: int) -> float:
    """Requests sent to Redis per decision, counted at the connection (a pipeline counts once)."""
    original = redis_connection.AbstractConnection.send_packed_command
    sent = 0

    async def counting(self: Any, command: Any, check_health: bool = True) -> None:
        nonlocal sent
        sent += 1
        await original(self, command, check_health)

    redis_connection.AbstractConnection.send_packed_command = counting  # type: ignore[method-assign]
    try:
        for n in range(decisions):
            await decide(n)
    finally:
        redis_connection.AbstractConnection.send_packed_command = original  # type: ignore[method-assign]
    return sent / decisions


async def server_commands(client: Any) -> dict[str, int]:
    """Calls per command since the server started (INFO commandstats)."""
    stats = await client.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(entry["calls"]) for name, entry in stats.items()}


async def one_round(client: Any, name: str, decide: Decide) -> tuple[float, float]:
    """Measure one path once and print its line: (decisions per second, client CPU us each)."""
    before = await server_commands(client)
    cpu = time.process_time()
    done, admitted, elapsed = await measure(decide, SECONDS)
    cpu_us = (time.process_time() - cpu) / done * 1e6
    after = await server_commands(client)
    changed = {c: n - before.get(c, 0) for c, n in after.items() if c != "info"}
    # Commands run inside a script count in commandstats too; EVALSHA alone is a round trip.
    print(
        f"  {name:<12} {done / elapsed:>9,.0f} decisions/s, {cpu_us:5.1f} us client CPU each, "
        f"{admitted:,}/{done:,} admitted; server per decision: "
        f"{changed.get('evalsha', 0) / done:.2f} EVALSHA, {sum(changed.values()) / done:.1f} "
        "commands in all"
    )
    return done / elapsed, cpu_us


async def run(client: Any, keys: KeySpace) -> None:
    """Warm up, measure both paths in alternating rounds, count round trips, print it all."""
    gate = redis_governance.RedisGovernanceGate(client, keys)
    paths = {"adapter": adapter_decision(gate), "raw evalsha": raw_decision(client, keys)}
    for decide in paths.values():
        await measure(decide, 0.3)  # loads the script, opens the pooled connections
    rates: dict[str, list[float]] = {name: [] for name in paths}
    cpus: dict[str, list[float]] = {name: [] for name in paths}
    for round_ in range(ROUNDS):
        # Alternate which path goes first, so that a drift in the machine's load evens out.
        for name in sorted(paths, reverse=round_ % 2 == 1):
            rate, cpu_us = await one_round(client, name, paths[name])
            rates[name].append(rate)
            cpus[name].append(cpu_us)
    for name in paths:
        print(
            f"{name:<12} {statistics.median(rates[name]):>9,.0f} decisions/s, "
            f"{statistics.median(cpus[name]):5.1f} us client CPU per decision (medians)"
        )
    ratios = [a / r for a, r in zip(rates["adapter"], rates["raw evalsha"], strict=True)]
    ratio = statistics.median(ratios)
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(
        f"ratio adapter/raw: {ratio:.2f} (median of the {ROUNDS} rounds' ratios; {verdict} the "
        f"target >= {TARGET_RATIO}); CPU-time ratio raw/adapter: "
        f"{statistics.median(cpus['raw evalsha']) / statistics.median(cpus['adapter']):.2f}"
    )
    for name, decide in paths.items():
        trips = await client_round_trips(decide, 500)
        print(
            f"round trips per decision, {name}: {trips:.2f} (requests sent, counted on the client)"
        )


async def main() -> None:
    """Print the machine, run the benchmark, delete every key it wrote."""
    prefix = f"b2bench:{os.getpid()}-{secrets.token_hex(3)}:"
    client = connection.connect(URL)
    server = await client.info("server")
    rules = ", ".join(rule.name for rule in BURST)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    print(
        f"python {platform.python_version()}, redis-py {redis.__version__}, "
        f"redis-server {server['redis_version']} at {URL}"
    )
    print(
        f"{CONCURRENCY} concurrent tasks in one process, {SECONDS} s per round, "
        f"{len(TENANTS)} tenants; check: {rules} + daily and monthly quota"
    )
    try:
        await run(client, KeySpace(prefix))
    finally:
        removed = 0
        async for key in client.scan_iter(match=prefix + "*", count=1000):
            removed += await client.delete(key)
        print(f"cleaned up {removed} keys under {prefix}")
        await connection.close(client)


if __name__ == "__main__":
    asyncio.run(main())
