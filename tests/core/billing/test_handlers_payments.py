"""Manual payments through the handlers: submit, approve or reject, roles, duplicates, listing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from b2core.billing import commands, coupons, events, model, payments, plans
from b2core.shared import errors, ids, money, pagination
from tests.core.billing import strategies as s
from tests.core.billing.conftest import Billing


async def seed(billing: Billing) -> plans.Plan:
    """A purchasable Basic plan (PKR) and a 10% coupon."""
    plan: plans.Plan = await billing.handle(
        commands.CreatePlan(
            s.SUPER,
            "Basic",
            "PAID_BASIC",
            200,
            5000,
            money.Money(250000, "PKR"),
            plans.Interval.MONTH,
        )
    )
    await billing.handle(
        commands.CreateCoupon(
            s.SUPER, "SAVE10", coupons.CouponKind.PERCENTAGE, percent=10, max_redemptions=5
        )
    )
    return plan


def submit(
    plan: plans.Plan,
    *,
    tenant: ids.TenantId = s.TENANT,
    by: object = s.ADMIN,
    reference: str = "EP-778812",
    method: payments.PaymentMethod = payments.PaymentMethod.EASYPAISA,
    coupon: str | None = None,
    mime: str = "image/png",
    size: int = 200_000,
) -> commands.SubmitManualPayment:
    return commands.SubmitManualPayment(
        tenant_id=tenant,
        by=by,  # type: ignore[arg-type]
        method=method,
        sender_name="Ayesha Khan",
        sender_number="03001234567",
        reference=reference,
        plan_id=plan.id,
        screenshot_key=f"{tenant}/2026-03/payments/shot.png",
        screenshot_type=mime,
        screenshot_size=size,
        coupon_code=coupon,
    )


async def test_submit_then_approve_grants_the_plan(billing: Billing) -> None:
    plan = await seed(billing)
    audit_before = len(billing.uow.store.audit)
    sent: payments.ManualPayment = await billing.handle(submit(plan, coupon="save10"))
    assert sent.status is payments.PaymentStatus.PENDING
    # The amount is the server's: plan price minus the coupon, nothing from the tenant.
    assert (sent.price.amount.amount_minor, sent.price.discount.amount_minor) == (225000, 25000)
    billing.clock.advance(timedelta(hours=2))
    approved: payments.ManualPayment = await billing.handle(
        commands.ApproveManualPayment(s.SUPER, sent.id)
    )
    assert (approved.status, approved.decided_by) == (
        payments.PaymentStatus.APPROVED,
        s.SUPER.user_id,
    )
    sub = billing.uow.store.subscriptions[s.TENANT]
    assert (sub.status, sub.source, sub.plan_id) == (
        model.SubscriptionStatus.ACTIVE,
        model.Source.MANUAL,
        plan.id,
    )
    now = s.T0 + timedelta(hours=2)
    assert sub.current_period_end == plans.add_interval(now, plans.Interval.MONTH)
    assert billing.uow.store.effects[s.TENANT] == [
        events.EntitlementGranted(
            s.TENANT, plan.id, "PAID_BASIC", "LOW", 200, 5000, now, sub.current_period_end
        ),
        events.UsageCountersReset(s.TENANT, now),
    ]
    coupon = next(iter(billing.uow.store.coupons.values()))
    assert coupon.redemptions == 1
    actions = [(e.action, e.tenant_id) for e in billing.uow.store.audit[audit_before:]]
    assert actions == [("payment.submitted", s.TENANT), ("payment.approved", s.TENANT)]


@pytest.mark.parametrize("caller", [s.ADMIN, s.STAFF])
async def test_tenant_people_cannot_approve_or_reject(billing: Billing, caller: object) -> None:
    sent: payments.ManualPayment = await billing.handle(submit(await seed(billing)))
    for command in (
        commands.ApproveManualPayment(caller, sent.id),  # type: ignore[arg-type]
        commands.RejectManualPayment(caller, sent.id, "no"),  # type: ignore[arg-type]
    ):
        with pytest.raises(errors.Forbidden):
            await billing.handle(command)
    assert billing.uow.store.payments[sent.id].status is payments.PaymentStatus.PENDING
    assert s.TENANT not in billing.uow.store.subscriptions


async def test_rejecting_needs_a_reason(billing: Billing) -> None:
    sent: payments.ManualPayment = await billing.handle(submit(await seed(billing)))
    with pytest.raises(errors.InvalidInput) as caught:
        await billing.handle(commands.RejectManualPayment(s.SUPER, sent.id, "  "))
    assert caught.value.code == "payment.reason_required"
    rejected: payments.ManualPayment = await billing.handle(
        commands.RejectManualPayment(s.SUPER, sent.id, "no such transfer")
    )
    assert (rejected.status, rejected.rejection_reason) == (
        payments.PaymentStatus.REJECTED,
        "no such transfer",
    )
    assert s.TENANT not in billing.uow.store.effects
    with pytest.raises(errors.Conflict) as twice:
        await billing.handle(commands.ApproveManualPayment(s.SUPER, sent.id))
    assert twice.value.code == "payment.invalid_transition"


async def test_a_reference_is_accepted_once_per_method_across_tenants(billing: Billing) -> None:
    plan = await seed(billing)
    await billing.handle(submit(plan, reference="EP-778812"))
    for again in (
        submit(plan, reference=" ep-778812 "),
        submit(plan, tenant=s.OTHER_TENANT, reference="Ep-7788 12"),
    ):
        with pytest.raises(errors.Conflict) as caught:
            await billing.handle(again)
        assert caught.value.code == "payment.duplicate_reference"
    other_method = submit(plan, reference="EP-778812", method=payments.PaymentMethod.JAZZCASH)
    assert (await billing.handle(other_method)).method is payments.PaymentMethod.JAZZCASH
    assert len(billing.uow.store.payments) == 2


async def test_submissions_are_checked_before_anything_is_stored(billing: Billing) -> None:
    plan = await seed(billing)
    cases = [
        (submit(plan, by=s.STAFF), errors.Forbidden, "billing.tenant_admin_only"),
        (submit(plan, mime="image/gif"), errors.InvalidInput, "payment.bad_screenshot_type"),
        (submit(plan, size=6 * 1024 * 1024), errors.InvalidInput, "payment.bad_screenshot_size"),
        (submit(plan, coupon="NOPE"), errors.NotFound, "coupon.not_found"),
    ]
    for command, kind, code in cases:
        with pytest.raises(kind) as caught:
            await billing.handle(command)
        assert caught.value.code == code
    assert billing.uow.store.payments == {}


async def test_listing_shows_a_tenant_its_own_and_the_super_admin_all(billing: Billing) -> None:
    plan = await seed(billing)
    mine: payments.ManualPayment = await billing.handle(submit(plan, reference="REF-A1"))
    billing.clock.advance(timedelta(minutes=1))
    theirs: payments.ManualPayment = await billing.handle(
        submit(plan, tenant=s.OTHER_TENANT, reference="REF-B1")
    )
    await billing.handle(commands.RejectManualPayment(s.SUPER, theirs.id, "blurry screenshot"))
    own: pagination.Page[payments.ManualPayment] = await billing.handle(
        commands.ListManualPayments(s.ADMIN, tenant_id=s.TENANT)
    )
    assert [p.id for p in own.items] == [mine.id]
    every: pagination.Page[payments.ManualPayment] = await billing.handle(
        commands.ListManualPayments(s.SUPER)
    )
    assert [p.id for p in every.items] == [theirs.id, mine.id]
    pending: pagination.Page[payments.ManualPayment] = await billing.handle(
        commands.ListManualPayments(s.SUPER, status=payments.PaymentStatus.PENDING)
    )
    assert [p.id for p in pending.items] == [mine.id]
    with pytest.raises(errors.Forbidden):
        await billing.handle(commands.ListManualPayments(s.STAFF, tenant_id=s.TENANT))


async def test_an_unknown_payment_is_not_found_for_the_super_admin_only(billing: Billing) -> None:
    with pytest.raises(errors.NotFound) as caught:
        await billing.handle(commands.ApproveManualPayment(s.SUPER, ids.PaymentId("nope")))
    assert caught.value.code == "payment.not_found"
    with pytest.raises(errors.Forbidden):
        await billing.handle(commands.ApproveManualPayment(s.ADMIN, ids.PaymentId("nope")))


async def test_a_tenant_paying_by_card_cannot_also_pay_by_hand(billing: Billing) -> None:
    plan = await seed(billing)
    billing.uow.store.subscriptions[s.TENANT] = model.Subscription.from_stripe(
        s.TENANT,
        model.SubscriptionStatus.ACTIVE,
        s.T0,
        stripe_subscription_id="sub_1",
        plan_id=plan.id,
    )
    with pytest.raises(errors.Conflict) as caught:
        await billing.handle(submit(plan))
    assert caught.value.code == "payment.card_subscription_active"
