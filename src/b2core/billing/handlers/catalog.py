"""Use cases of the platform's billing catalog: plans and coupons (SUPER_ADMIN), the price list.

Plans are deleted softly (their subscribers keep them); coupons for good (payments keep a copy
of the code they used). A no-op change is neither saved nor audited.
"""

from __future__ import annotations

import attrs

from b2core.billing import access, commands, coupons, plans, ports
from b2core.billing.handlers import common
from b2core.shared import ids, pagination, time


@attrs.frozen
class _AdminHandler:
    uow: ports.BillingUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def _audit(
        self,
        tx: ports.BillingAdminTx,
        by: access.Caller,
        action: str,
        target: tuple[str, str],
        metadata: dict[str, object],
    ) -> None:
        await tx.audit.append(
            common.entry(
                self.id_generator, self.clock, by.audit_actor, action, target, metadata=metadata
            )
        )


@attrs.frozen
class CreatePlanHandler(_AdminHandler):
    """Add a plan; its name must be new among plans not deleted."""

    async def __call__(self, cmd: commands.CreatePlan) -> plans.Plan:
        access.require_super_admin(cmd.by)
        now = self.clock.now()
        plan = plans.Plan(
            id=ids.PlanId(self.id_generator.new()),
            name=cmd.name,
            ai_plan=cmd.ai_plan,
            daily_limit=cmd.daily_limit,
            monthly_limit=cmd.monthly_limit,
            price=cmd.price,
            interval=cmd.interval,
            created_at=now,
            updated_at=now,
            description=cmd.description,
            stripe_product_id=cmd.stripe_product_id,
            stripe_price_id=cmd.stripe_price_id,
            display_order=cmd.display_order,
            active=cmd.active,
        )
        async with self.uow.platform() as tx:
            await tx.plans.add(plan)
            metadata: dict[str, object] = {"name": plan.name, "ai_plan": plan.ai_plan}
            await self._audit(tx, cmd.by, "plan.created", ("plan", plan.id), metadata)
            await tx.commit()
        return plan


@attrs.frozen
class UpdatePlanHandler(_AdminHandler):
    """Change some fields of a plan that is not deleted."""

    async def __call__(self, cmd: commands.UpdatePlan) -> plans.Plan:
        access.require_super_admin(cmd.by)
        async with self.uow.platform() as tx:
            plan = await common.load_plan(tx, cmd.plan_id)
            changed = plan.update(self.clock.now(), cmd.changes)
            if changed == plan:
                return plan
            saved = await tx.plans.save(changed)
            fields = [f for f in plans.EDITABLE if getattr(changed, f) != getattr(plan, f)]
            await self._audit(tx, cmd.by, "plan.updated", ("plan", plan.id), {"fields": fields})
            await tx.commit()
        return saved


@attrs.frozen
class DeletePlanHandler(_AdminHandler):
    """Soft-delete a plan: off the price list, kept for its subscribers."""

    async def __call__(self, cmd: commands.DeletePlan) -> plans.Plan:
        access.require_super_admin(cmd.by)
        async with self.uow.platform() as tx:
            plan = await common.load_plan(tx, cmd.plan_id)
            saved = await tx.plans.save(plan.delete(self.clock.now()))
            await self._audit(tx, cmd.by, "plan.deleted", ("plan", plan.id), {"name": plan.name})
            await tx.commit()
        return saved


@attrs.frozen
class ListPlansHandler:
    """Every plan with its Stripe ids, for the super admin."""

    uow: ports.BillingUoW

    async def __call__(self, cmd: commands.ListPlans) -> tuple[plans.Plan, ...]:
        access.require_super_admin(cmd.by)
        async with self.uow.platform() as tx:
            return tuple(await tx.plans.list(include_deleted=cmd.include_deleted))


@attrs.frozen
class ListPublicPlansHandler:
    """The pricing page: purchasable plans in display order, without Stripe ids."""

    uow: ports.BillingUoW

    async def __call__(self, cmd: commands.ListPublicPlans) -> tuple[plans.PublicPlan, ...]:
        async with self.uow.platform() as tx:
            return plans.public_plans(await tx.plans.list())


@attrs.frozen
class CreateCouponHandler(_AdminHandler):
    """Add a coupon; its code must be new."""

    async def __call__(self, cmd: commands.CreateCoupon) -> coupons.Coupon:
        access.require_super_admin(cmd.by)
        now = self.clock.now()
        coupon = coupons.Coupon(
            id=ids.CouponId(self.id_generator.new()),
            code=cmd.code,
            kind=cmd.kind,
            created_at=now,
            updated_at=now,
            percent=cmd.percent,
            amount_off=cmd.amount_off,
            expires_at=cmd.expires_at,
            active=cmd.active,
            stripe_coupon_id=cmd.stripe_coupon_id,
            max_redemptions=cmd.max_redemptions,
        )
        async with self.uow.platform() as tx:
            await tx.coupons.add(coupon)
            metadata: dict[str, object] = {"code": coupon.code, "kind": coupon.kind.value}
            await self._audit(tx, cmd.by, "coupon.created", ("coupon", coupon.id), metadata)
            await tx.commit()
        return coupon


@attrs.frozen
class UpdateCouponHandler(_AdminHandler):
    """Switch a coupon on or off, or change its expiry, cap or Stripe id."""

    async def __call__(self, cmd: commands.UpdateCoupon) -> coupons.Coupon:
        access.require_super_admin(cmd.by)
        async with self.uow.platform() as tx:
            coupon = await common.load_coupon(tx, cmd.coupon_id)
            changed = coupon.update(self.clock.now(), cmd.changes)
            if changed == coupon:
                return coupon
            saved = await tx.coupons.save(changed)
            fields = [
                f
                for f in ("active", "expires_at", "max_redemptions", "stripe_coupon_id")
                if getattr(changed, f) != getattr(coupon, f)
            ]
            target = ("coupon", coupon.id)
            await self._audit(tx, cmd.by, "coupon.updated", target, {"fields": fields})
            await tx.commit()
        return saved


@attrs.frozen
class DeleteCouponHandler(_AdminHandler):
    """Remove a coupon for good."""

    async def __call__(self, cmd: commands.DeleteCoupon) -> None:
        access.require_super_admin(cmd.by)
        async with self.uow.platform() as tx:
            coupon = await common.load_coupon(tx, cmd.coupon_id)
            await tx.coupons.delete(coupon.id)
            target = ("coupon", coupon.id)
            await self._audit(tx, cmd.by, "coupon.deleted", target, {"code": coupon.code})
            await tx.commit()


@attrs.frozen
class ListCouponsHandler:
    """A page of coupons by code, for the super admin."""

    uow: ports.BillingUoW

    async def __call__(self, cmd: commands.ListCoupons) -> pagination.Page[coupons.Coupon]:
        access.require_super_admin(cmd.by)
        async with self.uow.platform() as tx:
            return await tx.coupons.list(cmd.page)
