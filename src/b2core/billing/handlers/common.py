"""Helpers shared by the billing handlers: loading things or failing with a clear code, audit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from b2core.billing import coupons, payments, plans, ports
from b2core.shared import audit, errors, ids, time


class _HasPlans(Protocol):
    @property
    def plans(self) -> ports.PlanRepository: ...


class _HasCoupons(Protocol):
    @property
    def coupons(self) -> ports.CouponRepository: ...


async def load_plan(tx: _HasPlans, plan_id: ids.PlanId) -> plans.Plan:
    """The plan (deleted ones too), or ``plan.not_found``."""
    found = await tx.plans.get(plan_id)
    if found is None:
        raise errors.NotFound("no such plan", code="plan.not_found")
    return found


async def load_coupon(tx: _HasCoupons, coupon_id: ids.CouponId) -> coupons.Coupon:
    """The coupon, or ``coupon.not_found``."""
    found = await tx.coupons.get(coupon_id)
    if found is None:
        raise errors.NotFound("no such coupon", code="coupon.not_found")
    return found


async def coupon_by_code(tx: _HasCoupons, code: str | None) -> coupons.Coupon | None:
    """The coupon a buyer typed (None when they typed none), or ``coupon.not_found``."""
    if code is None or not code.strip():
        return None
    found = await tx.coupons.by_code(coupons.normalize_code(code))
    if found is None:
        raise errors.NotFound("no such coupon", code="coupon.not_found")
    return found


async def load_payment(tx: ports.BillingTx, payment_id: ids.PaymentId) -> payments.ManualPayment:
    """The tenant's payment, or ``payment.not_found`` (also for another tenant's id)."""
    found = await tx.manual_payments.get(payment_id)
    if found is None:
        raise errors.NotFound("no such payment", code="payment.not_found")
    return found


def entry(
    id_generator: ids.IdGenerator,
    clock: time.Clock,
    actor: audit.Actor,
    action: str,
    target: tuple[str, str],
    *,
    tenant_id: ids.TenantId | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> audit.AuditEntry:
    """The one audit entry of a billing change."""
    return audit.record(
        id_generator, clock, actor, action, tenant_id=tenant_id, target=target, metadata=metadata
    )
