"""Plan and coupon administration through the handlers, on the test-only fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from b2core.billing import commands, coupons, plans
from b2core.shared import errors, money, pagination
from tests.core.billing import strategies as s
from tests.core.billing.conftest import Billing


def create_plan(by: object = s.SUPER, name: str = "Basic", **fields: object) -> commands.CreatePlan:
    values: dict[str, object] = {
        "by": by,
        "name": name,
        "ai_plan": "PAID_BASIC",
        "daily_limit": 200,
        "monthly_limit": 5000,
        "price": money.Money(2500, "USD"),
        "interval": plans.Interval.MONTH,
        "stripe_price_id": f"price_{name.lower()}",
    }
    values.update(fields)
    return commands.CreatePlan(**values)  # type: ignore[arg-type]


async def test_a_super_admin_manages_plans_with_one_audit_entry_each(billing: Billing) -> None:
    plan: plans.Plan = await billing.handle(create_plan(description="For small shops"))
    assert (plan.ai_tier, plan.created_at) == ("LOW", s.T0)
    billing.clock.advance(timedelta(minutes=1))
    changes = plans.PlanChanges(ai_plan="PAID_PRO", display_order=2)
    changed: plans.Plan = await billing.handle(commands.UpdatePlan(s.SUPER, plan.id, changes))
    assert (changed.ai_tier, changed.version) == ("MEDIUM", 1)
    same: plans.Plan = await billing.handle(commands.UpdatePlan(s.SUPER, plan.id, changes))
    assert same == changed  # a no-op: not saved, not audited
    deleted: plans.Plan = await billing.handle(commands.DeletePlan(s.SUPER, plan.id))
    assert deleted.deleted
    actions = [(e.action, e.actor.role, e.target_id) for e in billing.uow.store.audit]
    assert actions == [
        ("plan.created", "SUPER_ADMIN", plan.id),
        ("plan.updated", "SUPER_ADMIN", plan.id),
        ("plan.deleted", "SUPER_ADMIN", plan.id),
    ]
    assert billing.uow.store.audit[1].metadata == {"fields": ["ai_plan", "display_order"]}


async def test_tenant_people_cannot_touch_plans_or_coupons(billing: Billing) -> None:
    plan: plans.Plan = await billing.handle(create_plan())
    refused = [
        create_plan(s.ADMIN, "Other"),
        commands.UpdatePlan(s.STAFF, plan.id, plans.PlanChanges(name="X")),
        commands.DeletePlan(s.ADMIN, plan.id),
        commands.ListPlans(s.ADMIN),
        commands.CreateCoupon(s.ADMIN, "X1", coupons.CouponKind.PERCENTAGE, percent=5),
        commands.ListCoupons(s.STAFF),
    ]
    for command in refused:
        with pytest.raises(errors.Forbidden) as caught:
            await billing.handle(command)
        assert caught.value.code == "billing.super_admin_only"
    assert len(billing.uow.store.audit) == 1


async def test_the_pricing_page_lists_purchasable_plans_without_stripe_ids(
    billing: Billing,
) -> None:
    basic: plans.Plan = await billing.handle(create_plan(name="Basic", display_order=2))
    pro: plans.Plan = await billing.handle(
        create_plan(name="Pro", ai_plan="PAID_PRO", display_order=1)
    )
    hidden: plans.Plan = await billing.handle(create_plan(name="Hidden", active=False))
    gone: plans.Plan = await billing.handle(create_plan(name="Gone"))
    await billing.handle(commands.DeletePlan(s.SUPER, gone.id))
    listed: tuple[plans.PublicPlan, ...] = await billing.handle(commands.ListPublicPlans())
    assert [p.id for p in listed] == [pro.id, basic.id]
    every: tuple[plans.Plan, ...] = await billing.handle(
        commands.ListPlans(s.SUPER, include_deleted=True)
    )
    assert {p.id for p in every} == {basic.id, pro.id, hidden.id, gone.id}


async def test_missing_and_deleted_plans_are_refused_clearly(billing: Billing) -> None:
    with pytest.raises(errors.NotFound) as missing:
        await billing.handle(commands.DeletePlan(s.SUPER, s.BASIC.id))
    assert missing.value.code == "plan.not_found"
    plan: plans.Plan = await billing.handle(create_plan())
    await billing.handle(commands.DeletePlan(s.SUPER, plan.id))
    with pytest.raises(errors.Conflict) as again:
        await billing.handle(commands.DeletePlan(s.SUPER, plan.id))
    assert again.value.code == "plan.deleted"
    with pytest.raises(errors.InvalidInput) as bad:
        await billing.handle(create_plan(ai_plan="GOLD", name="Gold"))
    assert bad.value.code == "plan.bad_ai_plan"


async def test_coupons_are_created_updated_listed_and_deleted(billing: Billing) -> None:
    coupon: coupons.Coupon = await billing.handle(
        commands.CreateCoupon(s.SUPER, "eid25", coupons.CouponKind.PERCENTAGE, percent=25)
    )
    assert coupon.code == "EID25"
    with pytest.raises(errors.Conflict) as dup:
        await billing.handle(
            commands.CreateCoupon(
                s.SUPER, "EID25", coupons.CouponKind.FIXED, amount_off=money.Money(5, "USD")
            )
        )
    assert dup.value.code == "coupon.duplicate_code"
    changes = coupons.CouponChanges(active=False, stripe_coupon_id="eid25off")
    changed: coupons.Coupon = await billing.handle(
        commands.UpdateCoupon(s.SUPER, coupon.id, changes)
    )
    assert (changed.active, changed.stripe_coupon_id) == (False, "eid25off")
    page: pagination.Page[coupons.Coupon] = await billing.handle(commands.ListCoupons(s.SUPER))
    assert [c.code for c in page.items] == ["EID25"]
    await billing.handle(commands.DeleteCoupon(s.SUPER, coupon.id))
    assert billing.uow.store.coupons == {}
    actions = [e.action for e in billing.uow.store.audit]
    assert actions == ["coupon.created", "coupon.updated", "coupon.deleted"]
