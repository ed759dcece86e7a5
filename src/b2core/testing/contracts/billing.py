"""Contract of the billing ports: every repository of ``BillingTx`` and ``BillingAdminTx``.

Run it against your adapter by star-importing it into a test module that defines the
``uow_factory`` fixture (module or session scope; see ``b2core.testing.contracts``)::

    from b2core.testing.contracts.billing import *  # noqa: F403

The fixture returns an async zero-argument callable giving a ``b2core.billing.ports.BillingUoW``
over an EMPTY store (plans and coupons are platform-wide, so examples need a store of their
own). The same object must also open AI transactions (``tx.ai_settings``): entitlements land in
the tenant's AI settings.

What the suite pins down beyond the port's docstrings:

* A duplicate id is ``plan.already_exists`` / ``coupon.already_exists`` /
  ``payment.already_exists``.
* A tenant-bound repository never shows another tenant's subscription or payment and refuses
  to store one: ``errors.Forbidden`` (``subscription.wrong_tenant``, ``payment.wrong_tenant``).
* Coupons list by code (code point order); payments newest first by ``submitted_at``, then id.
* ``record_if_new`` takes ids of 1 to 255 characters (``billing.bad_event_id`` otherwise).
* ``TenantEntitlements.apply``: a grant sets the AI plan and both limits, a downgrade sets
  FREE and clears the limits (the AI context's FREE defaults apply), a reset changes no
  setting; effects naming another tenant are ``errors.Forbidden``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2core.billing import access, coupons, events, model, payments, plans
from b2core.shared import errors, ids, money, pagination
from b2core.testing.contracts import MOMENT, unique_id, unique_token

__all__ = [
    "pytestmark",
    "test_changes_without_commit_are_discarded",
    "test_coupon_codes_are_unique_and_found_by_code",
    "test_coupon_save_bumps_the_version_and_refuses_stale_copies",
    "test_coupons_delete_once",
    "test_coupons_list_by_code_in_pages",
    "test_directory_finds_the_tenant_by_subscription_then_customer",
    "test_directory_lists_manual_grants_whose_period_ended",
    "test_entitlements_reach_the_ai_settings",
    "test_entitlements_refuse_another_tenants_effects",
    "test_forged_cursors_are_invalid_input",
    "test_payment_references_are_unique_across_tenants",
    "test_payment_round_trips_and_is_invisible_to_other_tenants",
    "test_payment_save_bumps_the_version_and_refuses_stale_copies",
    "test_payments_list_newest_first_with_a_status_filter",
    "test_payments_paging_visits_every_payment_once",
    "test_plan_names_and_prices_are_unique_among_live_plans",
    "test_plan_round_trips_and_ids_are_taken_once",
    "test_plan_save_bumps_the_version_and_refuses_stale_copies",
    "test_plans_list_in_display_order",
    "test_processed_events_record_each_id_once",
    "test_subscription_is_versioned_and_tenant_bound",
    "test_subscription_round_trips_every_field",
]

pytestmark = pytest.mark.anyio

UowFactory = Callable[[], Awaitable[Any]]
PKR = "PKR"
ADMIN = ids.UserId("contract-admin")


def new_tenant() -> ids.TenantId:
    """A tenant no other example uses."""
    return ids.TenantId(unique_id())


def a_plan(name: str | None = None, **changes: Any) -> plans.Plan:
    """A PAID_PRO monthly plan at 2,500.00 PKR with a unique id and name unless given."""
    plan = plans.Plan(
        id=ids.PlanId(unique_id()),
        name=name or f"Plan {unique_token()}",
        ai_plan="PAID_PRO",
        daily_limit=100,
        monthly_limit=2000,
        price=money.Money(250_000, PKR),
        interval=plans.Interval.MONTH,
        created_at=MOMENT,
        updated_at=MOMENT,
        description="For busy shops",
        stripe_product_id=f"prod_{unique_token()}",
        stripe_price_id=f"price_{unique_token()}",
    )
    return attrs.evolve(plan, **changes)


def a_coupon(code: str | None = None, **changes: Any) -> coupons.Coupon:
    """A 10% coupon with a unique id and code unless given."""
    coupon = coupons.Coupon(
        id=ids.CouponId(unique_id()),
        code=code or f"C{unique_token()}",
        kind=coupons.CouponKind.PERCENTAGE,
        created_at=MOMENT,
        updated_at=MOMENT,
        percent=10,
    )
    return attrs.evolve(coupon, **changes)


def a_payment(
    tenant_id: ids.TenantId,
    *,
    reference: str | None = None,
    method: payments.PaymentMethod = payments.PaymentMethod.EASYPAISA,
    at: datetime = MOMENT,
) -> payments.ManualPayment:
    """A PENDING payment of ``tenant_id`` with a unique id and reference unless given."""
    price = money.Money(250_000, PKR)
    return payments.ManualPayment(
        id=ids.PaymentId(unique_id()),
        tenant_id=tenant_id,
        method=method,
        sender_name="Ayesha Khan",
        sender_number="+92 300 1234567",
        reference=reference or f"TX{unique_token()}",
        plan_id=ids.PlanId(unique_id()),
        price=payments.Quote(price, money.Money(25_000, PKR), money.Money(225_000, PKR), "SAVE10"),
        screenshot_key=f"payments/{unique_token()}.png",
        submitted_by=ids.UserId(unique_id()),
        submitted_at=at,
    )


def a_subscription(tenant_id: ids.TenantId, **changes: Any) -> model.Subscription:
    """An ACTIVE Stripe subscription of ``tenant_id`` with unique Stripe ids."""
    record = model.Subscription.from_stripe(
        tenant_id,
        model.SubscriptionStatus.ACTIVE,
        MOMENT,
        stripe_subscription_id=f"sub_{unique_token()}",
        stripe_customer_id=f"cus_{unique_token()}",
        plan_id=ids.PlanId(unique_id()),
        period=(MOMENT, MOMENT + timedelta(days=30)),
    )
    return attrs.evolve(record, **changes)


STAFF_ADMIN = access.Caller(ADMIN, access.SUPER_ADMIN)


async def _code(awaitable: Awaitable[Any], kind: type[errors.DomainError]) -> str:
    with pytest.raises(kind) as raised:
        await awaitable
    return raised.value.code


# ---- plans ---------------------------------------------------------------------------------


async def test_plan_round_trips_and_ids_are_taken_once(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    plan = a_plan(display_order=3, active=False, description="Ünïcode ✓")
    async with uow.platform() as tx:
        assert await tx.plans.get(plan.id) is None
        await tx.plans.add(plan)
        await tx.commit()
    async with uow.tenant(new_tenant()) as tx:  # plans are platform-wide: any tenant reads them
        assert await tx.plans.get(plan.id) == plan
    async with uow.platform() as tx:
        again = a_plan(id=plan.id)
        assert await _code(tx.plans.add(again), errors.Conflict) == "plan.already_exists"


async def test_plan_names_and_prices_are_unique_among_live_plans(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    first = a_plan("Growth")
    async with uow.platform() as tx:
        await tx.plans.add(first)
        await tx.commit()
    async with uow.platform() as tx:
        same_name = a_plan("  gROWTH ")
        assert await _code(tx.plans.add(same_name), errors.Conflict) == "plan.duplicate_name"
        same_price = a_plan(stripe_price_id=first.stripe_price_id)
        assert await _code(tx.plans.add(same_price), errors.Conflict) == "plan.duplicate_price"
    other = a_plan("Other")
    async with uow.platform() as tx:
        await tx.plans.add(other)
        await tx.commit()
    async with uow.platform() as tx:
        renamed = other.update(MOMENT, plans.PlanChanges(name="GROWTH"))
        assert await _code(tx.plans.save(renamed), errors.Conflict) == "plan.duplicate_name"
    async with uow.platform() as tx:  # a deleted plan frees its name and price
        await tx.plans.save(first.delete(MOMENT))
        await tx.commit()
    async with uow.platform() as tx:
        await tx.plans.add(a_plan("Growth", stripe_price_id=first.stripe_price_id))
        await tx.commit()
    async with uow.platform() as tx:
        names = [p.name for p in await tx.plans.list(include_deleted=True)]
    assert sorted(names) == ["Growth", "Growth", "Other"]


async def test_plan_save_bumps_the_version_and_refuses_stale_copies(
    uow_factory: UowFactory,
) -> None:
    uow = await uow_factory()
    plan = a_plan()
    async with uow.platform() as tx:
        await tx.plans.add(plan)
        await tx.commit()
    changed = plan.update(MOMENT + timedelta(hours=1), plans.PlanChanges(daily_limit=5))
    async with uow.platform() as tx:
        saved = await tx.plans.save(changed)
        await tx.commit()
    assert saved.version == plan.version + 1
    async with uow.platform() as tx:
        assert await tx.plans.get(plan.id) == saved
        stale = plan.update(MOMENT, plans.PlanChanges(monthly_limit=500))
        assert await _code(tx.plans.save(stale), errors.ConcurrencyConflict) == (
            "plan.concurrent_update"
        )
        assert await _code(tx.plans.save(a_plan()), errors.NotFound) == "plan.not_found"


async def test_plans_list_in_display_order(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    wanted = [
        a_plan("Zeta", display_order=0),
        a_plan("alpha", display_order=1),
        a_plan("Beta", display_order=1),
    ]
    gone = a_plan("Gone", display_order=0)
    async with uow.platform() as tx:
        for plan in (wanted[2], gone, wanted[0], wanted[1]):
            await tx.plans.add(plan)
        await tx.plans.save(gone.delete(MOMENT))
        await tx.commit()
    async with uow.platform() as tx:
        live = await tx.plans.list()
        every = await tx.plans.list(include_deleted=True)
    assert [p.name for p in live] == ["Zeta", "alpha", "Beta"]
    assert [p.name for p in every] == ["Gone", "Zeta", "alpha", "Beta"]
    assert every[0].deleted
    assert every[0].version == 1


# ---- coupons -------------------------------------------------------------------------------


async def test_coupon_codes_are_unique_and_found_by_code(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    percent = a_coupon(expires_at=MOMENT + timedelta(days=3), max_redemptions=5, redemptions=2)
    fixed = a_coupon(
        kind=coupons.CouponKind.FIXED,
        percent=None,
        amount_off=money.Money(5_000, PKR),
        stripe_coupon_id="co_abc",
        active=False,
    )
    async with uow.platform() as tx:
        await tx.coupons.add(percent)
        await tx.coupons.add(fixed)
        await tx.commit()
    async with uow.platform() as tx:
        assert await tx.coupons.get(percent.id) == percent
        assert await tx.coupons.by_code(fixed.code) == fixed
        assert await tx.coupons.by_code("NOPE") is None
        clash = a_coupon(percent.code.lower())
        assert await _code(tx.coupons.add(clash), errors.Conflict) == "coupon.duplicate_code"
        same_id = a_coupon(id=percent.id)
        assert await _code(tx.coupons.add(same_id), errors.Conflict) == "coupon.already_exists"


async def test_coupon_save_bumps_the_version_and_refuses_stale_copies(
    uow_factory: UowFactory,
) -> None:
    uow = await uow_factory()
    coupon = a_coupon()
    async with uow.platform() as tx:
        await tx.coupons.add(coupon)
        await tx.commit()
    async with uow.platform() as tx:
        saved = await tx.coupons.save(coupon.redeem(MOMENT))
        await tx.commit()
    assert (saved.version, saved.redemptions) == (1, 1)
    async with uow.platform() as tx:
        assert await tx.coupons.get(coupon.id) == saved
        stale = coupon.redeem(MOMENT)
        assert await _code(tx.coupons.save(stale), errors.ConcurrencyConflict) == (
            "coupon.concurrent_update"
        )
        assert await _code(tx.coupons.save(a_coupon()), errors.NotFound) == "coupon.not_found"


async def test_coupons_delete_once(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    coupon = a_coupon()
    async with uow.platform() as tx:
        await tx.coupons.add(coupon)
        await tx.commit()
    async with uow.platform() as tx:
        assert await tx.coupons.delete(coupon.id) is True
        assert await tx.coupons.delete(coupon.id) is False
        await tx.commit()
    async with uow.platform() as tx:
        assert await tx.coupons.get(coupon.id) is None
        await tx.coupons.add(a_coupon(coupon.code))  # the code is free again


async def test_coupons_list_by_code_in_pages(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    codes = ["B-2", "A_1", "Z9", "B1", "AA", "A-1", "0X"]
    async with uow.platform() as tx:
        for code in codes:
            await tx.coupons.add(a_coupon(code))
        await tx.commit()
    seen: list[str] = []
    cursor: str | None = None
    async with uow.platform() as tx:
        while True:
            page = await tx.coupons.list(pagination.PageRequest(limit=3, cursor=cursor))
            assert len(page.items) <= 3
            seen += [c.code for c in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
    assert seen == sorted(codes)


# ---- subscriptions -------------------------------------------------------------------------


async def test_subscription_round_trips_every_field(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    tenant = new_tenant()
    record = a_subscription(tenant, cancel_at_period_end=True).remember("evt_1", MOMENT)
    record = record.remember("evt_2", MOMENT + timedelta(seconds=1))
    async with uow.tenant(tenant) as tx:
        assert await tx.subscription.get() is None
        saved = await tx.subscription.save(record)
        await tx.commit()
    assert saved == attrs.evolve(record, version=1)
    async with uow.tenant(tenant) as tx:
        assert await tx.subscription.get() == saved
    manual = model.Subscription.manual(
        tenant, ids.PlanId(unique_id()), (MOMENT, MOMENT + timedelta(days=31)), MOMENT
    )
    async with uow.tenant(tenant) as tx:
        replaced = await tx.subscription.save(saved.replace(manual))
        await tx.commit()
    async with uow.tenant(tenant) as tx:
        found = await tx.subscription.get()
    assert found == replaced
    assert found is not None
    assert found.source is model.Source.MANUAL
    assert found.version == 2
    assert found.recent_event_ids == ("evt_1", "evt_2")


async def test_subscription_is_versioned_and_tenant_bound(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    tenant, other = new_tenant(), new_tenant()
    record = a_subscription(tenant)
    async with uow.tenant(tenant) as tx:
        saved = await tx.subscription.save(record)
        await tx.commit()
    async with uow.tenant(tenant) as tx:
        second = await _code(tx.subscription.save(record), errors.ConcurrencyConflict)
        assert second == "subscription.concurrent_update"
    async with uow.tenant(tenant) as tx:
        newer = await tx.subscription.save(saved.mark_past_due(MOMENT))
        await tx.commit()
    assert newer.version == 2
    async with uow.tenant(tenant) as tx:
        stale = saved.cancel(MOMENT)
        code = await _code(tx.subscription.save(stale), errors.ConcurrencyConflict)
        assert code == "subscription.concurrent_update"
    async with uow.tenant(other) as tx:
        assert await tx.subscription.get() is None
        code = await _code(tx.subscription.save(a_subscription(tenant)), errors.Forbidden)
        assert code == "subscription.wrong_tenant"
    async with uow.tenant(other) as tx:  # an update of a record the tenant lacks
        missing = attrs.evolve(a_subscription(other), version=3)
        code = await _code(tx.subscription.save(missing), errors.ConcurrencyConflict)
        assert code == "subscription.concurrent_update"


async def test_directory_finds_the_tenant_by_subscription_then_customer(
    uow_factory: UowFactory,
) -> None:
    uow = await uow_factory()
    first, second = new_tenant(), new_tenant()
    one = a_subscription(first)
    two = a_subscription(second, stripe_customer_id="cus_shared")
    for tenant, record in ((first, one), (second, two)):
        async with uow.tenant(tenant) as tx:
            await tx.subscription.save(record)
            await tx.commit()
    async with uow.platform() as tx:
        find = tx.subscriptions.tenant_for
        assert await find(None, one.stripe_subscription_id) == first
        # The subscription wins over the customer.
        assert await find("cus_shared", one.stripe_subscription_id) == first
        assert await find("cus_shared", "sub_unknown") == second
        assert await find(one.stripe_customer_id, None) == first
        assert await find("cus_unknown", "sub_unknown") is None
        assert await find(None, None) is None


async def test_directory_lists_manual_grants_whose_period_ended(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    # Far in the past, so that other examples' subscriptions on a shared database are later.
    end = MOMENT - timedelta(days=3650 + int(unique_id()[:4], 16))
    ended, later, running, card, canceled = (new_tenant() for _ in range(5))
    plan = ids.PlanId(unique_id())

    def manual(tenant: ids.TenantId, period_end: datetime) -> model.Subscription:
        return model.Subscription.manual(
            tenant, plan, (period_end - timedelta(days=30), period_end), end
        )

    records = {
        ended: manual(ended, end - timedelta(days=2)),
        later: manual(later, end - timedelta(days=1)),
        running: manual(running, end + timedelta(days=1)),
        card: a_subscription(card, current_period_end=end - timedelta(days=3)),
        canceled: manual(canceled, end - timedelta(days=3)).cancel(end),
    }
    for tenant, record in records.items():
        async with uow.tenant(tenant) as tx:
            await tx.subscription.save(record)
            await tx.commit()
    async with uow.platform() as tx:
        found = await tx.subscriptions.lapsed_manual(end, 100)
        first = await tx.subscriptions.lapsed_manual(end, 1)
    mine = [tenant for tenant in found if tenant in records]
    assert mine == [ended, later]  # oldest end first; running, card and canceled are not
    assert len(first) == 1


# ---- manual payments -----------------------------------------------------------------------


async def test_payment_round_trips_and_is_invisible_to_other_tenants(
    uow_factory: UowFactory,
) -> None:
    uow = await uow_factory()
    tenant, other = new_tenant(), new_tenant()
    payment = a_payment(tenant, reference="ep 1234-abc")
    async with uow.tenant(tenant) as tx:
        await tx.manual_payments.add(payment)
        await tx.commit()
    async with uow.tenant(tenant) as tx:
        assert await tx.manual_payments.get(payment.id) == payment
        again = attrs.evolve(a_payment(tenant), id=payment.id)
        code = await _code(tx.manual_payments.add(again), errors.Conflict)
        assert code == "payment.already_exists"
    async with uow.tenant(other) as tx:
        assert await tx.manual_payments.get(payment.id) is None
        assert (await tx.manual_payments.list(pagination.PageRequest())).items == ()
        code = await _code(tx.manual_payments.add(a_payment(tenant)), errors.Forbidden)
        assert code == "payment.wrong_tenant"
        decided = payment.approve(STAFF_ADMIN, MOMENT)
        assert await _code(tx.manual_payments.save(decided), errors.NotFound) == (
            "payment.not_found"
        )
    async with uow.platform() as tx:
        assert await tx.payment_review.get(payment.id) == payment
        assert await tx.payment_review.get(ids.PaymentId(unique_id())) is None


async def test_payment_references_are_unique_across_tenants(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    tenant, other = new_tenant(), new_tenant()
    async with uow.tenant(tenant) as tx:
        await tx.manual_payments.add(a_payment(tenant, reference="REF-77"))
        await tx.commit()
    async with uow.tenant(other) as tx:  # the same reference, spelled differently
        duplicate = a_payment(other, reference=" ref-77 ")
        code = await _code(tx.manual_payments.add(duplicate), errors.Conflict)
        assert code == "payment.duplicate_reference"
    async with uow.tenant(other) as tx:  # another method may carry the same reference
        jazz = a_payment(other, reference="REF-77", method=payments.PaymentMethod.JAZZCASH)
        await tx.manual_payments.add(jazz)
        await tx.commit()
    async with uow.platform() as tx:
        page = await tx.payment_review.list(pagination.PageRequest())
    assert sorted(p.method.value for p in page.items) == ["EASYPAISA", "JAZZCASH"]


async def test_payment_save_bumps_the_version_and_refuses_stale_copies(
    uow_factory: UowFactory,
) -> None:
    uow = await uow_factory()
    tenant = new_tenant()
    payment = a_payment(tenant)
    async with uow.tenant(tenant) as tx:
        await tx.manual_payments.add(payment)
        await tx.commit()
    approved = payment.approve(STAFF_ADMIN, MOMENT + timedelta(hours=2))
    async with uow.tenant(tenant) as tx:
        saved = await tx.manual_payments.save(approved)
        await tx.commit()
    assert saved.version == 1
    async with uow.tenant(tenant) as tx:
        assert await tx.manual_payments.get(payment.id) == saved
        rejected = payment.reject(STAFF_ADMIN, MOMENT, "blurry")
        code = await _code(tx.manual_payments.save(rejected), errors.ConcurrencyConflict)
        assert code == "payment.concurrent_update"


async def test_payments_list_newest_first_with_a_status_filter(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    tenant, other = new_tenant(), new_tenant()
    made = [a_payment(tenant, at=MOMENT + timedelta(minutes=n)) for n in (5, 1, 9, 3)]
    async with uow.tenant(tenant) as tx:
        for payment in made:
            await tx.manual_payments.add(payment)
        await tx.manual_payments.save(made[0].reject(STAFF_ADMIN, MOMENT, "no"))
        await tx.commit()
    async with uow.tenant(other) as tx:
        await tx.manual_payments.add(a_payment(other, at=MOMENT + timedelta(minutes=7)))
        await tx.commit()
    request = pagination.PageRequest()
    async with uow.tenant(tenant) as tx:
        every = await tx.manual_payments.list(request)
        pending = await tx.manual_payments.list(request, status=payments.PaymentStatus.PENDING)
        rejected = await tx.manual_payments.list(request, status=payments.PaymentStatus.REJECTED)
    assert [p.submitted_at.minute for p in every.items] == [9, 5, 3, 1]
    assert [p.submitted_at.minute for p in pending.items] == [9, 3, 1]
    assert [p.id for p in rejected.items] == [made[0].id]
    async with uow.platform() as tx:
        review = await tx.payment_review.list(request)
        queue = await tx.payment_review.list(request, status=payments.PaymentStatus.PENDING)
    assert [p.submitted_at.minute for p in review.items] == [9, 7, 5, 3, 1]
    assert len(queue.items) == 4


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    minutes=st.lists(st.integers(min_value=0, max_value=5), min_size=0, max_size=9),
    limit=st.integers(min_value=1, max_value=4),
)
async def test_payments_paging_visits_every_payment_once(
    uow_factory: UowFactory, minutes: list[int], limit: int
) -> None:
    uow = await uow_factory()
    tenant = new_tenant()
    made = [a_payment(tenant, at=MOMENT + timedelta(minutes=m)) for m in minutes]
    async with uow.tenant(tenant) as tx:
        for payment in made:
            await tx.manual_payments.add(payment)
        await tx.commit()
    seen: list[payments.ManualPayment] = []
    cursor: str | None = None
    async with uow.tenant(tenant) as tx:
        while True:
            page = await tx.manual_payments.list(pagination.PageRequest(limit, cursor))
            assert len(page.items) <= limit
            seen += page.items
            cursor = page.next_cursor
            if cursor is None:
                break
    expected = sorted(made, key=lambda p: (p.submitted_at, p.id), reverse=True)
    assert [p.id for p in seen] == [p.id for p in expected]


async def test_forged_cursors_are_invalid_input(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    forged = pagination.PageRequest(cursor="not-a-cursor!")
    async with uow.tenant(new_tenant()) as tx:
        code = await _code(tx.manual_payments.list(forged), errors.InvalidInput)
        assert code == "pagination.bad_cursor"
    async with uow.platform() as tx:
        assert await _code(tx.coupons.list(forged), errors.InvalidInput) == (
            "pagination.bad_cursor"
        )


# ---- processed events, entitlements, transactions ----------------------------------------


async def test_processed_events_record_each_id_once(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    event_id = f"evt_{unique_token()}"
    async with uow.tenant(new_tenant()) as tx:
        assert await tx.processed_events.record_if_new(event_id) is True
        assert await tx.processed_events.record_if_new(event_id) is False
        await tx.commit()
    async with uow.platform() as tx:  # platform-wide: any transaction sees it
        assert await tx.processed_events.record_if_new(event_id) is False
        assert await tx.processed_events.record_if_new(f"{event_id}_2") is True
        # Not committed: forgotten.
    async with uow.platform() as tx:
        assert await tx.processed_events.record_if_new(f"{event_id}_2") is True
        for bad in ("", "x" * 256):
            code = await _code(tx.processed_events.record_if_new(bad), errors.InvalidInput)
            assert code == "billing.bad_event_id"


async def _ai_settings(uow: Any, tenant: ids.TenantId) -> Any:
    async with uow.tenant(tenant) as tx:
        return await tx.ai_settings.get()


async def test_entitlements_reach_the_ai_settings(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    tenant = new_tenant()
    grant = events.EntitlementGranted(
        tenant, ids.PlanId(unique_id()), "ENTERPRISE", "HIGH", 300, 9000, MOMENT
    )
    async with uow.tenant(tenant) as tx:
        await tx.entitlements.apply([events.UsageCountersReset(tenant, MOMENT)])
        await tx.commit()
    assert await _ai_settings(uow, tenant) is None  # a reset alone changes no setting
    for _ in range(2):  # applying the same effects again leaves the same result
        async with uow.tenant(tenant) as tx:
            await tx.entitlements.apply([grant, events.UsageCountersReset(tenant, MOMENT)])
            await tx.commit()
        granted = await _ai_settings(uow, tenant)
        assert granted is not None
        assert (granted.plan.value, granted.daily_limit, granted.monthly_limit) == (
            "ENTERPRISE",
            300,
            9000,
        )
    async with uow.tenant(tenant) as tx:
        await tx.entitlements.apply([events.DowngradedToFree(tenant, MOMENT)])
        await tx.commit()
    free = await _ai_settings(uow, tenant)
    assert (free.plan.value, free.daily_limit, free.monthly_limit) == ("FREE", None, None)
    assert free.ai_enabled is granted.ai_enabled  # the tenant's other settings stay


async def test_entitlements_refuse_another_tenants_effects(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    tenant, other = new_tenant(), new_tenant()
    async with uow.tenant(tenant) as tx:
        effects = [events.DowngradedToFree(other, MOMENT)]
        code = await _code(tx.entitlements.apply(effects), errors.Forbidden)
        assert code == "billing.effect_wrong_tenant"
    assert await _ai_settings(uow, other) is None


async def test_changes_without_commit_are_discarded(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    tenant = new_tenant()
    plan, payment = a_plan(), a_payment(tenant)
    async with uow.tenant(tenant) as tx:
        await tx.plans.add(plan)
        await tx.manual_payments.add(payment)
        await tx.subscription.save(a_subscription(tenant))
    async with uow.tenant(tenant) as tx:
        assert await tx.plans.get(plan.id) is None
        assert await tx.manual_payments.get(payment.id) is None
        assert await tx.subscription.get() is None
