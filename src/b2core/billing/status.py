"""What a tenant's billing page shows, and what a public front end may show of growth settings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from b2core.billing import entitlements, model, plans
from b2core.platform import model as platform_model
from b2core.shared import errors, time

#: How close to the end of its period a subscription counts as expiring soon.
EXPIRY_NOTICE = timedelta(days=7)
#: Statuses that show the "payment overdue" banner: Stripe is retrying (PAST_DUE) or gave up
#: retrying but keeps the subscription open (UNPAID); either way the tenant must act.
OVERDUE = frozenset({model.SubscriptionStatus.PAST_DUE, model.SubscriptionStatus.UNPAID})


def _count(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.InvalidInput(
            f"{attribute.name} must be a non-negative integer", code="billing.bad_usage"
        )


@attrs.frozen
class Usage:
    """AI replies used today and this billing month, against the tenant's effective limits.

    The AI context owns the counters and the limits (with the tenant's overrides); the edge
    passes them in through the ``UsageMeter`` port.
    """

    daily_used: int = attrs.field(validator=_count)
    daily_limit: int = attrs.field(validator=_count)
    monthly_used: int = attrs.field(validator=_count)
    monthly_limit: int = attrs.field(validator=_count)


@attrs.frozen
class BillingStatus:
    """The tenant's plan, status, period end, banners and usage.

    ``expires_soon``: the period of a plan-granting subscription ends within 7 days.
    ``renews``: Stripe will charge again at the period end (not cancelled, not manual), so the
    page can say "renews on" rather than "expires on". ``past_due``: the overdue banner.
    """

    tier: str
    usage: Usage
    plan: plans.PublicPlan | None = None
    status: model.SubscriptionStatus | None = None
    source: model.Source | None = None
    current_period_end: datetime | None = None
    expires_soon: bool = False
    renews: bool = False
    past_due: bool = False


def billing_status(
    subscription: model.Subscription | None,
    catalog: Iterable[plans.Plan],
    usage: Usage,
    at: datetime,
) -> BillingStatus:
    """The billing status of a tenant at ``at``; ``catalog`` includes deleted plans."""
    known = tuple(catalog)
    tier = entitlements.effective_tier(subscription, known, at)
    if subscription is None:
        return BillingStatus(tier=tier, usage=usage)
    plan = plans.find(known, subscription.plan_id)
    end = subscription.current_period_end
    granting = subscription.grants_at(at)
    expires_soon = (
        granting and end is not None and timedelta(0) <= end - time.ensure_utc(at) <= EXPIRY_NOTICE
    )
    return BillingStatus(
        tier=tier,
        usage=usage,
        plan=plans.PublicPlan.of(plan) if plan is not None else None,
        status=subscription.status,
        source=subscription.source,
        current_period_end=end,
        expires_soon=expires_soon,
        renews=granting
        and subscription.source is model.Source.STRIPE
        and not subscription.cancel_at_period_end,
        past_due=subscription.status in OVERDUE,
    )


@attrs.frozen
class GrowthView:
    """The growth settings a public front end may use, the banner only while it is current."""

    google_analytics_id: str | None = None
    facebook_pixel_id: str | None = None
    banner_coupon_code: str | None = None
    banner_message: str | None = None
    banner_expires_at: datetime | None = None


def public_growth_view(settings: platform_model.GrowthSettings, at: datetime) -> GrowthView:
    """``settings`` for the public; the banner (coupon, message, expiry) hides once expired."""
    end = settings.banner_expires_at
    if end is not None and time.ensure_utc(at) >= time.ensure_utc(end):
        return GrowthView(settings.google_analytics_id, settings.facebook_pixel_id)
    return GrowthView(
        settings.google_analytics_id,
        settings.facebook_pixel_id,
        settings.banner_coupon_code,
        settings.banner_message,
        end,
    )
