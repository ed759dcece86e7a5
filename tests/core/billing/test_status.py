"""The billing status page, the public growth view and the checkout idempotency key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from b2core.billing import checkout, model, status
from b2core.platform import model as platform_model
from b2core.shared import ids
from tests.core.billing import strategies as s

USAGE = status.Usage(daily_used=3, daily_limit=200, monthly_used=40, monthly_limit=5000)
St = model.SubscriptionStatus


def stripe_sub(
    state: St = St.ACTIVE, end_in: timedelta = timedelta(days=20), **kw: Any
) -> model.Subscription:
    sub = model.Subscription.from_stripe(
        s.TENANT,
        state,
        s.T0,
        stripe_subscription_id="sub_1",
        plan_id=s.PRO.id,
        period=(s.T0 - timedelta(days=10), s.T0 + end_in),
    )
    return attrs.evolve(sub, **kw)


def test_without_a_subscription_the_tenant_is_free() -> None:
    shown = status.billing_status(None, s.CATALOG, USAGE, s.T0)
    assert (shown.tier, shown.plan, shown.status, shown.usage) == ("FREE", None, None, USAGE)
    assert not (shown.expires_soon)
    assert not (shown.past_due)
    assert not (shown.renews)


def test_an_active_card_subscription_shows_its_plan_and_renewal() -> None:
    shown = status.billing_status(stripe_sub(), s.CATALOG, USAGE, s.T0)
    assert shown.plan is not None
    assert shown.plan.id == s.PRO.id
    assert (shown.tier, shown.status, shown.renews, shown.expires_soon) == (
        "MEDIUM",
        St.ACTIVE,
        True,
        False,
    )
    assert shown.current_period_end == s.T0 + timedelta(days=20)


@given(left=st.integers(min_value=-3 * 24 * 60, max_value=30 * 24 * 60))
def test_expires_soon_means_within_7_days_of_the_period_end(left: int) -> None:
    sub = stripe_sub(end_in=timedelta(minutes=left), cancel_at_period_end=True)
    shown = status.billing_status(sub, s.CATALOG, USAGE, s.T0)
    assert shown.expires_soon == (0 <= left <= 7 * 24 * 60)
    assert not shown.renews


def test_past_due_and_unpaid_show_the_banner() -> None:
    for state, tier in ((St.PAST_DUE, "MEDIUM"), (St.UNPAID, "FREE")):
        shown = status.billing_status(stripe_sub(state), s.CATALOG, USAGE, s.T0)
        assert shown.past_due
        assert shown.tier == tier
    assert not status.billing_status(stripe_sub(St.CANCELED), s.CATALOG, USAGE, s.T0).past_due


def test_a_manual_plan_expires_rather_than_renews() -> None:
    sub = model.Subscription.manual(s.TENANT, s.BASIC.id, (s.T0, s.T0 + timedelta(days=5)), s.T0)
    shown = status.billing_status(sub, s.CATALOG, USAGE, s.T0)
    assert (shown.expires_soon, shown.renews, shown.tier) == (True, False, "LOW")
    after = status.billing_status(sub, s.CATALOG, USAGE, s.T0 + timedelta(days=5))
    assert (after.tier, after.expires_soon) == ("FREE", False)


def test_the_growth_banner_hides_once_expired() -> None:
    settings = platform_model.GrowthSettings(
        google_analytics_id="G-1",
        banner_coupon_code="EID25",
        banner_message="Eid sale",
        banner_expires_at=s.T0,
    )
    before = status.public_growth_view(settings, s.T0 - timedelta(seconds=1))
    assert (before.banner_coupon_code, before.banner_message) == ("EID25", "Eid sale")
    after = status.public_growth_view(settings, s.T0)
    assert (after.banner_coupon_code, after.banner_message, after.banner_expires_at) == (
        None,
        None,
        None,
    )
    assert after.google_analytics_id == "G-1"
    forever = status.public_growth_view(attrs.evolve(settings, banner_expires_at=None), s.T0)
    assert forever.banner_coupon_code == "EID25"


def test_checkout_keys_repeat_within_a_window_and_differ_otherwise() -> None:
    key = checkout.checkout_key(s.TENANT, s.BASIC.id, None, s.T0)
    assert key == checkout.checkout_key(s.TENANT, s.BASIC.id, None, s.T0 + timedelta(minutes=14))
    assert key.startswith("b2-checkout-")
    assert s.TENANT not in key
    others = {
        checkout.checkout_key(s.OTHER_TENANT, s.BASIC.id, None, s.T0),
        checkout.checkout_key(s.TENANT, s.PRO.id, None, s.T0),
        checkout.checkout_key(s.TENANT, s.BASIC.id, "SAVE10", s.T0),
        checkout.checkout_key(s.TENANT, s.BASIC.id, None, s.T0 + timedelta(minutes=15)),
        checkout.checkout_key(ids.TenantId("tenant-1plan-basic"), ids.PlanId(""), None, s.T0),
    }
    assert key not in others
    assert len(others) == 5
