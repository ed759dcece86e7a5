"""Quota windows and the reserve-or-refuse rule."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.ai import model, quotas
from b2core.shared import errors, ids
from tests.core.ai import strategies

anchors = st.integers(min_value=1, max_value=31)
MICRO = timedelta(microseconds=1)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# --- daily windows -------------------------------------------------------------------------


@given(strategies.instants)
def test_daily_window_holds_the_instant_and_lasts_one_utc_day(at: datetime) -> None:
    window = quotas.daily_window(at)

    assert window.contains(at)
    assert window.end - window.start == timedelta(days=1)
    assert window.start.tzinfo is UTC
    assert (window.start.hour, window.start.minute, window.start.second) == (0, 0, 0)
    assert window.id == f"d:{at.astimezone(UTC).date().isoformat()}"


@given(strategies.instants)
def test_consecutive_daily_windows_are_contiguous(at: datetime) -> None:
    window = quotas.daily_window(at)

    after = quotas.daily_window(window.end)
    before = quotas.daily_window(window.start - MICRO)

    assert after.start == window.end
    assert before.end == window.start
    assert len({before.id, window.id, after.id}) == 3
    assert not after.contains(window.end - MICRO)


def _inside(window: quotas.Window, seed: int) -> datetime:
    """An instant of ``window`` chosen by ``seed``, in whole microseconds (no float rounding)."""
    return window.start + MICRO * (seed % ((window.end - window.start) // MICRO))


offsets = st.integers(min_value=0, max_value=10**13)


@given(strategies.instants, offsets)
def test_every_instant_of_a_daily_window_maps_to_that_window(at: datetime, seed: int) -> None:
    window = quotas.daily_window(at)
    inside = _inside(window, seed)

    assert quotas.daily_window(inside) == window


def test_daily_window_rolls_at_midnight_utc_whatever_the_local_zone() -> None:
    # 23:30 in UTC-05:00 is already 04:30 the next day in UTC.
    local = datetime.fromisoformat("2026-11-24T23:30:00-05:00")

    assert quotas.daily_window(local).id == "d:2026-11-25"
    assert quotas.daily_window(utc(2026, 11, 25, 23, 59, 59)).end == utc(2026, 11, 26)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        quotas.daily_window(datetime(2026, 1, 1))


# --- monthly windows -----------------------------------------------------------------------


def _expected_start_day(anchor: int, year: int, month: int) -> int:
    return min(anchor, calendar.monthrange(year, month)[1])


@given(strategies.instants, anchors)
def test_monthly_window_holds_the_instant_and_starts_on_the_clamped_anchor(
    at: datetime, anchor: int
) -> None:
    window = quotas.monthly_window(at, anchor)

    assert window.contains(at)
    start = window.start
    assert start.day == _expected_start_day(anchor, start.year, start.month)
    assert (start.hour, start.minute, start.second, start.microsecond) == (0, 0, 0, 0)
    assert window.id == f"m:{start.date().isoformat()}"


@given(strategies.instants, anchors)
def test_monthly_periods_last_28_to_31_days_and_return_to_the_anchor(
    at: datetime, anchor: int
) -> None:
    window = quotas.monthly_window(at, anchor)
    following = quotas.monthly_window(window.end, anchor)

    assert timedelta(days=28) <= window.end - window.start <= timedelta(days=31)
    assert following.start == window.end
    # Whatever the month before, the next period starts on the anchor day when it exists.
    end = following.start
    assert end.day == _expected_start_day(anchor, end.year, end.month)
    assert quotas.monthly_window(window.start - MICRO, anchor).end == window.start


@given(strategies.instants, anchors, offsets)
def test_every_instant_of_a_monthly_window_maps_to_that_window(
    at: datetime, anchor: int, seed: int
) -> None:
    window = quotas.monthly_window(at, anchor)
    inside = _inside(window, seed)

    assert quotas.monthly_window(inside, anchor) == window


@pytest.mark.parametrize(
    ("at", "anchor", "window_id", "end"),
    [
        # Anchor on the 31st: clamped to Feb 28, back on Mar 31.
        (utc(2026, 2, 15), 31, "m:2026-01-31", utc(2026, 2, 28)),
        (utc(2026, 3, 1), 31, "m:2026-02-28", utc(2026, 3, 31)),
        (utc(2026, 4, 30, 12), 31, "m:2026-04-30", utc(2026, 5, 31)),
        # Leap year: the 29th exists in February 2028.
        (utc(2028, 2, 29, 8), 30, "m:2028-02-29", utc(2028, 3, 30)),
        (utc(2028, 3, 29, 23, 59), 30, "m:2028-02-29", utc(2028, 3, 30)),
        # Anchor the 5th, as in a subscription started on a 5th.
        (utc(2026, 11, 25), 5, "m:2026-11-05", utc(2026, 12, 5)),
        (utc(2027, 1, 4, 23), 5, "m:2026-12-05", utc(2027, 1, 5)),
        # No subscription: calendar months.
        (utc(2026, 12, 31, 23, 59), None, "m:2026-12-01", utc(2027, 1, 1)),
    ],
)
def test_monthly_window_examples(
    at: datetime, anchor: int | None, window_id: str, end: datetime
) -> None:
    window = quotas.monthly_window(at, anchor)

    assert (window.id, window.end) == (window_id, end)


@given(strategies.instants)
def test_no_anchor_means_calendar_month(at: datetime) -> None:
    window = quotas.monthly_window(at)

    assert window.start.day == 1
    assert window == quotas.monthly_window(at, 1)


@pytest.mark.parametrize("anchor", [0, 32, -1, True])
def test_anchor_outside_1_to_31_is_refused(anchor: int) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        quotas.monthly_window(utc(2026, 1, 1), anchor)
    assert caught.value.code == "quota.bad_anchor"


def test_anchor_day_comes_from_the_utc_billing_anchor() -> None:
    anchor = datetime.fromisoformat("2026-03-31T22:00:00-03:00")  # April 1st, 01:00 UTC

    assert quotas.anchor_day_of(anchor) == 1


def test_quota_windows_and_time_left() -> None:
    at = utc(2026, 11, 25, 18)

    windows = quotas.QuotaWindows.at(at, anchor_day=5)

    assert (windows.daily.id, windows.monthly.id) == ("d:2026-11-25", "m:2026-11-05")
    assert windows.daily.time_left(at) == timedelta(hours=6)
    assert windows.monthly.time_left(utc(2027, 1, 1)) == timedelta(0)


# --- reservations --------------------------------------------------------------------------

limits_strategy = st.builds(
    quotas.QuotaLimits,
    daily=st.integers(min_value=0, max_value=30),
    monthly=st.integers(min_value=0, max_value=30),
)


@given(limits_strategy, st.lists(st.booleans(), max_size=80))
def test_reservations_never_exceed_either_limit_and_refunds_restore_exactly(
    limits: quotas.QuotaLimits, operations: list[bool]
) -> None:
    usage = quotas.QuotaUsage()
    held: list[quotas.QuotaUsage] = []  # usage before each outstanding reservation
    for reserve in operations:
        if reserve or not held:
            outcome = quotas.decide_reservation(limits, usage)
            if outcome.granted:
                held.append(usage)
            else:
                assert outcome.usage == usage  # refused: nothing taken from either window
            usage = outcome.usage
        else:
            before = usage
            usage = usage.minus(1)
            assert (before.daily - usage.daily, before.monthly - usage.monthly) == (1, 1)
            held.pop()
        assert usage.daily <= limits.daily
        assert usage.monthly <= limits.monthly


@given(limits_strategy, st.integers(min_value=0, max_value=60))
def test_exactly_min_of_requests_and_limits_are_granted(
    limits: quotas.QuotaLimits, requests: int
) -> None:
    usage = quotas.QuotaUsage()
    granted = 0
    for _ in range(requests):
        outcome = quotas.decide_reservation(limits, usage)
        granted += outcome.granted
        usage = outcome.usage

    assert granted == min(requests, limits.daily, limits.monthly)
    assert usage == quotas.QuotaUsage(granted, granted)


@given(limits_strategy, st.integers(0, 40), st.integers(0, 40))
def test_reserve_then_refund_is_the_identity(
    limits: quotas.QuotaLimits, daily: int, monthly: int
) -> None:
    usage = quotas.QuotaUsage(daily, monthly)

    outcome = quotas.decide_reservation(limits, usage)

    restored = outcome.usage.minus(1) if outcome.granted else outcome.usage
    assert restored == usage


@pytest.mark.parametrize(
    ("usage", "reason"),
    [
        (quotas.QuotaUsage(daily=5, monthly=3), model.BlockReason.DAILY_LIMIT),
        (quotas.QuotaUsage(daily=2, monthly=10), model.BlockReason.MONTHLY_LIMIT),
        (quotas.QuotaUsage(daily=5, monthly=10), model.BlockReason.MONTHLY_LIMIT),
    ],
)
def test_refusal_names_the_full_window_monthly_first(
    usage: quotas.QuotaUsage, reason: model.BlockReason
) -> None:
    outcome = quotas.decide_reservation(quotas.QuotaLimits(daily=5, monthly=10), usage)

    assert (outcome.granted, outcome.reason, outcome.usage) == (False, reason, usage)


def test_refund_never_goes_below_zero() -> None:
    assert quotas.QuotaUsage(0, 1).minus(1) == quotas.QuotaUsage(0, 0)


@pytest.mark.parametrize("bad", [-1, True, 1.5])
def test_limits_and_units_are_validated(bad: int) -> None:
    with pytest.raises(errors.InvalidInput):
        quotas.QuotaLimits(daily=bad, monthly=1)
    with pytest.raises(errors.InvalidInput):
        quotas.decide_reservation(quotas.QuotaLimits(1, 1), quotas.QuotaUsage(), units=bad)


def test_a_reservation_keeps_its_own_windows() -> None:
    windows = quotas.QuotaWindows.at(utc(2026, 11, 25, 23, 59))

    reservation = quotas.Reservation("r1", ids.TenantId("t1"), windows)

    assert reservation.units == 1
    assert reservation.windows.daily.id == "d:2026-11-25"
