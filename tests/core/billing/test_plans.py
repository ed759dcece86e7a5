"""Plans: validation, changes, soft delete, the public projection and billing intervals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given

from b2core.billing import plans, tiers
from b2core.shared import errors, money
from tests.core.billing import strategies as s


def test_tiers_follow_the_ai_plans() -> None:
    assert {p: tiers.tier_for(p) for p in tiers.AI_PLANS} == {
        "FREE": "FREE",
        "PAID_BASIC": "LOW",
        "PAID_PRO": "MEDIUM",
        "ENTERPRISE": "HIGH",
    }
    assert [s.BASIC.ai_tier, s.PRO.ai_tier, s.ENTERPRISE.ai_tier] == ["LOW", "MEDIUM", "HIGH"]
    with pytest.raises(errors.InvalidInput) as caught:
        tiers.tier_for("GOLD")
    assert caught.value.code == "plan.bad_ai_plan"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"name": "  "}, "plan.bad_name"),
        ({"ai_plan": "paid_basic"}, "plan.bad_ai_plan"),
        ({"daily_limit": -1}, "plan.bad_limit"),
        ({"daily_limit": 6000}, "plan.bad_limit"),  # above the monthly limit
        ({"price": money.Money(-1, "USD")}, "plan.bad_price"),
        ({"stripe_price_id": "not a stripe id"}, "plan.bad_stripe_id"),
        ({"display_order": -3}, "plan.bad_number"),
        ({"interval": "week"}, "plan.bad_interval"),
    ],
)
def test_plan_fields_are_validated(changes: dict[str, Any], code: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        attrs.evolve(s.BASIC, **changes)
    assert caught.value.code == code


def test_update_applies_given_fields_and_stamps_the_time() -> None:
    later = s.T0 + timedelta(hours=1)
    assert s.BASIC.update(later, plans.PlanChanges()) is s.BASIC
    assert s.BASIC.update(later, plans.PlanChanges(name=s.BASIC.name)) is s.BASIC
    changed = s.BASIC.update(later, plans.PlanChanges(ai_plan="PAID_PRO", daily_limit=10))
    assert (changed.ai_tier, changed.daily_limit, changed.updated_at) == ("MEDIUM", 10, later)
    assert changed.name == s.BASIC.name


def test_soft_delete_hides_the_plan_and_freezes_it() -> None:
    deleted = s.BASIC.delete(s.T0)
    assert deleted.deleted
    assert not deleted.purchasable
    assert not deleted.active
    steps: list[Callable[[], plans.Plan]] = [
        lambda: deleted.delete(s.T0),
        lambda: deleted.update(s.T0, plans.PlanChanges(name="Again")),
    ]
    for step in steps:
        with pytest.raises(errors.Conflict) as caught:
            step()
        assert caught.value.code == "plan.deleted"


def test_public_list_shows_purchasable_plans_in_display_order_without_stripe_ids() -> None:
    hidden = s.plan("plan-hidden", active=False)
    gone = s.plan("plan-gone", order=0).delete(s.T0)
    listed = plans.public_plans([s.ENTERPRISE, hidden, s.PRO, gone, s.BASIC])
    assert [p.id for p in listed] == [s.BASIC.id, s.PRO.id, s.ENTERPRISE.id]
    assert [p.ai_tier for p in listed] == ["LOW", "MEDIUM", "HIGH"]
    fields = {a.name for a in attrs.fields(plans.PublicPlan)}
    assert not any("stripe" in f for f in fields)


def test_lookups_include_deleted_plans_for_their_subscribers() -> None:
    gone = s.BASIC.delete(s.T0)
    assert plans.find([gone], s.BASIC.id) == gone
    assert plans.by_stripe_price([gone, s.PRO], s.PRO.stripe_price_id) == s.PRO
    assert plans.by_stripe_price([gone], None) is None


@pytest.mark.parametrize(
    ("start", "interval", "end"),
    [
        (
            datetime(2026, 1, 31, tzinfo=UTC),
            plans.Interval.MONTH,
            datetime(2026, 2, 28, tzinfo=UTC),
        ),
        (
            datetime(2028, 1, 31, tzinfo=UTC),
            plans.Interval.MONTH,
            datetime(2028, 2, 29, tzinfo=UTC),
        ),
        (
            datetime(2026, 12, 15, tzinfo=UTC),
            plans.Interval.MONTH,
            datetime(2027, 1, 15, tzinfo=UTC),
        ),
        (datetime(2028, 2, 29, tzinfo=UTC), plans.Interval.YEAR, datetime(2029, 2, 28, tzinfo=UTC)),
    ],
)
def test_intervals_add_calendar_months(
    start: datetime, interval: plans.Interval, end: datetime
) -> None:
    assert plans.add_interval(start, interval) == end


@given(start=s.moments)
def test_a_month_lasts_28_to_31_days_and_a_year_365_or_366(start: datetime) -> None:
    month = plans.add_interval(start, plans.Interval.MONTH) - start
    year = plans.add_interval(start, plans.Interval.YEAR) - start
    assert timedelta(days=28) <= month <= timedelta(days=31)
    assert timedelta(days=365) <= year <= timedelta(days=366)
