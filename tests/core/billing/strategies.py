"""Builders and Hypothesis strategies for the billing tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from b2core.billing import access, coupons, plans
from b2core.shared import ids, money

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TENANT = ids.TenantId("tenant-1")
OTHER_TENANT = ids.TenantId("tenant-2")
SUPER = access.Caller(ids.UserId("u-super"), "SUPER_ADMIN")
ADMIN = access.Caller(ids.UserId("u-admin"), "TENANT_ADMIN")
STAFF = access.Caller(ids.UserId("u-staff"), "STAFF")


def plan(
    pid: str = "plan-basic",
    *,
    ai_plan: str = "PAID_BASIC",
    price: int = 2500,
    currency: str = "USD",
    stripe_price_id: str | None = None,
    interval: plans.Interval = plans.Interval.MONTH,
    daily: int = 200,
    monthly: int = 5000,
    order: int = 0,
    active: bool = True,
    name: str | None = None,
) -> plans.Plan:
    """A plan with sensible defaults; its Stripe price is ``price_<pid>`` unless given."""
    return plans.Plan(
        id=ids.PlanId(pid),
        name=name or pid.replace("-", " ").title(),
        ai_plan=ai_plan,
        daily_limit=daily,
        monthly_limit=monthly,
        price=money.Money(price, currency),
        interval=interval,
        created_at=T0,
        updated_at=T0,
        stripe_product_id=f"prod_{pid.replace('-', '')}",
        stripe_price_id=stripe_price_id or f"price_{pid.replace('-', '')}",
        display_order=order,
        active=active,
    )


BASIC = plan("plan-basic", ai_plan="PAID_BASIC", order=1)
PRO = plan("plan-pro", ai_plan="PAID_PRO", price=6000, daily=500, monthly=15000, order=2)
ENTERPRISE = plan("plan-ent", ai_plan="ENTERPRISE", price=20000, daily=2000, monthly=50000, order=3)
CATALOG = (BASIC, PRO, ENTERPRISE)
EXPECTED_TIER = {BASIC.id: "LOW", PRO.id: "MEDIUM", ENTERPRISE.id: "HIGH"}


def percent_coupon(pct: int, **fields: object) -> coupons.Coupon:
    """A PERCENTAGE coupon."""
    return coupons.Coupon(
        id=ids.CouponId(f"c-p{pct}"),
        code=str(fields.pop("code", f"SAVE{pct}")),
        kind=coupons.CouponKind.PERCENTAGE,
        created_at=T0,
        updated_at=T0,
        percent=pct,
        **fields,  # type: ignore[arg-type]
    )


def fixed_coupon(amount: int, currency: str = "USD", **fields: object) -> coupons.Coupon:
    """A FIXED coupon."""
    return coupons.Coupon(
        id=ids.CouponId(f"c-f{amount}"),
        code=str(fields.pop("code", f"OFF{amount}")),
        kind=coupons.CouponKind.FIXED,
        created_at=T0,
        updated_at=T0,
        amount_off=money.Money(amount, currency),
        **fields,  # type: ignore[arg-type]
    )


moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)
prices = st.integers(min_value=0, max_value=10**12).map(lambda n: money.Money(n, "USD"))
expiries = st.one_of(st.none(), moments)
coupon_values = st.one_of(
    st.integers(min_value=1, max_value=100).map(lambda p: percent_coupon(p)),
    st.integers(min_value=0, max_value=10**12).map(lambda a: fixed_coupon(a)),
)
within_a_year = st.integers(min_value=0, max_value=365 * 24 * 3600).map(
    lambda s: timedelta(seconds=s)
)
