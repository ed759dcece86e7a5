"""Contract of the governance stores: ``QuotaLedger``, ``RateLimiter`` and ``GovernanceGate``.

Star-import it into a test module that defines a module-scoped fixture ``governance_factory``:
an async zero-argument callable returning :class:`GovernanceAdapters` whose three adapters share
one back-end (the gate's burst logs are the limiter's tenant keys, its reservations the
ledger's)::

    from b2core.testing.contracts.governance import *  # noqa: F403

Limiters run on real time (the Redis adapters read the server's clock), so a few tests wait
for well under a second. Every test uses fresh tenant ids, so the adapters may be shared.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2core.ai import limits, model, ports, quotas
from b2core.shared import errors, ids
from b2core.testing import contracts

__all__ = [
    "GovernanceAdapters",
    "GovernanceFactory",
    "pytestmark",
    "test_a_limiter_allows_exactly_its_limit_under_concurrency",
    "test_a_new_billing_period_starts_from_zero",
    "test_a_new_utc_day_starts_from_zero",
    "test_admission_records_only_admitted_messages",
    "test_admission_refused_by_a_burst_rule_reserves_nothing",
    "test_admit_refuses_duplicate_rule_names",
    "test_concurrent_admissions_stop_at_the_tightest_bound",
    "test_concurrent_refunds_give_the_unit_back_once",
    "test_concurrent_reservations_grant_exactly_the_limit",
    "test_daily_limit_refuses_with_daily_reason",
    "test_limiter_keys_are_independent",
    "test_monthly_limit_wins_over_the_daily_one",
    "test_quotas_of_tenants_are_independent",
    "test_refund_gives_the_unit_back_once",
    "test_refund_never_drives_a_counter_below_zero",
    "test_refund_uses_the_reservations_own_windows",
    "test_refused_hits_are_not_recorded",
    "test_retry_after_counts_from_the_oldest_blocking_hit",
    "test_usage_of_unused_windows_is_zero",
]

pytestmark = pytest.mark.anyio
DAY_ONE = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
WINDOWS = quotas.QuotaWindows.at(DAY_ONE)
HOUR = timedelta(hours=1)


@attrs.frozen
class GovernanceAdapters:
    """One back-end's three governance adapters, sharing their state."""

    ledger: ports.QuotaLedger
    limiter: ports.RateLimiter
    gate: ports.GovernanceGate


GovernanceFactory = Callable[[], Awaitable[GovernanceAdapters]]
"""What the ``governance_factory`` fixture returns."""


def _tenant() -> ids.TenantId:
    return ids.TenantId(contracts.unique_id())


def _granted(outcomes: list[quotas.Reservation | model.BlockReason]) -> list[quotas.Reservation]:
    return [outcome for outcome in outcomes if isinstance(outcome, quotas.Reservation)]


@settings(max_examples=20, deadline=None)
@given(
    attempts=st.integers(min_value=0, max_value=40),
    daily=st.integers(min_value=0, max_value=25),
    monthly=st.integers(min_value=0, max_value=25),
)
async def test_concurrent_reservations_grant_exactly_the_limit(
    governance_factory: GovernanceFactory, attempts: int, daily: int, monthly: int
) -> None:
    ledger = (await governance_factory()).ledger
    tenant, limit = _tenant(), quotas.QuotaLimits(daily=daily, monthly=monthly)
    outcomes = await asyncio.gather(
        *(ledger.reserve(tenant, WINDOWS, limit) for _ in range(attempts))
    )
    granted = _granted(outcomes)
    expected = min(attempts, daily, monthly)
    assert len(granted) == expected
    assert len({r.id for r in granted}) == expected
    assert all(r.tenant_id == tenant and r.windows == WINDOWS for r in granted)
    reason = model.BlockReason.MONTHLY_LIMIT if monthly <= daily else model.BlockReason.DAILY_LIMIT
    assert [o for o in outcomes if not isinstance(o, quotas.Reservation)] == [reason] * (
        attempts - expected
    )
    assert await ledger.usage(tenant, WINDOWS) == quotas.QuotaUsage(expected, expected)


async def test_daily_limit_refuses_with_daily_reason(governance_factory: GovernanceFactory) -> None:
    ledger = (await governance_factory()).ledger
    tenant, limit = _tenant(), quotas.QuotaLimits(daily=2, monthly=10)
    outcomes = [await ledger.reserve(tenant, WINDOWS, limit) for _ in range(4)]
    assert len(_granted(outcomes[:2])) == 2
    assert outcomes[2:] == [model.BlockReason.DAILY_LIMIT] * 2
    assert await ledger.usage(tenant, WINDOWS) == quotas.QuotaUsage(2, 2)


async def test_monthly_limit_wins_over_the_daily_one(
    governance_factory: GovernanceFactory,
) -> None:
    ledger = (await governance_factory()).ledger
    tenant, limit = _tenant(), quotas.QuotaLimits(daily=2, monthly=2)
    for _ in range(2):
        assert isinstance(await ledger.reserve(tenant, WINDOWS, limit), quotas.Reservation)
    # Both windows are full: a new day would not help, so the monthly reason is given.
    assert await ledger.reserve(tenant, WINDOWS, limit) is model.BlockReason.MONTHLY_LIMIT
    next_day = quotas.QuotaWindows.at(DAY_ONE + quotas.DAY)
    assert await ledger.reserve(tenant, next_day, limit) is model.BlockReason.MONTHLY_LIMIT
    assert await ledger.usage(tenant, next_day) == quotas.QuotaUsage(0, 2)


async def test_a_new_utc_day_starts_from_zero(governance_factory: GovernanceFactory) -> None:
    ledger = (await governance_factory()).ledger
    tenant, limit = _tenant(), quotas.QuotaLimits(daily=2, monthly=10)
    for _ in range(3):
        await ledger.reserve(tenant, WINDOWS, limit)
    next_day = quotas.QuotaWindows.at(DAY_ONE + quotas.DAY)
    assert next_day.monthly == WINDOWS.monthly
    assert isinstance(await ledger.reserve(tenant, next_day, limit), quotas.Reservation)
    assert await ledger.usage(tenant, next_day) == quotas.QuotaUsage(1, 3)
    assert await ledger.usage(tenant, WINDOWS) == quotas.QuotaUsage(2, 3)


async def test_a_new_billing_period_starts_from_zero(
    governance_factory: GovernanceFactory,
) -> None:
    ledger = (await governance_factory()).ledger
    tenant, limit = _tenant(), quotas.QuotaLimits(daily=10, monthly=1)
    last_day = quotas.QuotaWindows.at(datetime(2026, 3, 14, 23, 0, tzinfo=UTC), anchor_day=15)
    first_day = quotas.QuotaWindows.at(datetime(2026, 3, 15, 1, 0, tzinfo=UTC), anchor_day=15)
    assert isinstance(await ledger.reserve(tenant, last_day, limit), quotas.Reservation)
    assert await ledger.reserve(tenant, last_day, limit) is model.BlockReason.MONTHLY_LIMIT
    assert isinstance(await ledger.reserve(tenant, first_day, limit), quotas.Reservation)
    assert await ledger.usage(tenant, first_day) == quotas.QuotaUsage(1, 1)


async def test_usage_of_unused_windows_is_zero(governance_factory: GovernanceFactory) -> None:
    ledger = (await governance_factory()).ledger
    assert await ledger.usage(_tenant(), WINDOWS) == quotas.QuotaUsage(0, 0)


async def test_quotas_of_tenants_are_independent(governance_factory: GovernanceFactory) -> None:
    ledger = (await governance_factory()).ledger
    first, second, limit = _tenant(), _tenant(), quotas.QuotaLimits(daily=1, monthly=1)
    assert isinstance(await ledger.reserve(first, WINDOWS, limit), quotas.Reservation)
    assert await ledger.reserve(first, WINDOWS, limit) is model.BlockReason.MONTHLY_LIMIT
    assert isinstance(await ledger.reserve(second, WINDOWS, limit), quotas.Reservation)
    assert await ledger.usage(second, WINDOWS) == quotas.QuotaUsage(1, 1)


async def test_refund_gives_the_unit_back_once(governance_factory: GovernanceFactory) -> None:
    ledger = (await governance_factory()).ledger
    tenant, limit = _tenant(), quotas.QuotaLimits(daily=3, monthly=3)
    taken = _granted([await ledger.reserve(tenant, WINDOWS, limit) for _ in range(3)])
    assert await ledger.reserve(tenant, WINDOWS, limit) is model.BlockReason.MONTHLY_LIMIT
    assert await ledger.refund(taken[0]) is True
    assert await ledger.usage(tenant, WINDOWS) == quotas.QuotaUsage(2, 2)
    assert await ledger.refund(taken[0]) is False
    assert await ledger.usage(tenant, WINDOWS) == quotas.QuotaUsage(2, 2)
    # The unit given back can be reserved again, exactly once.
    assert isinstance(await ledger.reserve(tenant, WINDOWS, limit), quotas.Reservation)
    assert await ledger.reserve(tenant, WINDOWS, limit) is model.BlockReason.MONTHLY_LIMIT


async def test_concurrent_refunds_give_the_unit_back_once(
    governance_factory: GovernanceFactory,
) -> None:
    ledger = (await governance_factory()).ledger
    tenant, limit = _tenant(), quotas.QuotaLimits(daily=5, monthly=5)
    taken = _granted([await ledger.reserve(tenant, WINDOWS, limit) for _ in range(2)])
    results = await asyncio.gather(*(ledger.refund(taken[0]) for _ in range(10)))
    assert sorted(results) == [False] * 9 + [True]
    assert await ledger.usage(tenant, WINDOWS) == quotas.QuotaUsage(1, 1)


async def test_refund_uses_the_reservations_own_windows(
    governance_factory: GovernanceFactory,
) -> None:
    ledger = (await governance_factory()).ledger
    tenant, limit = _tenant(), quotas.QuotaLimits(daily=5, monthly=10)
    yesterday = _granted([await ledger.reserve(tenant, WINDOWS, limit)])[0]
    today = quotas.QuotaWindows.at(DAY_ONE + quotas.DAY)
    await ledger.reserve(tenant, today, limit)
    assert await ledger.refund(yesterday) is True
    assert await ledger.usage(tenant, WINDOWS) == quotas.QuotaUsage(0, 1)
    assert await ledger.usage(tenant, today) == quotas.QuotaUsage(1, 1)


async def test_refund_never_drives_a_counter_below_zero(
    governance_factory: GovernanceFactory,
) -> None:
    ledger = (await governance_factory()).ledger
    tenant = _tenant()
    stranger = quotas.Reservation(contracts.unique_token(), tenant, WINDOWS)
    assert await ledger.refund(stranger) is True
    assert await ledger.usage(tenant, WINDOWS) == quotas.QuotaUsage(0, 0)
    limit = quotas.QuotaLimits(daily=1, monthly=1)
    assert isinstance(await ledger.reserve(tenant, WINDOWS, limit), quotas.Reservation)
    assert await ledger.reserve(tenant, WINDOWS, limit) is model.BlockReason.MONTHLY_LIMIT


async def test_a_limiter_allows_exactly_its_limit_under_concurrency(
    governance_factory: GovernanceFactory,
) -> None:
    limiter = (await governance_factory()).limiter
    rule = limits.RateRule("burst", 7, timedelta(minutes=1))
    key = limits.tenant_key(_tenant(), rule)
    results = await asyncio.gather(*(limiter.hit(key, rule) for _ in range(30)))
    assert sum(allowed for allowed, _ in results) == 7
    assert all(wait == timedelta(0) for allowed, wait in results if allowed)
    assert all(timedelta(0) < wait <= rule.window for allowed, wait in results if not allowed)


async def test_retry_after_counts_from_the_oldest_blocking_hit(
    governance_factory: GovernanceFactory,
) -> None:
    limiter = (await governance_factory()).limiter
    rule = limits.RateRule("burst", 2, timedelta(milliseconds=600))
    key = limits.customer_key(_tenant(), "+15550001", rule)
    assert (await limiter.hit(key, rule))[0]
    await asyncio.sleep(0.25)
    assert (await limiter.hit(key, rule))[0]
    allowed, wait = await limiter.hit(key, rule)
    # The first hit leaves the window about 0.35 s from now, not a whole window from now.
    assert not allowed
    assert timedelta(0) < wait <= rule.window - timedelta(milliseconds=200)
    await asyncio.sleep(wait.total_seconds() + 0.05)
    assert (await limiter.hit(key, rule))[0]
    assert not (await limiter.hit(key, rule))[0]  # the second hit still holds its place


async def test_refused_hits_are_not_recorded(governance_factory: GovernanceFactory) -> None:
    limiter = (await governance_factory()).limiter
    rule = limits.RateRule("burst", 1, timedelta(milliseconds=300))
    key = limits.tenant_key(_tenant(), rule)
    assert (await limiter.hit(key, rule))[0]
    waits = []
    for _ in range(5):  # hammering does not extend the lockout
        allowed, wait = await limiter.hit(key, rule)
        assert not allowed
        waits.append(wait)
    assert waits == sorted(waits, reverse=True)
    await asyncio.sleep(waits[-1].total_seconds() + 0.05)
    assert (await limiter.hit(key, rule))[0]


async def test_limiter_keys_are_independent(governance_factory: GovernanceFactory) -> None:
    limiter = (await governance_factory()).limiter
    rule = limits.RateRule("customer", 1, HOUR)
    tenant, other = _tenant(), _tenant()
    keys = [
        limits.customer_key(tenant, "+15550001", rule),
        limits.customer_key(tenant, "+15550002", rule),
        limits.customer_key(other, "+15550001", rule),
        limits.tenant_key(tenant, rule),
        limits.tenant_key(other, rule),
        f"login:{contracts.unique_token()}",
    ]
    assert [(await limiter.hit(key, rule))[0] for key in keys] == [True] * len(keys)
    assert [(await limiter.hit(key, rule))[0] for key in keys] == [False] * len(keys)


def _burst(minute: int, hour: int) -> tuple[limits.RateRule, ...]:
    return (
        limits.RateRule("tenant-minute", minute, timedelta(minutes=1)),
        limits.RateRule("tenant-hour", hour, HOUR),
    )


async def test_admission_refused_by_a_burst_rule_reserves_nothing(
    governance_factory: GovernanceFactory,
) -> None:
    adapters = await governance_factory()
    tenant, burst = _tenant(), _burst(minute=2, hour=10)
    limit = quotas.QuotaLimits(daily=10, monthly=10)
    admissions = [await adapters.gate.admit(tenant, burst, WINDOWS, limit) for _ in range(4)]
    assert [a.admitted for a in admissions] == [True, True, False, False]
    refused = admissions[2]
    assert refused.quota is None
    assert [v.rule for v in refused.verdicts] == ["tenant-minute", "tenant-hour"]
    assert [v.allowed for v in refused.verdicts] == [False, True]
    assert timedelta(0) < refused.verdicts[0].retry_after <= timedelta(minutes=1)
    assert await adapters.ledger.usage(tenant, WINDOWS) == quotas.QuotaUsage(2, 2)
    # The hour log holds the two admitted messages only: 8 more fit, not 6.
    hour = burst[1]
    hits = [await adapters.limiter.hit(limits.tenant_key(tenant, hour), hour) for _ in range(9)]
    assert [allowed for allowed, _ in hits] == [True] * 8 + [False]


async def test_admission_records_only_admitted_messages(
    governance_factory: GovernanceFactory,
) -> None:
    adapters = await governance_factory()
    tenant, burst = _tenant(), _burst(minute=5, hour=5)
    limit = quotas.QuotaLimits(daily=2, monthly=10)
    admissions = [await adapters.gate.admit(tenant, burst, WINDOWS, limit) for _ in range(4)]
    assert [a.quota for a in admissions[2:]] == [model.BlockReason.DAILY_LIMIT] * 2
    assert all(v.allowed for a in admissions for v in a.verdicts)
    first = admissions[0].quota
    assert isinstance(first, quotas.Reservation)
    assert await adapters.ledger.refund(first) is True
    # The refused admissions left no hits: three admitted so far, so two more fit in a minute.
    assert (await adapters.gate.admit(tenant, burst, WINDOWS, limit)).admitted
    minute = burst[0]
    hits = [await adapters.limiter.hit(limits.tenant_key(tenant, minute), minute) for _ in range(3)]
    assert [allowed for allowed, _ in hits] == [True, True, False]


async def test_concurrent_admissions_stop_at_the_tightest_bound(
    governance_factory: GovernanceFactory,
) -> None:
    gate = (await governance_factory()).gate
    tenant, limit = _tenant(), quotas.QuotaLimits(daily=50, monthly=50)
    admissions = await asyncio.gather(
        *(gate.admit(tenant, _burst(minute=12, hour=30), WINDOWS, limit) for _ in range(40))
    )
    assert sum(a.admitted for a in admissions) == 12
    assert all(a.quota is None for a in admissions if not a.admitted)
    other = _tenant()
    assert (await gate.admit(other, _burst(minute=12, hour=30), WINDOWS, limit)).admitted


async def test_admit_refuses_duplicate_rule_names(governance_factory: GovernanceFactory) -> None:
    gate = (await governance_factory()).gate
    rule = limits.RateRule("tenant-minute", 1, timedelta(minutes=1))
    with pytest.raises(errors.InvalidInput) as caught:
        await gate.admit(_tenant(), (rule, rule), WINDOWS, quotas.QuotaLimits(1, 1))
    assert caught.value.code == "limits.bad_rule"
