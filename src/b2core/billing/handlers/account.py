"""Use cases of a tenant's own billing: checkout, the customer portal, invoices, the status page.

All of them are the TENANT_ADMIN's (STAFF never reaches billing). The gateway may be absent in a
deployment: it then raises ``errors.NotConfigured`` and the edge answers "not configured".
"""

from __future__ import annotations

from datetime import datetime

import attrs

from b2core.billing import access, checkout, commands, coupons, model, plans, ports, status
from b2core.billing.handlers import common
from b2core.shared import errors, ids, money, pagination, time


@attrs.frozen
class StartCheckoutHandler:
    """Open a Checkout Session for a plan, keyed so that a retry reuses the same session.

    Refused for a plan without a Stripe price (``plan.not_sold_online``), a coupon without a
    Stripe coupon (``coupon.not_in_stripe``) or a tenant whose card subscription already runs
    (``billing.already_subscribed``: plan changes go through the portal).
    """

    uow: ports.BillingUoW
    gateway: ports.BillingGateway
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.StartCheckout) -> checkout.CheckoutSession:
        access.require_tenant_admin(cmd.by)
        now = self.clock.now()
        async with self.uow.tenant(cmd.tenant_id) as tx:
            plan, price_id = _sold_online(await common.load_plan(tx, cmd.plan_id))
            coupon = await common.coupon_by_code(tx, cmd.coupon_code)
            _check_coupon(coupon, plan.price, now)
            current = await tx.subscription.get()
            _refuse_running(current)
            request = checkout.CheckoutRequest(
                tenant_id=cmd.tenant_id,
                plan_id=plan.id,
                stripe_price_id=price_id,
                success_url=cmd.success_url,
                cancel_url=cmd.cancel_url,
                idempotency_key=checkout.checkout_key(
                    cmd.tenant_id,
                    plan.id,
                    coupon.code if coupon else None,
                    cmd.requested_at or now,
                ),
                stripe_customer_id=current.stripe_customer_id if current else None,
                stripe_coupon_id=coupon.stripe_coupon_id if coupon else None,
            )
            session = await self.gateway.create_checkout_session(request)
            await tx.audit.append(
                common.entry(
                    self.id_generator,
                    self.clock,
                    cmd.by.audit_actor,
                    "billing.checkout_started",
                    ("plan", plan.id),
                    tenant_id=cmd.tenant_id,
                    metadata={"session_id": session.id, "coupon": request.stripe_coupon_id},
                )
            )
            await tx.commit()
        return session


def _sold_online(plan: plans.Plan) -> tuple[plans.Plan, str]:
    """The plan and its Stripe price, when card buyers may buy it now."""
    if not plan.purchasable:
        raise errors.Conflict("this plan cannot be bought now", code="plan.not_available")
    if plan.stripe_price_id is None:
        raise errors.Conflict("this plan is not sold online", code="plan.not_sold_online")
    return plan, plan.stripe_price_id


def _check_coupon(coupon: coupons.Coupon | None, price: money.Money, at: datetime) -> None:
    if coupon is None:
        return
    coupons.price_after(coupon, price, at)  # refuses an expired, inactive or used-up coupon
    if coupon.stripe_coupon_id is None:
        raise errors.Conflict(
            "this coupon cannot be used for card payments", code="coupon.not_in_stripe"
        )


def _refuse_running(current: model.Subscription | None) -> None:
    if current is not None and current.source is model.Source.STRIPE and current.is_entitled:
        raise errors.Conflict(
            "a subscription is already running; change it in the billing portal",
            code="billing.already_subscribed",
        )


async def _customer(uow: ports.BillingUoW, tenant_id: ids.TenantId) -> str | None:
    async with uow.tenant(tenant_id) as tx:
        current = await tx.subscription.get()
    return current.stripe_customer_id if current is not None else None


@attrs.frozen
class OpenBillingPortalHandler:
    """A link to Stripe's customer portal; ``billing.no_customer`` before any card purchase."""

    uow: ports.BillingUoW
    gateway: ports.BillingGateway

    async def __call__(self, cmd: commands.OpenBillingPortal) -> str:
        access.require_tenant_admin(cmd.by)
        customer = await _customer(self.uow, cmd.tenant_id)
        if customer is None:
            raise errors.Conflict("no card subscription to manage", code="billing.no_customer")
        return await self.gateway.portal_link(customer, cmd.return_url)


@attrs.frozen
class ListInvoicesHandler:
    """The tenant's Stripe invoices, newest first; an empty page before any card purchase."""

    uow: ports.BillingUoW
    gateway: ports.BillingGateway

    async def __call__(self, cmd: commands.ListInvoices) -> pagination.Page[checkout.Invoice]:
        access.require_tenant_admin(cmd.by)
        customer = await _customer(self.uow, cmd.tenant_id)
        if customer is None:
            return pagination.Page(items=())
        return await self.gateway.list_invoices(customer, cmd.page)


@attrs.frozen
class GetBillingStatusHandler:
    """The tenant's plan, status, period end, banners and usage against its limits."""

    uow: ports.BillingUoW
    meter: ports.UsageMeter
    clock: time.Clock

    async def __call__(self, cmd: commands.GetBillingStatus) -> status.BillingStatus:
        access.require_tenant_admin(cmd.by)
        now = self.clock.now()
        async with self.uow.tenant(cmd.tenant_id) as tx:
            current = await tx.subscription.get()
            catalog = await tx.plans.list(include_deleted=True)
        usage = await self.meter.usage(cmd.tenant_id, now)
        return status.billing_status(current, catalog, usage, now)
