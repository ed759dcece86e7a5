"""Analytics rules: the day window and zero-filling, as properties; the period checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.platform import analytics
from b2core.shared import errors, ids

days_st = st.sampled_from(analytics.USAGE_PERIODS)
today_st = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))
counts = st.integers(min_value=0, max_value=10**6)


@st.composite
def rows(draw: st.DrawFn, today: date) -> list[analytics.DayUsage]:
    offsets = draw(st.lists(st.integers(min_value=-5, max_value=40), max_size=20))
    return [
        analytics.DayUsage(
            today - timedelta(days=n), *draw(st.tuples(counts, counts, counts, counts, counts))
        )
        for n in offsets
    ]


@given(today_st, days_st, st.data())
def test_zero_filled_has_every_day_once_and_keeps_the_window_totals(
    today: date, days: int, data: st.DataObject
) -> None:
    given_rows = data.draw(rows(today))
    filled = analytics.zero_filled(given_rows, today, days)
    assert [d.day for d in filled] == [today - timedelta(days=n) for n in reversed(range(days))]
    inside = [r for r in given_rows if today - timedelta(days=days - 1) <= r.day <= today]
    for field in ("requests", "blocked", "input_tokens", "output_tokens", "cost_micro"):
        assert sum(getattr(d, field) for d in filled) == sum(getattr(r, field) for r in inside)


@given(today_st, days_st)
def test_the_day_window_covers_exactly_the_days(today: date, days: int) -> None:
    start, end = analytics.day_window(today, days)
    assert end - start == timedelta(days=days)
    assert start.tzinfo is UTC
    assert end == datetime(today.year, today.month, today.day, tzinfo=UTC) + timedelta(days=1)


@pytest.mark.parametrize("days", [0, 1, 14, 31, -7])
def test_only_7_or_30_days_of_usage_are_offered(days: int) -> None:
    with pytest.raises(errors.InvalidInput) as refused:
        analytics.GetAiUsageSeries(ids.TenantId("t"), days)
    assert refused.value.code == "analytics.bad_days"


@pytest.mark.parametrize(("days", "ok"), [(0, False), (1, True), (366, True), (367, False)])
def test_the_platform_period_is_bounded(days: int, ok: bool) -> None:
    if ok:
        assert analytics.GetPlatformAnalytics(days).days == days
    else:
        with pytest.raises(errors.InvalidInput):
            analytics.GetPlatformAnalytics(days)


def test_the_default_plan_is_the_ai_contexts_default() -> None:
    from b2core.ai import settings as ai_settings

    assert ai_settings.AiSettings(ids.TenantId("t")).plan.value == analytics.DEFAULT_PLAN
