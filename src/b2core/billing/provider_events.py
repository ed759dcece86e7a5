"""Billing events from the payment provider (Stripe), already verified and parsed by an adapter.

Each carries the provider's event ``id`` (the dedupe key), ``occurred_at`` (the object's own
timestamp when the adapter has one, else the event's ``created``: the ordering key), the Stripe
customer and subscription ids, and ``tenant_id`` when the adapter found it in the object's
metadata (the handler looks the tenant up by customer or subscription id otherwise).

======================================  ====================================================
Stripe event                            input
======================================  ====================================================
checkout.session.completed              :class:`CheckoutCompleted`
customer.subscription.created/updated   :class:`SubscriptionChanged`
customer.subscription.deleted           :class:`SubscriptionDeleted`
invoice.payment_failed                  :class:`InvoicePaymentFailed`
invoice.paid                            :class:`InvoicePaid`
anything else                           :class:`UnknownEvent` (acknowledged, ignored)
======================================  ====================================================
"""

from __future__ import annotations

from datetime import datetime
from typing import Self

import attrs

from b2core.billing import model, values
from b2core.shared import errors, ids, time


def _check_id(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= 255:
        raise errors.InvalidInput("an event id is 1 to 255 characters", code="billing.bad_event")


def _optional_utc(value: datetime | None) -> datetime | None:
    return None if value is None else time.ensure_utc(value)


def _status(value: object) -> model.SubscriptionStatus:
    return values.to_enum(model.SubscriptionStatus, value, "billing.bad_status")


@attrs.frozen(kw_only=True)
class _Event:
    id: str = attrs.field(validator=_check_id)
    occurred_at: datetime = attrs.field(converter=time.ensure_utc)
    tenant_id: ids.TenantId | None = None
    stripe_customer_id: str | None = None
    stripe_subscription_id: str | None = None

    def for_tenant(self, tenant_id: ids.TenantId) -> Self:
        """The same event, known to concern ``tenant_id`` (the handler's look-up)."""
        return attrs.evolve(self, tenant_id=tenant_id)


@attrs.frozen(kw_only=True)
class CheckoutCompleted(_Event):
    """A Checkout Session for a subscription completed (``checkout.session.completed``).

    ``plan_id`` comes from the session's metadata. ``payment_settled`` is False when the
    customer chose a delayed payment method (the session's ``payment_status`` is ``unpaid``):
    the subscription then waits INCOMPLETE for its first ``invoice.paid``.
    """

    plan_id: ids.PlanId
    payment_settled: bool = True


@attrs.frozen(kw_only=True)
class SubscriptionChanged(_Event):
    """``customer.subscription.created`` or ``.updated``: the object's state as Stripe sends it.

    ``stripe_price_id`` is the price of its (first) item; the plan selling it gives the tier.
    """

    status: model.SubscriptionStatus = attrs.field(converter=_status)
    stripe_price_id: str | None = None
    current_period_start: datetime | None = attrs.field(default=None, converter=_optional_utc)
    current_period_end: datetime | None = attrs.field(default=None, converter=_optional_utc)
    cancel_at_period_end: bool = False
    created: bool = False  # ``.created`` rather than ``.updated``; both are applied alike


@attrs.frozen(kw_only=True)
class SubscriptionDeleted(_Event):
    """``customer.subscription.deleted``: the subscription ended (CANCELED, final)."""


@attrs.frozen(kw_only=True)
class InvoicePaymentFailed(_Event):
    """``invoice.payment_failed`` for a subscription invoice."""


@attrs.frozen(kw_only=True)
class InvoicePaid(_Event):
    """``invoice.paid`` for a subscription invoice."""


@attrs.frozen(kw_only=True)
class UnknownEvent(_Event):
    """Any other event type: acknowledged so that Stripe stops resending it, then ignored."""

    type: str = ""


BillingEvent = (
    CheckoutCompleted
    | SubscriptionChanged
    | SubscriptionDeleted
    | InvoicePaymentFailed
    | InvoicePaid
    | UnknownEvent
)
