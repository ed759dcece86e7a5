"""Fixtures of the billing handler tests: the fakes wired into every handler, like a bus would."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from b2adapters.memory.clock import ManualClock, SequentialIds
from b2core.billing import commands
from b2core.billing.handlers import account, catalog, manual, webhooks
from tests.core.billing import strategies as s
from tests.core.billing.fakes import FakeBillingUoW, FakeGateway, FakeMeter


@attrs.define
class Billing:
    """The billing handlers over one set of fakes; ``handle`` routes a command as the bus does."""

    uow: FakeBillingUoW
    clock: ManualClock
    gateway: FakeGateway
    routes: dict[type[Any], Any]

    async def handle(self, command: object) -> Any:
        return await self.routes[type(command)](command)


@pytest.fixture
def billing() -> Billing:
    uow, clock, ids = FakeBillingUoW(), ManualClock(s.T0), SequentialIds("b")
    gateway, meter = FakeGateway(), FakeMeter()
    routes: dict[type[Any], Any] = {
        commands.CreatePlan: catalog.CreatePlanHandler(uow, clock, ids),
        commands.UpdatePlan: catalog.UpdatePlanHandler(uow, clock, ids),
        commands.DeletePlan: catalog.DeletePlanHandler(uow, clock, ids),
        commands.ListPlans: catalog.ListPlansHandler(uow),
        commands.ListPublicPlans: catalog.ListPublicPlansHandler(uow),
        commands.CreateCoupon: catalog.CreateCouponHandler(uow, clock, ids),
        commands.UpdateCoupon: catalog.UpdateCouponHandler(uow, clock, ids),
        commands.DeleteCoupon: catalog.DeleteCouponHandler(uow, clock, ids),
        commands.ListCoupons: catalog.ListCouponsHandler(uow),
        commands.ApplyBillingEvent: webhooks.ApplyBillingEventHandler(uow, clock, ids),
        commands.SubmitManualPayment: manual.SubmitManualPaymentHandler(uow, clock, ids),
        commands.ApproveManualPayment: manual.ApproveManualPaymentHandler(uow, clock, ids),
        commands.RejectManualPayment: manual.RejectManualPaymentHandler(uow, clock, ids),
        commands.ListManualPayments: manual.ListManualPaymentsHandler(uow),
        commands.StartCheckout: account.StartCheckoutHandler(uow, gateway, clock, ids),
        commands.OpenBillingPortal: account.OpenBillingPortalHandler(uow, gateway),
        commands.ListInvoices: account.ListInvoicesHandler(uow, gateway),
        commands.GetBillingStatus: account.GetBillingStatusHandler(uow, meter, clock),
    }
    return Billing(uow, clock, gateway, routes)
