"""Rows of the billing tables to domain objects and back (no I/O here)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import RowMapping

from b2core.billing import coupons, model, payments, plans
from b2core.shared import ids, money


def plan_to_row(plan: plans.Plan) -> dict[str, Any]:
    """The ``plans`` row of ``plan``."""
    return {
        "id": plan.id,
        "name": plan.name,
        "name_key": plan.name.casefold(),
        "description": plan.description,
        "ai_plan": plan.ai_plan,
        "daily_limit": plan.daily_limit,
        "monthly_limit": plan.monthly_limit,
        "price_minor": plan.price.amount_minor,
        "currency": plan.price.currency,
        "interval": plan.interval.value,
        "stripe_product_id": plan.stripe_product_id,
        "stripe_price_id": plan.stripe_price_id,
        "display_order": plan.display_order,
        "active": plan.active,
        "deleted_at": plan.deleted_at,
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
        "version": plan.version,
    }


def plan_from_row(row: RowMapping) -> plans.Plan:
    """The plan stored in a ``plans`` row."""
    return plans.Plan(
        id=ids.PlanId(row["id"]),
        name=row["name"],
        ai_plan=row["ai_plan"],
        daily_limit=int(row["daily_limit"]),
        monthly_limit=int(row["monthly_limit"]),
        price=money.Money(int(row["price_minor"]), row["currency"]),
        interval=plans.Interval(row["interval"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        description=row["description"],
        stripe_product_id=row["stripe_product_id"],
        stripe_price_id=row["stripe_price_id"],
        display_order=int(row["display_order"]),
        active=bool(row["active"]),
        deleted_at=row["deleted_at"],
        version=int(row["version"]),
    )


def coupon_to_row(coupon: coupons.Coupon) -> dict[str, Any]:
    """The ``coupons`` row of ``coupon``."""
    off = coupon.amount_off
    return {
        "id": coupon.id,
        "code": coupon.code,
        "kind": coupon.kind.value,
        "percent": coupon.percent,
        "amount_off_minor": off.amount_minor if off is not None else None,
        "amount_off_currency": off.currency if off is not None else None,
        "expires_at": coupon.expires_at,
        "active": coupon.active,
        "stripe_coupon_id": coupon.stripe_coupon_id,
        "max_redemptions": coupon.max_redemptions,
        "redemptions": coupon.redemptions,
        "created_at": coupon.created_at,
        "updated_at": coupon.updated_at,
        "version": coupon.version,
    }


def coupon_from_row(row: RowMapping) -> coupons.Coupon:
    """The coupon stored in a ``coupons`` row."""
    minor, currency = row["amount_off_minor"], row["amount_off_currency"]
    return coupons.Coupon(
        id=ids.CouponId(row["id"]),
        code=row["code"],
        kind=coupons.CouponKind(row["kind"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        percent=None if row["percent"] is None else int(row["percent"]),
        amount_off=None if minor is None else money.Money(int(minor), currency),
        expires_at=row["expires_at"],
        active=bool(row["active"]),
        stripe_coupon_id=row["stripe_coupon_id"],
        max_redemptions=None if row["max_redemptions"] is None else int(row["max_redemptions"]),
        redemptions=int(row["redemptions"]),
        version=int(row["version"]),
    )


def subscription_to_row(subscription: model.Subscription) -> dict[str, Any]:
    """The ``subscriptions`` row of ``subscription`` (its version as given)."""
    return {
        "tenant_id": subscription.tenant_id,
        "status": subscription.status.value,
        "source": subscription.source.value,
        "plan_id": subscription.plan_id,
        "stripe_customer_id": subscription.stripe_customer_id,
        "stripe_subscription_id": subscription.stripe_subscription_id,
        "current_period_start": subscription.current_period_start,
        "current_period_end": subscription.current_period_end,
        "cancel_at_period_end": subscription.cancel_at_period_end,
        "last_event_at": subscription.last_event_at,
        "recent_event_ids": list(subscription.recent_event_ids),
        "created_at": subscription.created_at,
        "updated_at": subscription.updated_at,
        "version": subscription.version,
    }


def subscription_from_row(row: RowMapping) -> model.Subscription:
    """The subscription stored in a ``subscriptions`` row."""
    plan_id = row["plan_id"]
    return model.Subscription(
        tenant_id=ids.TenantId(row["tenant_id"]),
        status=model.SubscriptionStatus(row["status"]),
        source=model.Source(row["source"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        plan_id=None if plan_id is None else ids.PlanId(plan_id),
        stripe_customer_id=row["stripe_customer_id"],
        stripe_subscription_id=row["stripe_subscription_id"],
        current_period_start=row["current_period_start"],
        current_period_end=row["current_period_end"],
        cancel_at_period_end=bool(row["cancel_at_period_end"]),
        last_event_at=row["last_event_at"],
        recent_event_ids=tuple(str(e) for e in row["recent_event_ids"] or ()),
        version=int(row["version"]),
    )


def payment_to_row(payment: payments.ManualPayment) -> dict[str, Any]:
    """The ``manual_payments`` row of ``payment``."""
    price = payment.price
    return {
        "id": payment.id,
        "tenant_id": payment.tenant_id,
        "method": payment.method.value,
        "sender_name": payment.sender_name,
        "sender_number": payment.sender_number,
        "reference": payment.reference,
        "plan_id": payment.plan_id,
        "list_price_minor": price.list_price.amount_minor,
        "discount_minor": price.discount.amount_minor,
        "amount_minor": price.amount.amount_minor,
        "currency": price.amount.currency,
        "coupon_code": price.coupon_code,
        "screenshot_key": payment.screenshot_key,
        "submitted_by": payment.submitted_by,
        "submitted_at": payment.submitted_at,
        "status": payment.status.value,
        "decided_by": payment.decided_by,
        "decided_at": payment.decided_at,
        "rejection_reason": payment.rejection_reason,
        "version": payment.version,
    }


def payment_from_row(row: RowMapping) -> payments.ManualPayment:
    """The payment stored in a ``manual_payments`` row."""
    currency = row["currency"]
    decided_by = row["decided_by"]
    return payments.ManualPayment(
        id=ids.PaymentId(row["id"]),
        tenant_id=ids.TenantId(row["tenant_id"]),
        method=payments.PaymentMethod(row["method"]),
        sender_name=row["sender_name"],
        sender_number=row["sender_number"],
        reference=row["reference"],
        plan_id=ids.PlanId(row["plan_id"]),
        price=payments.Quote(
            money.Money(int(row["list_price_minor"]), currency),
            money.Money(int(row["discount_minor"]), currency),
            money.Money(int(row["amount_minor"]), currency),
            row["coupon_code"],
        ),
        screenshot_key=row["screenshot_key"],
        submitted_by=ids.UserId(row["submitted_by"]),
        submitted_at=row["submitted_at"],
        status=payments.PaymentStatus(row["status"]),
        decided_by=None if decided_by is None else ids.UserId(decided_by),
        decided_at=row["decided_at"],
        rejection_reason=row["rejection_reason"],
        version=int(row["version"]),
    )
