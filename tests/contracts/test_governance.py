"""The governance stores' contract on memory and the real Redis, plus each one's expiry checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from b2adapters.memory import clock as memory_clock
from b2adapters.memory import governance as memory_governance
from b2adapters.redis import connection
from b2adapters.redis import governance as redis_governance
from b2adapters.redis.keys import KeySpace
from b2adapters.system import SystemClock
from b2core.ai import limits, quotas
from b2core.shared import ids
from b2core.testing import contracts
from b2core.testing.contracts.governance import *  # noqa: F403
from b2core.testing.contracts.governance import GovernanceAdapters, GovernanceFactory


@pytest.fixture(scope="module", params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def governance_factory(
    request: pytest.FixtureRequest, anyio_backend: str
) -> AsyncIterator[GovernanceFactory]:
    if request.param == "memory":

        async def memory() -> GovernanceAdapters:
            ledger = memory_governance.InMemoryQuotaLedger(SystemClock())
            limiter = memory_governance.InMemoryRateLimiter(SystemClock())
            gate = memory_governance.InMemoryGovernanceGate(ledger, limiter)
            return GovernanceAdapters(ledger, limiter, gate)

        yield memory
        return
    keys = KeySpace(request.getfixturevalue("redis_prefix") + "governance:")
    client = connection.connect(request.getfixturevalue("redis_url"))

    async def redis() -> GovernanceAdapters:
        return GovernanceAdapters(
            redis_governance.RedisQuotaLedger(client, keys),
            redis_governance.RedisRateLimiter(client, keys),
            redis_governance.RedisGovernanceGate(client, keys),
        )

    yield redis
    await connection.close(client)


# --- Redis only: keys, expiries and round trips -------------------------------------------

NOW_WINDOWS = quotas.QuotaWindows.at(datetime.now(UTC))
FUTURE_WINDOWS = quotas.QuotaWindows.at(datetime(2031, 1, 15, tzinfo=UTC))
PAST_WINDOWS = quotas.QuotaWindows.at(datetime(2026, 1, 15, tzinfo=UTC))
MARGIN = redis_governance.EXPIRY_MARGIN
RULES = (
    limits.RateRule("tenant-minute", 3, timedelta(minutes=1)),
    limits.RateRule("tenant-hour", 5, timedelta(hours=1)),
)


@pytest.fixture(scope="module")
async def redis_env(anyio_backend: str, redis_url: str, redis_prefix: str) -> AsyncIterator[Any]:
    keys = KeySpace(redis_prefix + "governance-keys:")
    client = connection.connect(redis_url, decode_responses=True)
    yield client, keys
    await connection.close(client)


async def _write_everything(client: Any, keys: KeySpace, tenant: ids.TenantId) -> None:
    ledger = redis_governance.RedisQuotaLedger(client, keys)
    limiter = redis_governance.RedisRateLimiter(client, keys)
    gate = redis_governance.RedisGovernanceGate(client, keys)
    limit = quotas.QuotaLimits(daily=3, monthly=5)
    for windows in (NOW_WINDOWS, FUTURE_WINDOWS, PAST_WINDOWS):
        for _ in range(4):  # the last one is refused
            outcome = await ledger.reserve(tenant, windows, limit)
        assert not isinstance(outcome, quotas.Reservation)
        admission = await gate.admit(tenant, RULES, windows, quotas.QuotaLimits(9, 9))
        assert isinstance(admission.quota, quotas.Reservation)
        assert await ledger.refund(admission.quota)
    for _ in range(4):
        await limiter.hit(limits.customer_key(tenant, "+1 (555) {x}", RULES[0]), RULES[0])
    await limiter.hit("login:someone@example.com", RULES[0])


@pytest.mark.redis
async def test_every_key_written_carries_a_bounded_expiry(redis_env: Any) -> None:
    client, keys = redis_env
    tenant = ids.TenantId(contracts.unique_id())
    await _write_everything(client, keys, tenant)
    written = [key async for key in client.scan_iter(match=keys.prefix + "*", count=500)]
    # 3 x (two counters + refund mark) + two burst logs + the customer's and the plain log.
    assert len(written) == 13
    longest = timedelta(days=31) + MARGIN  # the longest window, a monthly one
    for key in written:
        ttl = await client.pttl(key)
        assert 0 < ttl <= longest / timedelta(milliseconds=1), key
        if ":rate:" in key:
            assert ttl <= 60 * 60 * 1000, key
    tenant_keys = [key for key in written if "{" in key]
    assert len(tenant_keys) == 12
    assert all(key.startswith(keys.prefix + "{t:" + tenant + "}:") for key in tenant_keys)


@pytest.mark.redis
async def test_past_windows_expire_after_the_margin_only(redis_env: Any) -> None:
    client, keys = redis_env
    tenant = ids.TenantId(contracts.unique_id())
    ledger = redis_governance.RedisQuotaLedger(client, keys)
    await ledger.reserve(tenant, PAST_WINDOWS, quotas.QuotaLimits(1, 1))
    ttl = await client.pttl(keys.tenant(tenant, "quota", PAST_WINDOWS.daily.id))
    assert MARGIN - timedelta(seconds=5) < ttl * timedelta(milliseconds=1) <= MARGIN


@pytest.mark.redis
async def test_a_key_found_without_expiry_is_given_one(redis_env: Any) -> None:
    client, keys = redis_env
    tenant = ids.TenantId(contracts.unique_id())
    limiter = redis_governance.RedisRateLimiter(client, keys)
    ledger = redis_governance.RedisQuotaLedger(client, keys)
    rule = RULES[0]
    key = limits.tenant_key(tenant, rule)
    counter = keys.tenant(tenant, "quota", NOW_WINDOWS.daily.id)
    for _ in range(rule.limit):
        await limiter.hit(key, rule)
    await ledger.reserve(tenant, NOW_WINDOWS, quotas.QuotaLimits(1, 1))
    log = redis_governance.rate_key(keys, key)
    for stored in (log, counter):
        await client.persist(stored)
        assert await client.pttl(stored) == -1
    assert not (await limiter.hit(key, rule))[0]  # refused, still it restores the expiry
    assert await ledger.reserve(tenant, NOW_WINDOWS, quotas.QuotaLimits(1, 1))
    for stored in (log, counter):
        assert await client.pttl(stored) > 0


@pytest.mark.redis
async def test_each_decision_is_one_round_trip(redis_env: Any) -> None:
    client, keys = redis_env
    sent: list[str] = []
    original = client.execute_command

    async def counting(*args: Any, **options: Any) -> Any:
        sent.append(str(args[0]).upper())
        return await original(*args, **options)

    tenant = ids.TenantId(contracts.unique_id())
    gate = redis_governance.RedisGovernanceGate(client, keys)
    ledger = redis_governance.RedisQuotaLedger(client, keys)
    limiter = redis_governance.RedisRateLimiter(client, keys)
    limit = quotas.QuotaLimits(5, 5)
    # Scripts load once per runner; count the calls after that.
    await gate.admit(tenant, RULES, NOW_WINDOWS, limit)
    first = await ledger.reserve(tenant, NOW_WINDOWS, limit)
    await limiter.hit(limits.tenant_key(tenant, RULES[0]), RULES[0])
    await ledger.refund(quotas.Reservation(contracts.unique_token(), tenant, NOW_WINDOWS))
    client.execute_command = counting
    try:
        await gate.admit(tenant, RULES, NOW_WINDOWS, limit)
        await ledger.reserve(tenant, NOW_WINDOWS, limit)
        await limiter.hit(limits.tenant_key(tenant, RULES[0]), RULES[0])
        assert isinstance(first, quotas.Reservation)
        await ledger.refund(first)
    finally:
        del client.execute_command
    assert sent == ["EVALSHA"] * 4


# --- Memory only: expiry by the injected clock ---------------------------------------------


async def test_memory_counters_and_logs_expire_by_the_clock() -> None:
    clock = memory_clock.ManualClock(datetime(2026, 5, 20, 23, 0, tzinfo=UTC))
    ledger = memory_governance.InMemoryQuotaLedger(clock)
    limiter = memory_governance.InMemoryRateLimiter(clock)
    windows = quotas.QuotaWindows.at(clock.now())
    tenant = ids.TenantId("t1")
    reservation = await ledger.reserve(tenant, windows, quotas.QuotaLimits(5, 5))
    assert isinstance(reservation, quotas.Reservation)
    rule = limits.RateRule("burst", 1, timedelta(minutes=1))
    assert (await limiter.hit("k", rule))[0]
    clock.advance(timedelta(minutes=1))
    assert (await limiter.hit("k", rule))[0]  # the log's entry left the window with its key
    # The daily counter outlives the day by the margin, then goes; the monthly one stays.
    clock.set(windows.daily.end + memory_governance.EXPIRY_MARGIN - timedelta(seconds=1))
    assert await ledger.usage(tenant, windows) == quotas.QuotaUsage(1, 1)
    clock.advance(timedelta(seconds=1))
    assert await ledger.usage(tenant, windows) == quotas.QuotaUsage(0, 1)
    clock.set(windows.monthly.end + memory_governance.EXPIRY_MARGIN)
    assert await ledger.usage(tenant, windows) == quotas.QuotaUsage(0, 0)
    assert await ledger.refund(reservation) is True  # nothing left to give back to
    assert await ledger.usage(tenant, windows) == quotas.QuotaUsage(0, 0)


async def test_memory_store_stays_bounded_as_keys_come_and_go() -> None:
    clock = memory_clock.ManualClock()
    limiter = memory_governance.InMemoryRateLimiter(clock)
    rule = limits.RateRule("burst", 1, timedelta(seconds=1))
    for round_ in range(5):
        for n in range(1000):
            await limiter.hit(f"customer-{round_}-{n}", rule)
        clock.advance(timedelta(seconds=2))
    assert len(limiter) <= 2048
