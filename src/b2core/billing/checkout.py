"""What the billing gateway is asked and answers: checkout sessions, invoices, the retry key.

The idempotency key of a checkout is derived, never random: the same tenant, plan and coupon
in the same 15-minute attempt window give the same key, so a retried job (or a double click)
reuses the Checkout Session Stripe already made instead of opening a second one. A job passes
the moment it was first requested, so that its retries stay in its window even across a
window boundary.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import attrs

from b2core.shared import ids, money, time

ATTEMPT_WINDOW = timedelta(minutes=15)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def attempt_window(at: datetime, window: timedelta = ATTEMPT_WINDOW) -> int:
    """The number of the attempt window holding ``at`` (whole windows since 1970 UTC)."""
    return (time.ensure_utc(at) - _EPOCH) // window


def checkout_key(
    tenant_id: ids.TenantId,
    plan_id: ids.PlanId,
    coupon_code: str | None,
    at: datetime,
    window: timedelta = ATTEMPT_WINDOW,
) -> str:
    """The Stripe idempotency key of a checkout (see the module docstring).

    A hash keeps tenant and plan ids out of a header that Stripe logs, and the key short.
    """
    parts = (tenant_id, plan_id, coupon_code or "", str(attempt_window(at, window)))
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"b2-checkout-{digest[:48]}"


@attrs.frozen
class CheckoutRequest:
    """A Checkout Session in subscription mode for one tenant and plan.

    The adapter puts ``tenant_id`` and ``plan_id`` in the session's metadata (and the
    subscription's), so that every webhook names them.
    """

    tenant_id: ids.TenantId
    plan_id: ids.PlanId
    stripe_price_id: str
    success_url: str
    cancel_url: str
    idempotency_key: str
    stripe_customer_id: str | None = None
    stripe_coupon_id: str | None = None


@attrs.frozen
class CheckoutSession:
    """A session Stripe created: where to send the tenant's browser."""

    id: str
    url: str


@attrs.frozen
class Invoice:
    """One invoice from Stripe's history, as the tenant's billing page lists it."""

    id: str
    created_at: datetime
    status: str  # Stripe's invoice status: draft, open, paid, uncollectible, void
    amount_due: money.Money
    amount_paid: money.Money
    number: str | None = None
    hosted_url: str | None = None
    pdf_url: str | None = None
