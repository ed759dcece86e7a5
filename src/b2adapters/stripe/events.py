"""Stripe event JSON into the billing context's provider events (SDK-free, pure parsing).

Stripe moved some fields between API versions (the subscription of an invoice, the period of a
subscription); both places are read. Anything the billing context does not act on, or cannot
read, becomes an :class:`~b2core.billing.provider_events.UnknownEvent` so that it is
acknowledged rather than retried forever.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from b2core.billing import model
from b2core.billing import provider_events as pe
from b2core.shared import errors, ids

BAD_EVENT = "stripe.bad_event"

# Event types the billing context acts on; reconciliation asks Stripe for these only.
HANDLED_TYPES: tuple[str, ...] = (
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
)
_STATUSES = {status.value for status in model.SubscriptionStatus}


def _bad(message: str) -> errors.InvalidInput:
    return errors.InvalidInput(message, code=BAD_EVENT)


def _timestamp(value: object) -> datetime | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return datetime.fromtimestamp(value, tz=UTC)
    return None


def _text(value: object) -> str | None:
    """A Stripe id field: a string, or an expanded object carrying an ``id``."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _metadata(*sources: object) -> dict[str, str]:
    found: dict[str, str] = {}
    for source in sources:
        if isinstance(source, Mapping):
            found.update({k: v for k, v in source.items() if isinstance(v, str) and v})
    return found


def parse_event(payload: object) -> pe.BillingEvent:
    """The provider event of one Stripe event object (already verified).

    Raises:
        errors.InvalidInput: ``stripe.bad_event`` when the payload is not a Stripe event at all
            (no id, type, creation time or data object).
    """
    if not isinstance(payload, Mapping):
        raise _bad("a Stripe event is a JSON object")
    event_id, kind = payload.get("id"), payload.get("type")
    created = _timestamp(payload.get("created"))
    data = payload.get("data")
    obj = data.get("object") if isinstance(data, Mapping) else None
    if not isinstance(event_id, str) or not event_id or len(event_id) > 255:
        raise _bad("the event has no id")
    if not isinstance(kind, str) or created is None or not isinstance(obj, Mapping):
        raise _bad("the event has no type, creation time or object")
    base: dict[str, Any] = {"id": event_id, "occurred_at": created}
    parsed = _known(kind, obj, base)
    return parsed if parsed is not None else pe.UnknownEvent(**base, type=kind)


def _known(kind: str, obj: Mapping[str, Any], base: dict[str, Any]) -> pe.BillingEvent | None:
    if kind == "checkout.session.completed":
        return _checkout(obj, base)
    if kind in ("customer.subscription.created", "customer.subscription.updated"):
        return _subscription(obj, base, created=kind.endswith("created"))
    if kind == "customer.subscription.deleted":
        ref = _subscription_ref(obj, _metadata(obj.get("metadata")))
        return pe.SubscriptionDeleted(**base, **ref) if ref["stripe_subscription_id"] else None
    if kind in ("invoice.paid", "invoice.payment_failed"):
        return _invoice(kind, obj, base)
    return None


def _tenant(metadata: Mapping[str, str]) -> ids.TenantId | None:
    value = metadata.get("tenant_id")
    return ids.TenantId(value) if value else None


def _subscription_ref(obj: Mapping[str, Any], metadata: Mapping[str, str]) -> dict[str, Any]:
    return {
        "tenant_id": _tenant(metadata),
        "stripe_customer_id": _text(obj.get("customer")),
        "stripe_subscription_id": _text(obj.get("id")),
    }


def _checkout(obj: Mapping[str, Any], base: dict[str, Any]) -> pe.BillingEvent | None:
    metadata = _metadata(obj.get("metadata"))
    plan_id = metadata.get("plan_id")
    if obj.get("mode") != "subscription" or not plan_id:
        return None  # a one-off payment or a session b2 did not open
    return pe.CheckoutCompleted(
        **base,
        tenant_id=_tenant(metadata),
        stripe_customer_id=_text(obj.get("customer")),
        stripe_subscription_id=_text(obj.get("subscription")),
        plan_id=ids.PlanId(plan_id),
        payment_settled=obj.get("payment_status") != "unpaid",
    )


def _first_item(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    items = obj.get("items")
    data = items.get("data") if isinstance(items, Mapping) else None
    if isinstance(data, list) and data and isinstance(data[0], Mapping):
        return data[0]
    return {}


def subscription_changed(
    obj: Mapping[str, Any], base: dict[str, Any], *, created: bool = False
) -> pe.SubscriptionChanged | None:
    """A subscription object as a change event; None when its status is not one b2 knows."""
    status = str(obj.get("status", "")).upper()
    if status not in _STATUSES:
        return None  # e.g. "paused": acknowledged, reconciled by hand
    item = _first_item(obj)
    price = item.get("price")
    return pe.SubscriptionChanged(
        **base,
        **_subscription_ref(obj, _metadata(obj.get("metadata"))),
        status=model.SubscriptionStatus(status),
        stripe_price_id=_text(price),
        current_period_start=_timestamp(
            obj.get("current_period_start", item.get("current_period_start"))
        ),
        current_period_end=_timestamp(
            obj.get("current_period_end", item.get("current_period_end"))
        ),
        cancel_at_period_end=obj.get("cancel_at_period_end") is True,
        created=created,
    )


def _subscription(
    obj: Mapping[str, Any], base: dict[str, Any], *, created: bool
) -> pe.BillingEvent | None:
    if _text(obj.get("id")) is None:
        return None
    return subscription_changed(obj, base, created=created)


def _invoice(kind: str, obj: Mapping[str, Any], base: dict[str, Any]) -> pe.BillingEvent | None:
    parent = obj.get("parent")
    details = parent.get("subscription_details") if isinstance(parent, Mapping) else None
    details = details if isinstance(details, Mapping) else {}
    legacy = obj.get("subscription_details")
    subscription = _text(obj.get("subscription")) or _text(details.get("subscription"))
    if subscription is None:
        return None  # not a subscription invoice
    metadata = _metadata(
        legacy.get("metadata") if isinstance(legacy, Mapping) else None, details.get("metadata")
    )
    ref: dict[str, Any] = {
        "tenant_id": _tenant(metadata),
        "stripe_customer_id": _text(obj.get("customer")),
        "stripe_subscription_id": subscription,
    }
    if kind == "invoice.paid":
        return pe.InvoicePaid(**base, **ref)
    return pe.InvoicePaymentFailed(**base, **ref)
