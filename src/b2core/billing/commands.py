"""Commands of the billing context, reads included.

``tenant_id`` always comes from the verified token (or the job carrying it), never from a
request body; ``by`` is the caller's user id and role as plain values (:class:`access.Caller`).
Nothing here carries a price: prices come from plans and coupons on the server.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from b2core.billing import access, coupons, payments, plans
from b2core.billing import provider_events as pe
from b2core.shared import ids, money, pagination


@attrs.frozen
class CreatePlan:
    """Add a subscription plan (SUPER_ADMIN)."""

    by: access.Caller
    name: str
    ai_plan: str
    daily_limit: int
    monthly_limit: int
    price: money.Money
    interval: plans.Interval
    description: str = ""
    stripe_product_id: str | None = None
    stripe_price_id: str | None = None
    display_order: int = 0
    active: bool = True


@attrs.frozen
class UpdatePlan:
    """Change some fields of a plan (SUPER_ADMIN)."""

    by: access.Caller
    plan_id: ids.PlanId
    changes: plans.PlanChanges


@attrs.frozen
class DeletePlan:
    """Soft-delete a plan (SUPER_ADMIN); its subscribers keep it."""

    by: access.Caller
    plan_id: ids.PlanId


@attrs.frozen
class ListPlans:
    """Every plan with its Stripe ids (SUPER_ADMIN)."""

    by: access.Caller
    include_deleted: bool = False


@attrs.frozen
class ListPublicPlans:
    """The pricing page: purchasable plans without Stripe ids (anyone)."""


@attrs.frozen
class CreateCoupon:
    """Add a coupon (SUPER_ADMIN)."""

    by: access.Caller
    code: str
    kind: coupons.CouponKind
    percent: int | None = None
    amount_off: money.Money | None = None
    expires_at: datetime | None = None
    active: bool = True
    stripe_coupon_id: str | None = None
    max_redemptions: int | None = None


@attrs.frozen
class UpdateCoupon:
    """Change a coupon's switch, expiry, cap or Stripe id (SUPER_ADMIN)."""

    by: access.Caller
    coupon_id: ids.CouponId
    changes: coupons.CouponChanges


@attrs.frozen
class DeleteCoupon:
    """Remove a coupon (SUPER_ADMIN); payments keep their copy of its code."""

    by: access.Caller
    coupon_id: ids.CouponId


@attrs.frozen
class ListCoupons:
    """A page of coupons by code (SUPER_ADMIN)."""

    by: access.Caller
    page: pagination.PageRequest = attrs.field(factory=pagination.PageRequest)


@attrs.frozen
class ApplyBillingEvent:
    """Apply one verified provider event (the webhook's job, or reconciliation)."""

    event: pe.BillingEvent


@attrs.frozen
class SubmitManualPayment:
    """A tenant's admin reports a payment made outside Stripe, with a screenshot already stored.

    ``screenshot_key`` is the media storage key; its type and size are checked again here.
    """

    tenant_id: ids.TenantId
    by: access.Caller
    method: payments.PaymentMethod
    sender_name: str
    sender_number: str
    reference: str
    plan_id: ids.PlanId
    screenshot_key: str
    screenshot_type: str
    screenshot_size: int
    coupon_code: str | None = None


@attrs.frozen
class ApproveManualPayment:
    """Accept a pending payment and grant its plan (SUPER_ADMIN)."""

    by: access.Caller
    payment_id: ids.PaymentId


@attrs.frozen
class RejectManualPayment:
    """Refuse a pending payment with a reason (SUPER_ADMIN)."""

    by: access.Caller
    payment_id: ids.PaymentId
    reason: str


@attrs.frozen
class ListManualPayments:
    """Payments newest first: a tenant's admin sees its own, a SUPER_ADMIN every tenant's.

    ``tenant_id`` is the caller's tenant (None for a SUPER_ADMIN).
    """

    by: access.Caller
    tenant_id: ids.TenantId | None = None
    status: payments.PaymentStatus | None = None
    page: pagination.PageRequest = attrs.field(factory=pagination.PageRequest)


@attrs.frozen
class StartCheckout:
    """Open a Stripe Checkout Session for a plan (TENANT_ADMIN).

    ``requested_at`` is when the purchase was first asked for; a retried job passes the same
    value so that it reuses the same idempotency key (None: now).
    """

    tenant_id: ids.TenantId
    by: access.Caller
    plan_id: ids.PlanId
    success_url: str
    cancel_url: str
    coupon_code: str | None = None
    requested_at: datetime | None = None


@attrs.frozen
class OpenBillingPortal:
    """A link to Stripe's customer portal (TENANT_ADMIN of a tenant with a Stripe customer)."""

    tenant_id: ids.TenantId
    by: access.Caller
    return_url: str


@attrs.frozen
class ListInvoices:
    """The tenant's invoice history from Stripe, a page at a time (TENANT_ADMIN)."""

    tenant_id: ids.TenantId
    by: access.Caller
    page: pagination.PageRequest = attrs.field(factory=pagination.PageRequest)


@attrs.frozen
class GetBillingStatus:
    """The tenant's plan, status, period end, banners and usage (TENANT_ADMIN)."""

    tenant_id: ids.TenantId
    by: access.Caller


@attrs.frozen
class ExpireManualGrants:
    """End the manual subscriptions whose period is over: back to FREE (a periodic job)."""

    limit: int = 100
