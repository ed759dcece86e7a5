"""TEST-ONLY dict-backed fakes of the billing ports, until real memory/SQL adapters exist.

They keep the ports' documented rules that the handler tests lean on (versioned saves, unique
names, codes and payment references, tenant binding, one processed record per event id) and
nothing more. Each transaction works on copies and publishes them on commit.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import attrs

from b2core.billing import checkout, coupons, events, model, payments, plans, status
from b2core.billing import provider_events as pe
from b2core.shared import audit, errors, ids, pagination

if TYPE_CHECKING:
    from b2core.billing import ports


@attrs.define
class FakeStore:
    """Everything the fakes hold; tests read it directly to check outcomes."""

    plans: dict[ids.PlanId, plans.Plan] = attrs.Factory(dict)
    coupons: dict[ids.CouponId, coupons.Coupon] = attrs.Factory(dict)
    subscriptions: dict[ids.TenantId, model.Subscription] = attrs.Factory(dict)
    payments: dict[ids.PaymentId, payments.ManualPayment] = attrs.Factory(dict)
    processed: set[str] = attrs.Factory(set)
    audit: list[audit.AuditEntry] = attrs.Factory(list)
    effects: dict[ids.TenantId, list[events.Effect]] = attrs.Factory(dict)


def _bump(stored: Any, given: Any, code: str) -> Any:
    if stored is None:
        raise errors.NotFound("not found", code=f"{code}.not_found")
    if stored.version != given.version:
        raise errors.ConcurrencyConflict("stale", code=f"{code}.concurrent_update")
    return attrs.evolve(given, version=given.version + 1)


def _page(items: Sequence[Any], page: pagination.PageRequest) -> pagination.Page[Any]:
    start = int(pagination.decode_cursor(page.cursor, 1)[0]) if page.cursor else 0
    rows = items[start : start + page.limit + 1]
    chunk = tuple(rows[: page.limit])
    more = len(rows) > page.limit
    return pagination.Page(chunk, pagination.encode_cursor(start + page.limit) if more else None)


@attrs.frozen
class FakePlans:
    store: FakeStore

    async def get(self, plan_id: ids.PlanId) -> plans.Plan | None:
        return self.store.plans.get(plan_id)

    def _check_unique(self, plan: plans.Plan) -> None:
        for other in self.store.plans.values():
            if other.id == plan.id or other.deleted:
                continue
            if other.name.casefold() == plan.name.casefold():
                raise errors.Conflict("name taken", code="plan.duplicate_name")
            if plan.stripe_price_id and other.stripe_price_id == plan.stripe_price_id:
                raise errors.Conflict("price taken", code="plan.duplicate_price")

    async def add(self, plan: plans.Plan) -> None:
        if plan.id in self.store.plans:
            raise errors.Conflict("exists", code="plan.already_exists")
        self._check_unique(plan)
        self.store.plans[plan.id] = plan

    async def save(self, plan: plans.Plan) -> plans.Plan:
        saved: plans.Plan = _bump(self.store.plans.get(plan.id), plan, "plan")
        if not plan.deleted:
            self._check_unique(plan)
        self.store.plans[plan.id] = saved
        return saved

    async def list(self, *, include_deleted: bool = False) -> Sequence[plans.Plan]:
        found = [p for p in self.store.plans.values() if include_deleted or not p.deleted]
        return sorted(found, key=plans.display_key)


@attrs.frozen
class FakeCoupons:
    store: FakeStore

    async def get(self, coupon_id: ids.CouponId) -> coupons.Coupon | None:
        return self.store.coupons.get(coupon_id)

    async def by_code(self, code: str) -> coupons.Coupon | None:
        return next((c for c in self.store.coupons.values() if c.code == code), None)

    async def add(self, coupon: coupons.Coupon) -> None:
        if await self.by_code(coupon.code) is not None:
            raise errors.Conflict("code taken", code="coupon.duplicate_code")
        self.store.coupons[coupon.id] = coupon

    async def save(self, coupon: coupons.Coupon) -> coupons.Coupon:
        saved: coupons.Coupon = _bump(self.store.coupons.get(coupon.id), coupon, "coupon")
        self.store.coupons[coupon.id] = saved
        return saved

    async def delete(self, coupon_id: ids.CouponId) -> bool:
        return self.store.coupons.pop(coupon_id, None) is not None

    async def list(self, page: pagination.PageRequest) -> pagination.Page[coupons.Coupon]:
        return _page(sorted(self.store.coupons.values(), key=lambda c: c.code), page)


@attrs.frozen
class FakeSubscription:
    store: FakeStore
    tenant_id: ids.TenantId

    async def get(self) -> model.Subscription | None:
        return self.store.subscriptions.get(self.tenant_id)

    async def save(self, subscription: model.Subscription) -> model.Subscription:
        assert subscription.tenant_id == self.tenant_id, "tenant-bound repository"
        stored = self.store.subscriptions.get(self.tenant_id)
        if subscription.version == 0 and stored is None:
            saved = attrs.evolve(subscription, version=1)
        else:
            saved = _bump(stored, subscription, "subscription")
        self.store.subscriptions[self.tenant_id] = saved
        return saved


@attrs.frozen
class FakeDirectory:
    store: FakeStore

    async def tenant_for(
        self, stripe_customer_id: str | None, stripe_subscription_id: str | None
    ) -> ids.TenantId | None:
        records = list(self.store.subscriptions.values())
        by_sub = [r for r in records if r.follows(stripe_subscription_id)]
        by_customer = [
            r for r in records if stripe_customer_id and r.stripe_customer_id == stripe_customer_id
        ]
        found = by_sub or by_customer
        return found[0].tenant_id if found else None


def _newest_first(items: Any) -> list[payments.ManualPayment]:
    return sorted(items, key=lambda p: (p.submitted_at, p.id), reverse=True)


@attrs.frozen
class FakePayments:
    store: FakeStore
    tenant_id: ids.TenantId

    async def get(self, payment_id: ids.PaymentId) -> payments.ManualPayment | None:
        found = self.store.payments.get(payment_id)
        return found if found is not None and found.tenant_id == self.tenant_id else None

    async def add(self, payment: payments.ManualPayment) -> None:
        assert payment.tenant_id == self.tenant_id, "tenant-bound repository"
        for other in self.store.payments.values():  # every tenant's: a unique index
            if (other.method, other.reference) == (payment.method, payment.reference):
                raise errors.Conflict("reference used", code="payment.duplicate_reference")
        self.store.payments[payment.id] = payment

    async def save(self, payment: payments.ManualPayment) -> payments.ManualPayment:
        saved: payments.ManualPayment = _bump(await self.get(payment.id), payment, "payment")
        self.store.payments[payment.id] = saved
        return saved

    async def list(
        self, page: pagination.PageRequest, *, status: payments.PaymentStatus | None = None
    ) -> pagination.Page[payments.ManualPayment]:
        mine = [p for p in self.store.payments.values() if p.tenant_id == self.tenant_id]
        return _page(_newest_first(p for p in mine if status in (None, p.status)), page)


@attrs.frozen
class FakeReview:
    store: FakeStore

    async def get(self, payment_id: ids.PaymentId) -> payments.ManualPayment | None:
        return self.store.payments.get(payment_id)

    async def list(
        self, page: pagination.PageRequest, *, status: payments.PaymentStatus | None = None
    ) -> pagination.Page[payments.ManualPayment]:
        found = (p for p in self.store.payments.values() if status in (None, p.status))
        return _page(_newest_first(found), page)


@attrs.frozen
class FakeProcessed:
    store: FakeStore

    async def record_if_new(self, event_id: str) -> bool:
        if event_id in self.store.processed:
            return False
        self.store.processed.add(event_id)
        return True


@attrs.frozen
class FakeEntitlements:
    store: FakeStore
    tenant_id: ids.TenantId

    async def apply(self, effects: Sequence[events.Effect]) -> None:
        assert all(e.tenant_id == self.tenant_id for e in effects), "tenant-bound port"
        self.store.effects.setdefault(self.tenant_id, []).extend(effects)


@attrs.frozen
class FakeAudit:
    store: FakeStore

    async def append(self, entry: audit.AuditEntry) -> None:
        self.store.audit.append(entry)


class FakeTenants:
    """Every tenant a test names exists (the real check is covered by the app's tests)."""

    async def get(self, tenant_id: ids.TenantId) -> object:
        return tenant_id


class FakeTx:
    """One transaction over a private copy of the store."""

    def __init__(self, uow: FakeBillingUoW, tenant_id: ids.TenantId | None) -> None:
        self._uow = uow
        self.tenant_id = tenant_id
        self.work = FakeStore()

    async def __aenter__(self) -> Self:
        await self._uow.lock.acquire()
        self.work = copy.deepcopy(self._uow.store)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._uow.lock.release()

    async def commit(self) -> None:
        self._uow.store = copy.deepcopy(self.work)
        self._uow.commits += 1

    async def rollback(self) -> None:
        self.work = copy.deepcopy(self._uow.store)

    def _tenant(self) -> ids.TenantId:
        assert self.tenant_id is not None, "tenant repository in a platform transaction"
        return self.tenant_id

    @property
    def plans(self) -> FakePlans:
        return FakePlans(self.work)

    @property
    def coupons(self) -> FakeCoupons:
        return FakeCoupons(self.work)

    @property
    def processed_events(self) -> FakeProcessed:
        return FakeProcessed(self.work)

    @property
    def audit(self) -> FakeAudit:
        return FakeAudit(self.work)

    @property
    def subscriptions(self) -> FakeDirectory:
        return FakeDirectory(self.work)

    @property
    def tenants(self) -> FakeTenants:
        return FakeTenants()

    @property
    def payment_review(self) -> FakeReview:
        return FakeReview(self.work)

    @property
    def subscription(self) -> FakeSubscription:
        return FakeSubscription(self.work, self._tenant())

    @property
    def manual_payments(self) -> FakePayments:
        return FakePayments(self.work, self._tenant())

    @property
    def entitlements(self) -> FakeEntitlements:
        return FakeEntitlements(self.work, self._tenant())


class FakeBillingUoW:
    """Serialized transactions over one :class:`FakeStore`."""

    def __init__(self) -> None:
        self.store = FakeStore()
        self.lock = asyncio.Lock()
        self.commits = 0

    def tenant(self, tenant_id: ids.TenantId) -> FakeTx:
        return FakeTx(self, tenant_id)

    def platform(self) -> FakeTx:
        return FakeTx(self, None)


@attrs.define
class FakeGateway:
    """Stripe as far as the handlers see it; the same idempotency key gives the same session."""

    requests: list[checkout.CheckoutRequest] = attrs.Factory(list)
    sessions: dict[str, checkout.CheckoutSession] = attrs.Factory(dict)
    invoices: list[checkout.Invoice] = attrs.Factory(list)
    portal_calls: list[tuple[str, str]] = attrs.Factory(list)

    async def create_checkout_session(
        self, request: checkout.CheckoutRequest
    ) -> checkout.CheckoutSession:
        self.requests.append(request)
        if request.idempotency_key not in self.sessions:
            number = len(self.sessions) + 1
            self.sessions[request.idempotency_key] = checkout.CheckoutSession(
                f"cs_test_{number}", f"https://checkout.example/{number}"
            )
        return self.sessions[request.idempotency_key]

    async def portal_link(self, stripe_customer_id: str, return_url: str) -> str:
        self.portal_calls.append((stripe_customer_id, return_url))
        return f"https://portal.example/{stripe_customer_id}"

    async def list_invoices(
        self, stripe_customer_id: str, page: pagination.PageRequest
    ) -> pagination.Page[checkout.Invoice]:
        return _page(self.invoices, page)

    async def retrieve_subscription(
        self, stripe_subscription_id: str
    ) -> pe.SubscriptionChanged | None:
        return None

    async def recent_events(
        self, since: datetime, page: pagination.PageRequest
    ) -> pagination.Page[pe.BillingEvent]:
        return pagination.Page(())


@attrs.frozen
class FakeMeter:
    """Fixed usage figures, as the AI context would report them."""

    figures: status.Usage = attrs.field(factory=lambda: status.Usage(12, 50, 340, 1000))

    async def usage(self, tenant_id: ids.TenantId, at: datetime) -> status.Usage:
        return self.figures


if TYPE_CHECKING:
    _uow: type[ports.BillingUoW] = FakeBillingUoW
    _gateway: type[ports.BillingGateway] = FakeGateway
    _meter: type[ports.UsageMeter] = FakeMeter
