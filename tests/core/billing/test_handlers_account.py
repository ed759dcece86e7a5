"""Provider events, checkout, portal, invoices and the status page through the handlers."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from b2core.billing import checkout, commands, coupons, events, model, plans, status, sync
from b2core.billing import provider_events as pe
from b2core.shared import errors, ids, money, pagination
from tests.core.billing import strategies as s
from tests.core.billing.conftest import Billing

St = model.SubscriptionStatus


async def seed(billing: Billing) -> plans.Plan:
    """The Pro plan sold at a Stripe price, and a coupon known to Stripe."""
    plan: plans.Plan = await billing.handle(
        commands.CreatePlan(
            s.SUPER,
            "Pro",
            "PAID_PRO",
            500,
            15000,
            money.Money(6000, "USD"),
            plans.Interval.MONTH,
            stripe_price_id="price_pro",
        )
    )
    await billing.handle(
        commands.CreateCoupon(
            s.SUPER,
            "LAUNCH",
            coupons.CouponKind.PERCENTAGE,
            percent=20,
            stripe_coupon_id="launch20",
        )
    )
    return plan


def completed(plan: plans.Plan, event_id: str = "evt_1", minutes: int = 0) -> pe.CheckoutCompleted:
    return pe.CheckoutCompleted(
        id=event_id,
        occurred_at=s.T0 + timedelta(minutes=minutes),
        tenant_id=s.TENANT,
        stripe_customer_id="cus_9",
        stripe_subscription_id="sub_9",
        plan_id=plan.id,
    )


async def apply(billing: Billing, event: pe.BillingEvent) -> sync.Applied:
    result: sync.Applied = await billing.handle(commands.ApplyBillingEvent(event))
    return result


async def test_a_webhook_applies_once_with_effects_and_one_audit_entry(billing: Billing) -> None:
    plan = await seed(billing)
    audit_before = len(billing.uow.store.audit)
    first = await apply(billing, completed(plan))
    assert first.outcome is sync.Outcome.APPLIED
    assert first.state is not None
    assert first.state.version == 1
    again = await apply(billing, completed(plan))
    assert again.outcome is sync.Outcome.DUPLICATE
    assert again.effects == ()
    assert [type(e) for e in billing.uow.store.effects[s.TENANT]] == [
        events.EntitlementGranted,
        events.UsageCountersReset,
    ]
    entries = billing.uow.store.audit[audit_before:]
    assert [(e.action, e.actor.kind, e.tenant_id) for e in entries] == [
        ("billing.event_applied", "system", s.TENANT)
    ]
    assert entries[0].metadata["effects"] == ["EntitlementGranted", "UsageCountersReset"]


async def test_the_processed_table_dedupes_even_after_the_pure_memory_forgets(
    billing: Billing,
) -> None:
    plan = await seed(billing)
    await apply(billing, completed(plan))
    sub = billing.uow.store.subscriptions[s.TENANT]
    billing.uow.store.subscriptions[s.TENANT] = attrs.evolve(sub, recent_event_ids=())
    result = await apply(billing, completed(plan))
    assert result.outcome is sync.Outcome.DUPLICATE
    assert len(billing.uow.store.effects[s.TENANT]) == 2


async def test_events_without_tenant_metadata_find_it_by_subscription(billing: Billing) -> None:
    plan = await seed(billing)
    await apply(billing, completed(plan))
    failed = pe.InvoicePaymentFailed(
        id="evt_2", occurred_at=s.T0 + timedelta(days=30), stripe_subscription_id="sub_9"
    )
    result = await apply(billing, failed)
    assert result.state is not None
    assert result.state.status is St.PAST_DUE
    assert billing.uow.store.subscriptions[s.TENANT].status is St.PAST_DUE


async def test_events_of_no_known_tenant_are_ignored_and_not_recorded(billing: Billing) -> None:
    stray = pe.SubscriptionDeleted(id="evt_x", occurred_at=s.T0, stripe_subscription_id="sub_zz")
    result = await apply(billing, stray)
    assert result.outcome is sync.Outcome.IGNORED
    assert billing.uow.store.processed == set()
    assert billing.uow.store.audit == []


async def test_deleted_then_an_older_update_ends_canceled_and_free(billing: Billing) -> None:
    plan = await seed(billing)
    await apply(billing, completed(plan))
    await apply(
        billing,
        pe.SubscriptionDeleted(
            id="evt_d",
            occurred_at=s.T0 + timedelta(days=3),
            tenant_id=s.TENANT,
            stripe_subscription_id="sub_9",
        ),
    )
    late = pe.SubscriptionChanged(
        id="evt_u",
        occurred_at=s.T0 + timedelta(days=2),
        status=St.ACTIVE,
        stripe_price_id="price_pro",
        tenant_id=s.TENANT,
        stripe_subscription_id="sub_9",
    )
    assert (await apply(billing, late)).outcome is sync.Outcome.STALE
    assert billing.uow.store.subscriptions[s.TENANT].status is St.CANCELED
    assert isinstance(billing.uow.store.effects[s.TENANT][-1], events.DowngradedToFree)


async def test_checkout_uses_a_deterministic_key_that_a_retry_reuses(billing: Billing) -> None:
    plan = await seed(billing)
    start = commands.StartCheckout(
        s.TENANT, s.ADMIN, plan.id, "https://app/ok", "https://app/no", coupon_code="launch"
    )
    session: checkout.CheckoutSession = await billing.handle(start)
    billing.clock.advance(timedelta(hours=3))
    retried = attrs.evolve(start, requested_at=s.T0)
    assert await billing.handle(retried) == session
    first, second = billing.gateway.requests
    assert first.idempotency_key == second.idempotency_key
    assert first.idempotency_key == checkout.checkout_key(s.TENANT, plan.id, "LAUNCH", s.T0)
    assert (first.stripe_price_id, first.stripe_coupon_id, first.tenant_id) == (
        "price_pro",
        "launch20",
        s.TENANT,
    )
    later: checkout.CheckoutSession = await billing.handle(start)  # a new attempt, hours later
    assert later != session
    assert [e.action for e in billing.uow.store.audit].count("billing.checkout_started") == 3


async def test_checkout_is_refused_clearly(billing: Billing) -> None:
    plan = await seed(billing)
    offline: plans.Plan = await billing.handle(
        commands.CreatePlan(
            s.SUPER, "Cash", "PAID_BASIC", 1, 2, money.Money(1, "PKR"), plans.Interval.YEAR
        )
    )
    await billing.handle(
        commands.CreateCoupon(s.SUPER, "HANDONLY", coupons.CouponKind.PERCENTAGE, percent=5)
    )

    def start(
        plan_id: ids.PlanId, by: object = s.ADMIN, coupon: str | None = None
    ) -> commands.StartCheckout:
        return commands.StartCheckout(s.TENANT, by, plan_id, "https://a/ok", "https://a/no", coupon)  # type: ignore[arg-type]

    cases = [
        (start(plan.id, s.STAFF), "billing.tenant_admin_only"),
        (start(ids.PlanId("nope")), "plan.not_found"),
        (start(offline.id), "plan.not_sold_online"),
        (start(plan.id, coupon="HANDONLY"), "coupon.not_in_stripe"),
        (start(plan.id, coupon="MISSING"), "coupon.not_found"),
    ]
    for command, code in cases:
        with pytest.raises(errors.DomainError) as caught:
            await billing.handle(command)
        assert caught.value.code == code
    await apply(billing, completed(plan))
    with pytest.raises(errors.Conflict) as running:
        await billing.handle(start(plan.id))
    assert running.value.code == "billing.already_subscribed"
    assert billing.gateway.requests == []


async def test_portal_and_invoices_need_a_stripe_customer(billing: Billing) -> None:
    plan = await seed(billing)
    with pytest.raises(errors.Conflict) as caught:
        await billing.handle(commands.OpenBillingPortal(s.TENANT, s.ADMIN, "https://app/billing"))
    assert caught.value.code == "billing.no_customer"
    empty: pagination.Page[checkout.Invoice] = await billing.handle(
        commands.ListInvoices(s.TENANT, s.ADMIN)
    )
    assert empty.items == ()
    await apply(billing, completed(plan))
    billing.gateway.invoices = [
        checkout.Invoice(
            f"in_{i}", s.T0, "paid", money.Money(6000, "USD"), money.Money(6000, "USD")
        )
        for i in range(3)
    ]
    link: str = await billing.handle(
        commands.OpenBillingPortal(s.TENANT, s.ADMIN, "https://app/billing")
    )
    assert link.endswith("cus_9")
    page: pagination.Page[checkout.Invoice] = await billing.handle(
        commands.ListInvoices(s.TENANT, s.ADMIN, pagination.PageRequest(limit=2))
    )
    assert [i.id for i in page.items] == ["in_0", "in_1"]
    assert page.next_cursor is not None
    with pytest.raises(errors.Forbidden):
        await billing.handle(commands.ListInvoices(s.TENANT, s.STAFF))


async def test_the_status_page_shows_plan_period_banners_and_usage(billing: Billing) -> None:
    plan = await seed(billing)
    await apply(billing, completed(plan))
    period = pe.SubscriptionChanged(
        id="evt_p",
        occurred_at=s.T0 + timedelta(minutes=1),
        tenant_id=s.TENANT,
        stripe_subscription_id="sub_9",
        status=St.PAST_DUE,
        stripe_price_id="price_pro",
        current_period_start=s.T0,
        current_period_end=s.T0 + timedelta(days=5),
    )
    await apply(billing, period)
    shown: status.BillingStatus = await billing.handle(commands.GetBillingStatus(s.TENANT, s.ADMIN))
    assert shown.plan is not None
    assert shown.plan.id == plan.id
    assert (shown.status, shown.tier, shown.past_due, shown.expires_soon) == (
        St.PAST_DUE,
        "MEDIUM",
        True,
        True,
    )
    assert shown.usage == status.Usage(12, 50, 340, 1000)
    with pytest.raises(errors.Forbidden):
        await billing.handle(commands.GetBillingStatus(s.TENANT, s.STAFF))
