"""In-memory repositories of the billing context, inside the in-memory unit of work.

Plans, coupons and processed event ids are platform-wide; the subscription and the manual
payments are bound to the transaction's tenant (another tenant's rows are invisible). The
unique rules the ports document (plan names and prices, coupon codes, payment method plus
reference across every tenant, one processed record per event id) are checked against the
transaction's copy of the tables, which the store's lock keeps consistent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import attrs

from b2core.billing import coupons, model, payments, plans
from b2core.shared import errors, ids, pagination

if TYPE_CHECKING:
    from b2core.billing import ports

PLANS = "billing_plans"
COUPONS = "billing_coupons"
SUBSCRIPTIONS = "billing_subscriptions"
PAYMENTS = "billing_payments"
PROCESSED = "billing_processed_events"

_T = TypeVar("_T")


class _Tx(Protocol):
    def table(self, name: str) -> dict[Any, Any]: ...


def _bumped(stored: Any, given: _T, what: str) -> _T:
    if stored is None:
        raise errors.NotFound(f"no such {what}", code=f"{what}.not_found")
    if stored.version != given.version:  # type: ignore[attr-defined]
        raise errors.ConcurrencyConflict(
            f"the {what} changed meanwhile", code=f"{what}.concurrent_update"
        )
    return attrs.evolve(given, version=given.version + 1)  # type: ignore[attr-defined,misc]


def _after(cursor: str) -> tuple[str, str]:
    """The (text, id) sort key a cursor of this module carries."""
    first, second = pagination.decode_cursor(cursor, 2)
    return (str(first), str(second))


def _page(
    rows: Sequence[_T], request: pagination.PageRequest, key: Callable[[_T], tuple[str, str]]
) -> pagination.Page[_T]:
    """A keyset page of ``rows``, sorted ascending by ``key``."""
    if request.cursor is not None:
        after = _after(request.cursor)
        rows = [r for r in rows if key(r) > after]
    return pagination.page_from_rows(list(rows[: request.limit + 1]), request.limit, key)


def plan_conflict(plan: plans.Plan, others: Iterable[plans.Plan]) -> errors.Conflict | None:
    """The uniqueness a new or changed plan breaks among ``others`` that are not deleted."""
    for other in others:
        if other.id == plan.id or other.deleted:
            continue
        if other.name.casefold() == plan.name.casefold():
            return errors.Conflict("another plan has this name", code="plan.duplicate_name")
        if plan.stripe_price_id and other.stripe_price_id == plan.stripe_price_id:
            return errors.Conflict("another plan sells this price", code="plan.duplicate_price")
    return None


class InMemoryPlanRepository:
    """Every plan of the platform, deleted ones included."""

    def __init__(self, tx: _Tx) -> None:
        self._rows: dict[ids.PlanId, plans.Plan] = tx.table(PLANS)

    async def get(self, plan_id: ids.PlanId) -> plans.Plan | None:
        return self._rows.get(plan_id)

    async def add(self, plan: plans.Plan) -> None:
        if plan.id in self._rows:
            raise errors.Conflict("this plan already exists", code="plan.already_exists")
        clash = plan_conflict(plan, self._rows.values())
        if clash is not None:
            raise clash
        self._rows[plan.id] = plan

    async def save(self, plan: plans.Plan) -> plans.Plan:
        saved = _bumped(self._rows.get(plan.id), plan, "plan")
        clash = None if plan.deleted else plan_conflict(plan, self._rows.values())
        if clash is not None:
            raise clash
        self._rows[plan.id] = saved
        return saved

    async def list(self, *, include_deleted: bool = False) -> Sequence[plans.Plan]:
        found = (p for p in self._rows.values() if include_deleted or not p.deleted)
        return sorted(found, key=plans.display_key)


def _coupon_key(coupon: coupons.Coupon) -> tuple[str, str]:
    return (coupon.code, coupon.id)


class InMemoryCouponRepository:
    """The platform's coupons, unique by canonical code."""

    def __init__(self, tx: _Tx) -> None:
        self._rows: dict[ids.CouponId, coupons.Coupon] = tx.table(COUPONS)

    async def get(self, coupon_id: ids.CouponId) -> coupons.Coupon | None:
        return self._rows.get(coupon_id)

    async def by_code(self, code: str) -> coupons.Coupon | None:
        return next((c for c in self._rows.values() if c.code == code), None)

    async def add(self, coupon: coupons.Coupon) -> None:
        if await self.by_code(coupon.code) is not None:
            raise errors.Conflict("this coupon code is taken", code="coupon.duplicate_code")
        if coupon.id in self._rows:
            raise errors.Conflict("this coupon already exists", code="coupon.already_exists")
        self._rows[coupon.id] = coupon

    async def save(self, coupon: coupons.Coupon) -> coupons.Coupon:
        saved = _bumped(self._rows.get(coupon.id), coupon, "coupon")
        self._rows[coupon.id] = saved
        return saved

    async def delete(self, coupon_id: ids.CouponId) -> bool:
        return self._rows.pop(coupon_id, None) is not None

    async def list(self, page: pagination.PageRequest) -> pagination.Page[coupons.Coupon]:
        return _page(sorted(self._rows.values(), key=_coupon_key), page, _coupon_key)


class InMemorySubscriptionRepository:
    """The one subscription record of the bound tenant."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._rows: dict[ids.TenantId, model.Subscription] = tx.table(SUBSCRIPTIONS)
        self._tenant_id = tenant_id

    async def get(self) -> model.Subscription | None:
        return self._rows.get(self._tenant_id)

    async def save(self, subscription: model.Subscription) -> model.Subscription:
        if subscription.tenant_id != self._tenant_id:
            raise errors.Forbidden(
                "this subscription belongs to another tenant", code="subscription.wrong_tenant"
            )
        stored = self._rows.get(self._tenant_id)
        if subscription.version == 0 and stored is None:
            saved = attrs.evolve(subscription, version=1)
        elif stored is None:
            raise errors.ConcurrencyConflict(
                "the subscription changed meanwhile", code="subscription.concurrent_update"
            )
        else:
            if stored.version != subscription.version:
                raise errors.ConcurrencyConflict(
                    "the subscription changed meanwhile", code="subscription.concurrent_update"
                )
            saved = attrs.evolve(subscription, version=subscription.version + 1)
        self._rows[self._tenant_id] = saved
        return saved


class InMemorySubscriptionDirectory:
    """Which tenant a Stripe subscription or customer belongs to (platform-wide)."""

    def __init__(self, tx: _Tx) -> None:
        self._rows: dict[ids.TenantId, model.Subscription] = tx.table(SUBSCRIPTIONS)

    async def tenant_for(
        self, stripe_customer_id: str | None, stripe_subscription_id: str | None
    ) -> ids.TenantId | None:
        records = sorted(self._rows.values(), key=lambda r: r.tenant_id)
        for record in records:
            if record.follows(stripe_subscription_id):
                return record.tenant_id
        if stripe_customer_id:
            for record in records:
                if record.stripe_customer_id == stripe_customer_id:
                    return record.tenant_id
        return None

    async def lapsed_manual(self, at: datetime, limit: int) -> list[ids.TenantId]:
        lapsed = sorted(
            (r for r in self._rows.values() if _lapsed(r, at)),
            key=lambda r: (r.current_period_end or at, r.tenant_id),
        )
        return [record.tenant_id for record in lapsed[:limit]]


def _lapsed(record: model.Subscription, at: datetime) -> bool:
    return (
        record.source is model.Source.MANUAL
        and record.is_entitled
        and record.current_period_end is not None
        and record.current_period_end <= at
    )


def payment_key(payment: payments.ManualPayment) -> tuple[str, str]:
    """Sort key of payment lists (used newest first)."""
    return (payment.submitted_at.astimezone(UTC).isoformat(timespec="microseconds"), payment.id)


def _payment_page(
    found: Iterable[payments.ManualPayment],
    page: pagination.PageRequest,
    status: payments.PaymentStatus | None,
) -> pagination.Page[payments.ManualPayment]:
    rows = sorted((p for p in found if status in (None, p.status)), key=payment_key, reverse=True)
    if page.cursor is not None:
        after = _after(page.cursor)
        rows = [p for p in rows if payment_key(p) < after]
    return pagination.page_from_rows(rows[: page.limit + 1], page.limit, payment_key)


class InMemoryManualPaymentRepository:
    """The manual payments of the bound tenant; references are unique across tenants."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._rows: dict[ids.PaymentId, payments.ManualPayment] = tx.table(PAYMENTS)
        self._tenant_id = tenant_id

    async def get(self, payment_id: ids.PaymentId) -> payments.ManualPayment | None:
        found = self._rows.get(payment_id)
        return found if found is not None and found.tenant_id == self._tenant_id else None

    async def add(self, payment: payments.ManualPayment) -> None:
        if payment.tenant_id != self._tenant_id:
            raise errors.Forbidden(
                "this payment belongs to another tenant", code="payment.wrong_tenant"
            )
        if payment.id in self._rows:
            raise errors.Conflict("this payment already exists", code="payment.already_exists")
        for other in self._rows.values():  # every tenant's, as the SQL unique index does
            if (other.method, other.reference) == (payment.method, payment.reference):
                raise errors.Conflict(
                    "this reference was already submitted", code="payment.duplicate_reference"
                )
        self._rows[payment.id] = payment

    async def save(self, payment: payments.ManualPayment) -> payments.ManualPayment:
        saved = _bumped(await self.get(payment.id), payment, "payment")
        self._rows[payment.id] = saved
        return saved

    async def list(
        self, page: pagination.PageRequest, *, status: payments.PaymentStatus | None = None
    ) -> pagination.Page[payments.ManualPayment]:
        mine = (p for p in self._rows.values() if p.tenant_id == self._tenant_id)
        return _payment_page(mine, page, status)


class InMemoryPaymentReview:
    """Every tenant's manual payments, for the super admin."""

    def __init__(self, tx: _Tx) -> None:
        self._rows: dict[ids.PaymentId, payments.ManualPayment] = tx.table(PAYMENTS)

    async def get(self, payment_id: ids.PaymentId) -> payments.ManualPayment | None:
        return self._rows.get(payment_id)

    async def list(
        self, page: pagination.PageRequest, *, status: payments.PaymentStatus | None = None
    ) -> pagination.Page[payments.ManualPayment]:
        return _payment_page(self._rows.values(), page, status)


class InMemoryProcessedEvents:
    """Provider event ids already handled; recorded in the transaction, published on commit."""

    def __init__(self, tx: _Tx) -> None:
        self._rows: dict[str, bool] = tx.table(PROCESSED)

    async def record_if_new(self, event_id: str) -> bool:
        if not isinstance(event_id, str) or not event_id or len(event_id) > 255:
            raise errors.InvalidInput(
                "an event id of 1 to 255 characters is required", code="billing.bad_event_id"
            )
        if event_id in self._rows:
            return False
        self._rows[event_id] = True
        return True


if TYPE_CHECKING:
    _plans: type[ports.PlanRepository] = InMemoryPlanRepository
    _coupons: type[ports.CouponRepository] = InMemoryCouponRepository
    _subscription: type[ports.SubscriptionRepository] = InMemorySubscriptionRepository
    _directory: type[ports.SubscriptionDirectory] = InMemorySubscriptionDirectory
    _payments: type[ports.ManualPaymentRepository] = InMemoryManualPaymentRepository
    _review: type[ports.PaymentReview] = InMemoryPaymentReview
    _processed: type[ports.ProcessedEvents] = InMemoryProcessedEvents
