"""Use cases of manual payments: a tenant's admin submits, a SUPER_ADMIN approves or rejects.

Approval runs in the paying tenant's transaction: the payment, the tenant's subscription, the
coupon's redemption count, the entitlement effects and the audit entry commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from b2core.billing import access, commands, entitlements, events, model, payments, plans, ports
from b2core.billing.handlers import common
from b2core.shared import errors, ids, pagination, time


@attrs.frozen
class SubmitManualPaymentHandler:
    """Record a PENDING payment priced on the server; a reference is accepted once per method."""

    uow: ports.BillingUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.SubmitManualPayment) -> payments.ManualPayment:
        access.require_tenant_admin(cmd.by)
        payments.check_screenshot(cmd.screenshot_type, cmd.screenshot_size)
        now = self.clock.now()
        async with self.uow.tenant(cmd.tenant_id) as tx:
            _refuse_with_card_subscription(await tx.subscription.get())
            plan = await common.load_plan(tx, cmd.plan_id)
            price = payments.quote(plan, await common.coupon_by_code(tx, cmd.coupon_code), now)
            payment = payments.ManualPayment(
                id=ids.PaymentId(self.id_generator.new()),
                tenant_id=cmd.tenant_id,
                method=cmd.method,
                sender_name=cmd.sender_name,
                sender_number=cmd.sender_number,
                reference=cmd.reference,
                plan_id=plan.id,
                price=price,
                screenshot_key=cmd.screenshot_key,
                submitted_by=cmd.by.user_id,
                submitted_at=now,
            )
            await tx.manual_payments.add(payment)
            await tx.audit.append(
                common.entry(
                    self.id_generator,
                    self.clock,
                    cmd.by.audit_actor,
                    "payment.submitted",
                    ("payment", payment.id),
                    tenant_id=cmd.tenant_id,
                    metadata=_submitted(payment),
                )
            )
            await tx.commit()
        return payment


def _submitted(payment: payments.ManualPayment) -> dict[str, object]:
    """What the audit trail keeps of a submission (the sender's details stay in the payment)."""
    return {
        "method": payment.method.value,
        "plan_id": payment.plan_id,
        "amount_minor": payment.price.amount.amount_minor,
        "currency": payment.price.amount.currency,
        "coupon": payment.price.coupon_code,
    }


def _refuse_with_card_subscription(current: model.Subscription | None) -> None:
    # Paying by hand while Stripe also charges the card would bill the tenant twice.
    if current is not None and current.source is model.Source.STRIPE and current.is_entitled:
        raise errors.Conflict(
            "this tenant pays by card; change the plan in the billing portal",
            code="payment.card_subscription_active",
        )


@attrs.frozen
class _DecisionHandler:
    uow: ports.BillingUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def _tenant_of(self, by: access.Caller, payment_id: ids.PaymentId) -> ids.TenantId:
        # Role first, so that nobody else learns which payment ids exist.
        access.require_super_admin(by)
        async with self.uow.platform() as tx:
            found = await tx.payment_review.get(payment_id)
        if found is None:
            raise errors.NotFound("no such payment", code="payment.not_found")
        return found.tenant_id

    async def _finish(
        self, tx: ports.BillingTx, by: access.Caller, payment: payments.ManualPayment, action: str
    ) -> payments.ManualPayment:
        saved = await tx.manual_payments.save(payment)
        metadata = {"plan_id": payment.plan_id, "reason": payment.rejection_reason}
        await tx.audit.append(
            common.entry(
                self.id_generator,
                self.clock,
                by.audit_actor,
                action,
                ("payment", payment.id),
                tenant_id=payment.tenant_id,
                metadata=metadata,
            )
        )
        await tx.commit()
        return saved


@attrs.frozen
class ApproveManualPaymentHandler(_DecisionHandler):
    """Accept a pending payment: the tenant gets the plan for one interval, counters reset."""

    async def __call__(self, cmd: commands.ApproveManualPayment) -> payments.ManualPayment:
        tenant_id = await self._tenant_of(cmd.by, cmd.payment_id)
        now = self.clock.now()
        async with self.uow.tenant(tenant_id) as tx:
            payment = await common.load_payment(tx, cmd.payment_id)
            approved = payment.approve(cmd.by, now)
            plan = await common.load_plan(tx, payment.plan_id)
            current = await tx.subscription.get()
            granted = payments.manual_subscription(tenant_id, current, plan, now)
            await tx.subscription.save(granted)
            catalog = await tx.plans.list(include_deleted=True)
            await tx.entitlements.apply(_effects(tenant_id, current, granted, catalog, now))
            await self._redeem(tx, payment, now)
            return await self._finish(tx, cmd.by, approved, "payment.approved")

    async def _redeem(
        self, tx: ports.BillingTx, payment: payments.ManualPayment, now: datetime
    ) -> None:
        code = payment.price.coupon_code
        coupon = await tx.coupons.by_code(code) if code else None
        if coupon is not None:
            await tx.coupons.save(coupon.redeem(now))


def _effects(
    tenant_id: ids.TenantId,
    before: model.Subscription | None,
    after: model.Subscription,
    catalog: Sequence[plans.Plan],
    at: datetime,
) -> tuple[events.Effect, ...]:
    """A manual purchase's effects: the grant (with its end) and a fresh usage count."""
    return entitlements.changes(
        tenant_id,
        entitlements.entitlement_of(before, catalog, at),
        entitlements.entitlement_of(after, catalog, at),
        at,
        reset_usage=True,
    )


@attrs.frozen
class RejectManualPaymentHandler(_DecisionHandler):
    """Refuse a pending payment, with a reason the tenant will read."""

    async def __call__(self, cmd: commands.RejectManualPayment) -> payments.ManualPayment:
        tenant_id = await self._tenant_of(cmd.by, cmd.payment_id)
        async with self.uow.tenant(tenant_id) as tx:
            payment = await common.load_payment(tx, cmd.payment_id)
            rejected = payment.reject(cmd.by, self.clock.now(), cmd.reason)
            return await self._finish(tx, cmd.by, rejected, "payment.rejected")


@attrs.frozen
class ListManualPaymentsHandler:
    """A page of payments: the caller tenant's own, or every tenant's for a SUPER_ADMIN."""

    uow: ports.BillingUoW

    async def __call__(
        self, cmd: commands.ListManualPayments
    ) -> pagination.Page[payments.ManualPayment]:
        if cmd.by.is_super_admin:
            async with self.uow.platform() as tx:
                return await tx.payment_review.list(cmd.page, status=cmd.status)
        access.require_tenant_admin(cmd.by)
        if cmd.tenant_id is None:
            raise errors.Forbidden("this needs a tenant account", code="auth.tenant_required")
        async with self.uow.tenant(cmd.tenant_id) as tx:
            return await tx.manual_payments.list(cmd.page, status=cmd.status)
