"""Billing through the composed in-memory app: the bus dispatches every billing command, the
usage meter reads the AI quota ledger, and a purchase resets the counters after its commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from b2adapters import billing_ai
from b2adapters.memory import governance as memory_governance
from b2adapters.redis import connection
from b2adapters.redis import governance as redis_governance
from b2adapters.redis.keys import KeySpace
from b2adapters.system import SystemClock
from b2app import registry
from b2core.ai import model as ai_model
from b2core.ai import ports as ai_ports
from b2core.ai import quotas
from b2core.billing import access, commands, events, ports, sync
from b2core.billing import provider_events as pe
from b2core.billing.handlers import account, catalog, expiry, manual, webhooks
from b2core.shared import errors, ids, money
from b2core.testing import contracts
from b2core.testing.contracts import unique_id
from tests.support.memory_app import MemoryApp, memory_app

pytestmark = pytest.mark.anyio

ADMIN = access.Caller(ids.UserId("super-1"), access.SUPER_ADMIN)
OWNER = access.Caller(ids.UserId("owner-1"), access.TENANT_ADMIN)


def test_every_billing_handler_serves_its_command() -> None:
    handlers = {
        h
        for module in (account, catalog, expiry, manual, webhooks)
        for name, h in vars(module).items()
        if name.endswith("Handler") and not name.startswith("_") and isinstance(h, type)
    }
    served = {h for h in registry.COMMANDS.values() if h.__module__.startswith("b2core.billing")}
    assert handlers == served
    for command, handler in registry.COMMANDS.items():
        if handler in handlers:
            assert command.__module__ == commands.__name__


async def _plan(app: MemoryApp) -> ids.PlanId:
    plan = await app.handle(
        commands.CreatePlan(
            by=ADMIN,
            name="Pro",
            ai_plan="PAID_PRO",
            daily_limit=30,
            monthly_limit=600,
            price=money.Money(250_000, "PKR"),
            interval="month",  # type: ignore[arg-type]
            stripe_price_id="price_pro",
        )
    )
    return ids.PlanId(plan.id)


async def _tenant(app: MemoryApp) -> ids.TenantId:
    """A stored tenant: provider events for tenants nobody knows are ignored."""
    tenant = ids.TenantId(unique_id())
    uow = app.container.resolve(ports.BillingUoW)
    async with uow.platform() as tx:
        await tx.tenants.add(attrs.evolve(contracts.tenant(), id=tenant))
        await tx.commit()
    return tenant


async def test_a_purchase_reaches_the_ai_settings_and_resets_the_counters() -> None:
    app = memory_app()
    plan_id = await _plan(app)
    tenant = await _tenant(app)
    ledger: ai_ports.QuotaLedger = app.container.resolve(ai_ports.QuotaLedger)
    windows = quotas.QuotaWindows.at(app.clock.now())
    for _ in range(3):
        await ledger.reserve(tenant, windows, quotas.QuotaLimits(daily=10, monthly=100))
    before = await app.handle(commands.GetBillingStatus(tenant, OWNER))
    assert (before.tier, before.usage.daily_used, before.usage.daily_limit) == ("FREE", 3, 50)

    event = pe.CheckoutCompleted(
        id="evt_1",
        occurred_at=app.clock.now(),
        tenant_id=tenant,
        stripe_customer_id="cus_1",
        stripe_subscription_id="sub_1",
        plan_id=plan_id,
    )
    applied = await app.handle(commands.ApplyBillingEvent(event))
    assert applied.outcome is sync.Outcome.APPLIED
    after = await app.handle(commands.GetBillingStatus(tenant, OWNER))
    assert after.tier == "MEDIUM"
    assert (after.usage.daily_used, after.usage.monthly_used) == (0, 0)
    assert (after.usage.daily_limit, after.usage.monthly_limit) == (30, 600)
    uow = app.container.resolve(ports.BillingUoW)
    async with uow.tenant(tenant) as tx:
        settings = await tx.ai_settings.get()
    assert settings.plan is ai_model.AiPlan.PAID_PRO

    await ledger.reserve(tenant, windows, quotas.QuotaLimits(daily=10, monthly=100))
    again = await app.handle(commands.ApplyBillingEvent(event))  # a duplicate delivery
    assert again.outcome is sync.Outcome.DUPLICATE
    assert (await ledger.usage(tenant, windows)).daily == 1  # no second reset


async def test_a_rolled_back_purchase_resets_nothing() -> None:
    app = memory_app()
    tenant = ids.TenantId(unique_id())
    ledger: ai_ports.QuotaLedger = app.container.resolve(ai_ports.QuotaLedger)
    windows = quotas.QuotaWindows.at(app.clock.now())
    await ledger.reserve(tenant, windows, quotas.QuotaLimits(daily=10, monthly=100))
    uow = app.container.resolve(ports.BillingUoW)
    async with uow.tenant(tenant) as tx:
        await tx.entitlements.apply([events.UsageCountersReset(tenant, app.clock.now())])
        await tx.rollback()
    assert (await ledger.usage(tenant, windows)).daily == 1
    async with uow.tenant(tenant) as tx:
        await tx.entitlements.apply([events.UsageCountersReset(tenant, app.clock.now())])
        await tx.commit()
    assert (await ledger.usage(tenant, windows)).daily == 0


async def test_manual_payment_submission_and_review_through_the_bus() -> None:
    app = memory_app()
    plan_id = await _plan(app)
    tenant = ids.TenantId(unique_id())
    submit = commands.SubmitManualPayment(
        tenant_id=tenant,
        by=OWNER,
        plan_id=plan_id,
        method="EASYPAISA",  # type: ignore[arg-type]
        sender_name="Ayesha",
        sender_number="03001234567",
        reference="EP-123456",
        screenshot_key="payments/shot.png",
        screenshot_type="image/png",
        screenshot_size=2048,
    )
    payment = await app.handle(submit)
    with pytest.raises(errors.Conflict) as duplicate:
        await app.handle(submit)
    assert duplicate.value.code == "payment.duplicate_reference"
    app.clock.advance(timedelta(minutes=1))
    approved = await app.handle(commands.ApproveManualPayment(ADMIN, payment.id))
    assert approved.status.value == "APPROVED"
    status = await app.handle(commands.GetBillingStatus(tenant, OWNER))
    assert status.tier == "MEDIUM"


async def test_a_lapsed_manual_grant_takes_the_ai_back_to_free_once() -> None:
    app = memory_app()
    plan_id = await _plan(app)
    tenant = await _tenant(app)
    submit = commands.SubmitManualPayment(
        tenant_id=tenant,
        by=OWNER,
        plan_id=plan_id,
        method="BANK_TRANSFER",  # type: ignore[arg-type]
        sender_name="Bilal",
        sender_number="03007654321",
        reference="BT-998877",
        screenshot_key="payments/bt.png",
        screenshot_type="image/png",
        screenshot_size=4096,
    )
    payment = await app.handle(submit)
    await app.handle(commands.ApproveManualPayment(ADMIN, payment.id))
    ai = app.container.resolve(ports.BillingUoW)

    async def ai_plan() -> str | None:
        async with ai.tenant(tenant) as tx:
            found = await tx.ai_settings.get()
        return None if found is None else str(found.plan)

    assert await ai_plan() == "PAID_PRO"
    assert await app.handle(commands.ExpireManualGrants()) == 0  # the month is still running

    app.clock.advance(timedelta(days=40))
    assert await app.handle(commands.ExpireManualGrants()) == 1
    assert await app.handle(commands.ExpireManualGrants()) == 0  # ended once
    assert await ai_plan() == "FREE"
    status = await app.handle(commands.GetBillingStatus(tenant, OWNER))
    assert (status.tier, status.status) == ("FREE", "CANCELED")
    async with ai.platform() as tx:
        entries = await tx.audit.all()  # type: ignore[attr-defined]
    assert [e.action for e in entries].count("billing.manual_grant_expired") == 1


@pytest.mark.parametrize("backend", ["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def test_reset_counters_zeroes_both_windows_on_every_ledger(
    request: pytest.FixtureRequest, backend: str
) -> None:
    tenant, other = ids.TenantId(unique_id()), ids.TenantId(unique_id())
    client: Any = None
    if backend == "memory":
        ledger: Any = memory_governance.InMemoryQuotaLedger(SystemClock())
    else:
        client = connection.connect(request.getfixturevalue("redis_url"))
        keys = KeySpace(request.getfixturevalue("redis_prefix") + "billing-reset:")
        ledger = redis_governance.RedisQuotaLedger(client, keys)
    try:
        windows = quotas.QuotaWindows.at(datetime.now(UTC), 7)
        limits = quotas.QuotaLimits(daily=100, monthly=1000)
        for _ in range(4):
            await ledger.reserve(tenant, windows, limits)
        await ledger.reserve(other, windows, limits)
        monthly_only = quotas.QuotaWindows(
            quotas.daily_window(datetime.now(UTC) - timedelta(days=1)), windows.monthly
        )
        await ledger.reserve(tenant, monthly_only, limits)  # yesterday: monthly 5, daily 4
        assert await ledger.usage(tenant, windows) == quotas.QuotaUsage(4, 5)
        await billing_ai.reset_counters(ledger, tenant, windows)
        assert await ledger.usage(tenant, windows) == quotas.QuotaUsage(0, 0)
        assert await ledger.usage(other, windows) == quotas.QuotaUsage(1, 1)
        await billing_ai.reset_counters(ledger, tenant, windows)  # nothing left: no change
        assert await ledger.usage(tenant, windows) == quotas.QuotaUsage(0, 0)
    finally:
        if client is not None:
            await connection.close(client)
