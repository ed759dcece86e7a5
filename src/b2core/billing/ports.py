"""Ports of the billing context: repositories, the processed-event table, the gateway, the UoW.

Two kinds of transaction, as everywhere (see :mod:`b2core.shared.uow`): ``tenant(id)`` binds the
subscription, manual payments and entitlements to one tenant; ``platform()`` serves the super
admin (plans, coupons, every tenant's payments) and the webhook's tenant look-up. Plans and
coupons are platform-wide in both. Versioned saves follow the orders context's rule: ``save``
succeeds only when the stored version equals the instance's and returns it bumped by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from b2core.billing import checkout, coupons, events, model, payments, plans, status
from b2core.billing import provider_events as pe
from b2core.shared import audit, ids, pagination, uow
from b2core.tenants import ports as tenant_ports


class PlanRepository(Protocol):
    """Every subscription plan, deleted ones included (they stay for their subscribers)."""

    async def get(self, plan_id: ids.PlanId) -> plans.Plan | None:
        """The plan with this id, or None."""
        ...

    async def add(self, plan: plans.Plan) -> None:
        """Store a new plan.

        Raises:
            errors.Conflict: ``plan.already_exists`` (same id), ``plan.duplicate_name`` (a
                plan not deleted has the name, case-insensitive), ``plan.duplicate_price``
                (another plan sells the same Stripe price).
        """
        ...

    async def save(self, plan: plans.Plan) -> plans.Plan:
        """Store a changed plan and return it with its new version.

        Raises:
            errors.NotFound: ``plan.not_found``.
            errors.ConcurrencyConflict: ``plan.concurrent_update``.
            errors.Conflict: ``plan.duplicate_name``, ``plan.duplicate_price``.
        """
        ...

    async def list(self, *, include_deleted: bool = False) -> Sequence[plans.Plan]:
        """Plans by display order, name and id (a platform has a handful)."""
        ...


class CouponRepository(Protocol):
    """The platform's coupons; codes are unique in their canonical (upper case) form."""

    async def get(self, coupon_id: ids.CouponId) -> coupons.Coupon | None:
        """The coupon with this id, or None."""
        ...

    async def by_code(self, code: str) -> coupons.Coupon | None:
        """The coupon with this canonical code, or None."""
        ...

    async def add(self, coupon: coupons.Coupon) -> None:
        """Store a new coupon. Raises ``errors.Conflict`` (``coupon.duplicate_code``)."""
        ...

    async def save(self, coupon: coupons.Coupon) -> coupons.Coupon:
        """Store a changed coupon; ``coupon.not_found`` or ``coupon.concurrent_update``."""
        ...

    async def delete(self, coupon_id: ids.CouponId) -> bool:
        """Remove the coupon; False when there was none. Payments keep their copy of the code."""
        ...

    async def list(self, page: pagination.PageRequest) -> pagination.Page[coupons.Coupon]:
        """Coupons by code."""
        ...


class SubscriptionRepository(Protocol):
    """The one subscription record of the tenant the transaction is bound to."""

    async def get(self) -> model.Subscription | None:
        """The tenant's subscription, or None before its first purchase."""
        ...

    async def save(self, subscription: model.Subscription) -> model.Subscription:
        """Store the tenant's record and return it with its new version.

        Version 0 creates the record (``ConcurrencyConflict`` if the tenant has one already);
        otherwise the stored version must match. A replacement (a newer Stripe subscription)
        keeps the stored version, so it is saved like any change.

        Raises:
            errors.ConcurrencyConflict: ``subscription.concurrent_update``.
        """
        ...


class SubscriptionDirectory(Protocol):
    """Platform-wide look-up of which tenant a Stripe customer or subscription belongs to."""

    async def tenant_for(
        self, stripe_customer_id: str | None, stripe_subscription_id: str | None
    ) -> ids.TenantId | None:
        """The tenant whose record names this subscription, else this customer, else None."""
        ...

    async def lapsed_manual(self, at: datetime, limit: int) -> Sequence[ids.TenantId]:
        """Up to ``limit`` tenants whose manual subscription is still in an entitled status
        although its period ended at or before ``at`` (nobody has ended it yet)."""
        ...


class ManualPaymentRepository(Protocol):
    """The manual payments of the tenant the transaction is bound to."""

    async def get(self, payment_id: ids.PaymentId) -> payments.ManualPayment | None:
        """The tenant's payment with this id, or None (also for another tenant's id)."""
        ...

    async def add(self, payment: payments.ManualPayment) -> None:
        """Store a new payment.

        Raises:
            errors.Conflict: ``payment.duplicate_reference`` when any tenant's payment has the
                same method and canonical reference (a unique index, not a prior read, so that
                two racing submissions cannot both pass).
        """
        ...

    async def save(self, payment: payments.ManualPayment) -> payments.ManualPayment:
        """Store a decided payment; ``payment.not_found`` or ``payment.concurrent_update``."""
        ...

    async def list(
        self, page: pagination.PageRequest, *, status: payments.PaymentStatus | None = None
    ) -> pagination.Page[payments.ManualPayment]:
        """The tenant's payments, newest first (submitted_at, then id, descending)."""
        ...


class PaymentReview(Protocol):
    """Every tenant's manual payments, for the super admin (platform transactions only)."""

    async def get(self, payment_id: ids.PaymentId) -> payments.ManualPayment | None:
        """The payment with this id, whichever its tenant, or None."""
        ...

    async def list(
        self, page: pagination.PageRequest, *, status: payments.PaymentStatus | None = None
    ) -> pagination.Page[payments.ManualPayment]:
        """All payments, newest first, optionally of one status."""
        ...


class ProcessedEvents(Protocol):
    """Provider event ids already handled: the webhook's dedupe table."""

    async def record_if_new(self, event_id: str) -> bool:
        """Record ``event_id`` in the current transaction; False when it was there already.

        Racing transactions recording one id: exactly one gets True (a unique key); the
        other's commit fails or waits, never both apply the event.
        """
        ...


class TenantEntitlements(Protocol):
    """Where billing's effects reach the AI context for the transaction's tenant.

    The adapter stores the AI plan, tier and limits where governance reads them, and resets
    the tenant's usage counters. Applying the same effects again leaves the same result.
    """

    async def apply(self, effects: Sequence[events.Effect]) -> None:
        """Carry out ``effects`` in order, inside the current transaction where possible."""
        ...


class UsageMeter(Protocol):
    """The AI context's usage counters and effective limits of a tenant, read for display."""

    async def usage(self, tenant_id: ids.TenantId, at: datetime) -> status.Usage:
        """Today's and this billing month's usage with the limits that apply."""
        ...


class BillingGateway(Protocol):
    """The payment provider (Stripe). Raises ``errors.Unavailable`` when it cannot be reached
    and ``errors.NotConfigured`` (``billing.not_configured``) in a deployment without it.
    """

    async def create_checkout_session(
        self, request: checkout.CheckoutRequest
    ) -> checkout.CheckoutSession:
        """A Checkout Session; the same ``idempotency_key`` returns the same session."""
        ...

    async def portal_link(self, stripe_customer_id: str, return_url: str) -> str:
        """A one-time URL of the customer portal for this customer."""
        ...

    async def list_invoices(
        self, stripe_customer_id: str, page: pagination.PageRequest
    ) -> pagination.Page[checkout.Invoice]:
        """The customer's invoices, newest first; the cursor is the provider's."""
        ...

    async def retrieve_subscription(
        self, stripe_subscription_id: str
    ) -> pe.SubscriptionChanged | None:
        """The subscription's current state as an event input (None when Stripe has none)."""
        ...

    async def recent_events(
        self, since: datetime, page: pagination.PageRequest
    ) -> pagination.Page[pe.BillingEvent]:
        """Billing events created since ``since``, oldest first: for reconciliation."""
        ...


class BillingTx(uow.Transaction, Protocol):
    """A tenant-bound transaction of the billing context."""

    @property
    def plans(self) -> PlanRepository: ...

    @property
    def coupons(self) -> CouponRepository: ...

    @property
    def subscription(self) -> SubscriptionRepository: ...

    @property
    def manual_payments(self) -> ManualPaymentRepository: ...

    @property
    def processed_events(self) -> ProcessedEvents: ...

    @property
    def entitlements(self) -> TenantEntitlements: ...

    @property
    def audit(self) -> audit.AuditLog:
        """The audit trail: one entry per billing change."""
        ...


class BillingAdminTx(uow.Transaction, Protocol):
    """A platform-wide transaction of the billing context."""

    @property
    def plans(self) -> PlanRepository: ...

    @property
    def coupons(self) -> CouponRepository: ...

    @property
    def subscriptions(self) -> SubscriptionDirectory: ...

    @property
    def payment_review(self) -> PaymentReview: ...

    @property
    def processed_events(self) -> ProcessedEvents: ...

    @property
    def tenants(self) -> tenant_ports.TenantRepository:
        """Whether a tenant named by a provider event exists."""
        ...

    @property
    def audit(self) -> audit.AuditLog: ...


class BillingUoW(Protocol):
    """Opens billing transactions."""

    def tenant(self, tenant_id: ids.TenantId) -> AbstractAsyncContextManager[BillingTx]: ...

    def platform(self) -> AbstractAsyncContextManager[BillingAdminTx]: ...
