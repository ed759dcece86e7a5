"""The sliding-window-log rate decision."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.ai import limits
from b2core.shared import errors, ids

T0 = datetime(2026, 11, 25, 12, tzinfo=UTC)
MS = timedelta(milliseconds=1)

rules = st.builds(
    limits.RateRule,
    name=st.just("r"),
    limit=st.integers(min_value=1, max_value=8),
    window=st.integers(min_value=1, max_value=5_000).map(lambda n: n * MS),
)
# Hits as millisecond offsets from T0, sorted (time only moves forward), duplicates allowed.
hit_times = st.lists(st.integers(min_value=0, max_value=20_000), max_size=60).map(
    lambda offsets: [T0 + n * MS for n in sorted(offsets)]
)


def _run(times: list[datetime], rule: limits.RateRule) -> tuple[list[datetime], list[datetime]]:
    """Feed hits to a log; return the allowed and the refused instants."""
    log: tuple[datetime, ...] = ()
    allowed: list[datetime] = []
    refused: list[datetime] = []
    for now in times:
        log, verdict = limits.hit(log, now, rule)
        (allowed if verdict.allowed else refused).append(now)
    return allowed, refused


def _in_window(moments: list[datetime], end: datetime, rule: limits.RateRule) -> int:
    return sum(1 for m in moments if end - rule.window < m <= end)


@given(hit_times, rules)
def test_never_more_than_limit_allowed_in_any_window(
    times: list[datetime], rule: limits.RateRule
) -> None:
    allowed, _ = _run(times, rule)

    # Any window-length interval holding allowed hits can be slid to end at one of them.
    for end in allowed:
        assert _in_window(allowed, end, rule) <= rule.limit


@given(hit_times, rules)
def test_a_hit_is_refused_only_when_the_window_is_full(
    times: list[datetime], rule: limits.RateRule
) -> None:
    allowed, refused = _run(times, rule)

    for moment in refused:
        earlier = [m for m in allowed if m <= moment]
        assert _in_window(earlier, moment, rule) == rule.limit


@given(hit_times, rules)
def test_retry_after_is_positive_and_exact(times: list[datetime], rule: limits.RateRule) -> None:
    log: tuple[datetime, ...] = ()
    for now in times:
        allowed, retry_after = limits.sliding_window_allows(log, now, rule)
        if not allowed:
            assert retry_after > timedelta(0)
            assert limits.sliding_window_allows(log, now + retry_after, rule)[0]
            too_soon = now + retry_after - timedelta(microseconds=1)
            assert not limits.sliding_window_allows(log, too_soon, rule)[0]
        else:
            assert retry_after == timedelta(0)
        log, _ = limits.hit(log, now, rule)


@given(hit_times, rules, st.integers(min_value=0, max_value=25_000))
def test_retry_after_is_exact_for_any_log_even_an_overfull_one(
    log: list[datetime], rule: limits.RateRule, now_ms: int
) -> None:
    # A log may hold more than ``limit`` recent entries, e.g. after a plan lowered its limit.
    now = T0 + now_ms * MS
    allowed, retry_after = limits.sliding_window_allows(log, now, rule)

    if not allowed:
        assert retry_after > timedelta(0)
        assert limits.sliding_window_allows(log, now + retry_after, rule)[0]
        too_soon = now + retry_after - timedelta(microseconds=1)
        assert not limits.sliding_window_allows(log, too_soon, rule)[0]


@given(hit_times, rules, st.randoms(use_true_random=False))
def test_the_order_of_the_log_does_not_matter(
    times: list[datetime], rule: limits.RateRule, rnd: random.Random
) -> None:
    allowed, _ = _run(times, rule)
    shuffled = list(allowed)
    rnd.shuffle(shuffled)
    now = T0 + timedelta(seconds=10)

    assert limits.sliding_window_allows(shuffled, now, rule) == limits.sliding_window_allows(
        allowed, now, rule
    )


def test_hit_prunes_entries_older_than_the_window() -> None:
    rule = limits.RateRule("r", 2, timedelta(seconds=10))
    log = (T0, T0 + timedelta(seconds=5))

    new_log, verdict = limits.hit(log, T0 + timedelta(seconds=10), rule)

    assert verdict == limits.RateVerdict("r", True, timedelta(0))
    assert new_log == (T0 + timedelta(seconds=5), T0 + timedelta(seconds=10))


def test_refused_hits_are_not_recorded() -> None:
    rule = limits.RateRule("r", 1, timedelta(seconds=10))
    log, _ = limits.hit((), T0, rule)

    for second in range(1, 10):
        log, verdict = limits.hit(log, T0 + timedelta(seconds=second), rule)
        assert not verdict.allowed

    # Hammering did not push the lockout back: 10 s after the one allowed hit, it is open.
    assert limits.hit(log, T0 + timedelta(seconds=10), rule)[1].allowed


def test_default_rules() -> None:
    assert (limits.TENANT_PER_MINUTE.limit, limits.TENANT_PER_MINUTE.window) == (
        20,
        timedelta(minutes=1),
    )
    assert (limits.TENANT_PER_HOUR.limit, limits.TENANT_PER_HOUR.window) == (
        100,
        timedelta(hours=1),
    )
    assert (limits.PER_CUSTOMER.limit, limits.PER_CUSTOMER.window) == (10, timedelta(seconds=60))
    assert limits.DEFAULT_BURST == (limits.TENANT_PER_MINUTE, limits.TENANT_PER_HOUR)


@pytest.mark.parametrize(
    ("name", "limit", "window"),
    [
        ("ok", 0, timedelta(seconds=1)),
        ("ok", 1, timedelta(0)),
        ("Bad Name", 1, timedelta(seconds=1)),
        ("", 1, timedelta(seconds=1)),
    ],
)
def test_rules_are_validated(name: str, limit: int, window: timedelta) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        limits.RateRule(name, limit, window)
    assert caught.value.code == "limits.bad_rule"


def test_longest_wait_and_keys() -> None:
    verdicts = [
        limits.RateVerdict("a", False, timedelta(seconds=3)),
        limits.RateVerdict("b", True),
        limits.RateVerdict("c", False, timedelta(seconds=7)),
    ]

    assert limits.longest_wait(verdicts) == timedelta(seconds=7)
    assert limits.longest_wait([]) == timedelta(0)
    tenant = ids.TenantId("t1")
    assert limits.tenant_key(tenant, limits.TENANT_PER_HOUR) == "rate:tenant-hour:t:t1"
    assert limits.customer_key(tenant, "+15550001", limits.PER_CUSTOMER) == (
        "rate:customer:t:t1:c:+15550001"
    )
