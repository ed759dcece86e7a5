"""SQL repositories of the billing context (SQLite and PostgreSQL).

Versioned saves are one ``UPDATE ... WHERE version = :expected``; nothing updated means the
row is gone (``*.not_found``) or changed meanwhile (``*.concurrent_update``). Payment
references and processed event ids rely on unique keys (``INSERT ... ON CONFLICT DO
NOTHING``): of racing transactions exactly one inserts, the others wait for it and then
insert nothing, so no prior read can let two through.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import attrs
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from b2adapters.sql import billing_rows as rows
from b2adapters.sql import paging, statements
from b2adapters.sql.schema import billing as tables
from b2core.billing import coupons, model, payments, plans
from b2core.shared import errors, ids, pagination

if TYPE_CHECKING:
    from b2core.billing import ports


class _Tx(Protocol):
    async def connection(self) -> AsyncConnection: ...


def _not_found(what: str) -> errors.NotFound:
    return errors.NotFound(f"no such {what}", code=f"{what}.not_found")


def _stale(what: str) -> errors.ConcurrencyConflict:
    return errors.ConcurrencyConflict(
        f"the {what} changed meanwhile", code=f"{what}.concurrent_update"
    )


def _text_cursor(cursor: str) -> tuple[str, str]:
    first, second = pagination.decode_cursor(cursor, 2)
    if not isinstance(first, str) or not isinstance(second, str):
        raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor")
    return first, second


class SqlPlanRepository:
    """Every plan of the platform, deleted ones included."""

    def __init__(self, tx: _Tx) -> None:
        self._tx = tx

    async def get(self, plan_id: ids.PlanId) -> plans.Plan | None:
        connection = await self._tx.connection()
        query = select(tables.plans).where(tables.plans.c.id == plan_id)
        row = (await connection.execute(query)).mappings().first()
        return rows.plan_from_row(row) if row is not None else None

    async def add(self, plan: plans.Plan) -> None:
        if await self.get(plan.id) is not None:
            raise errors.Conflict("this plan already exists", code="plan.already_exists")
        await self._check_unique(plan)
        connection = await self._tx.connection()
        if not await statements.insert_if_absent(connection, tables.plans, rows.plan_to_row(plan)):
            raise errors.Conflict("this plan already exists", code="plan.already_exists")

    async def save(self, plan: plans.Plan) -> plans.Plan:
        if not plan.deleted:
            await self._check_unique(plan)
        saved = attrs.evolve(plan, version=plan.version + 1)
        connection = await self._tx.connection()
        statement = (
            update(tables.plans)
            .where(tables.plans.c.id == plan.id, tables.plans.c.version == plan.version)
            .values(rows.plan_to_row(saved))
        )
        if (await connection.execute(statement)).rowcount != 1:
            raise _stale("plan") if await self.get(plan.id) is not None else _not_found("plan")
        return saved

    async def list(self, *, include_deleted: bool = False) -> Sequence[plans.Plan]:
        connection = await self._tx.connection()
        query = select(tables.plans)
        if not include_deleted:
            query = query.where(tables.plans.c.deleted_at.is_(None))
        found = [rows.plan_from_row(r) for r in (await connection.execute(query)).mappings()]
        return sorted(found, key=plans.display_key)

    async def _check_unique(self, plan: plans.Plan) -> None:
        connection = await self._tx.connection()
        table = tables.plans
        query = select(table.c.name_key, table.c.stripe_price_id).where(
            table.c.id != plan.id, table.c.deleted_at.is_(None)
        )
        for name_key, price_id in (await connection.execute(query)).all():
            if name_key == plan.name.casefold():
                raise errors.Conflict("another plan has this name", code="plan.duplicate_name")
            if plan.stripe_price_id and price_id == plan.stripe_price_id:
                raise errors.Conflict("another plan sells this price", code="plan.duplicate_price")


def _by_code(coupon: coupons.Coupon) -> tuple[str, str]:
    return (coupon.code, coupon.id)


class SqlCouponRepository:
    """The platform's coupons; the code is a unique key."""

    def __init__(self, tx: _Tx) -> None:
        self._tx = tx

    async def _one(self, condition: Any) -> coupons.Coupon | None:
        connection = await self._tx.connection()
        row = (await connection.execute(select(tables.coupons).where(condition))).mappings()
        found = row.first()
        return rows.coupon_from_row(found) if found is not None else None

    async def get(self, coupon_id: ids.CouponId) -> coupons.Coupon | None:
        return await self._one(tables.coupons.c.id == coupon_id)

    async def by_code(self, code: str) -> coupons.Coupon | None:
        return await self._one(tables.coupons.c.code == code)

    async def add(self, coupon: coupons.Coupon) -> None:
        connection = await self._tx.connection()
        if await statements.insert_if_absent(
            connection, tables.coupons, rows.coupon_to_row(coupon)
        ):
            return
        if await self.by_code(coupon.code) is None:
            raise errors.Conflict("this coupon already exists", code="coupon.already_exists")
        raise errors.Conflict("this coupon code is taken", code="coupon.duplicate_code")

    async def save(self, coupon: coupons.Coupon) -> coupons.Coupon:
        saved = attrs.evolve(coupon, version=coupon.version + 1)
        connection = await self._tx.connection()
        table = tables.coupons
        statement = (
            update(table)
            .where(table.c.id == coupon.id, table.c.version == coupon.version)
            .values(rows.coupon_to_row(saved))
        )
        with statements.integrity_errors_as_conflicts("coupon", "coupon.duplicate_code"):
            result = await connection.execute(statement)
        if result.rowcount != 1:
            raise (
                _stale("coupon") if await self.get(coupon.id) is not None else _not_found("coupon")
            )
        return saved

    async def delete(self, coupon_id: ids.CouponId) -> bool:
        connection = await self._tx.connection()
        result = await connection.execute(
            delete(tables.coupons).where(tables.coupons.c.id == coupon_id)
        )
        return bool(result.rowcount == 1)

    async def list(self, page: pagination.PageRequest) -> pagination.Page[coupons.Coupon]:
        connection = await self._tx.connection()
        table = tables.coupons
        code = paging.by_code_point(connection, table.c.code)
        query = select(table)
        if page.cursor is not None:
            after_code, _ = _text_cursor(page.cursor)
            # Codes are unique: the code alone orders the list.
            query = query.where(code > after_code)
        query = query.order_by(code).limit(page.limit + 1)
        found = [rows.coupon_from_row(r) for r in (await connection.execute(query)).mappings()]
        return pagination.page_from_rows(found, page.limit, _by_code)


class SqlSubscriptionRepository:
    """The one subscription row of the bound tenant."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    async def get(self) -> model.Subscription | None:
        connection = await self._tx.connection()
        query = select(tables.subscriptions).where(
            tables.subscriptions.c.tenant_id == self._tenant_id
        )
        row = (await connection.execute(query)).mappings().first()
        return rows.subscription_from_row(row) if row is not None else None

    async def save(self, subscription: model.Subscription) -> model.Subscription:
        if subscription.tenant_id != self._tenant_id:
            raise errors.Forbidden(
                "this subscription belongs to another tenant", code="subscription.wrong_tenant"
            )
        saved = attrs.evolve(subscription, version=subscription.version + 1)
        connection = await self._tx.connection()
        table = tables.subscriptions
        if subscription.version == 0:
            inserted = await statements.insert_if_absent(
                connection, table, rows.subscription_to_row(saved)
            )
            if not inserted:
                raise _stale("subscription")
            return saved
        statement = (
            update(table)
            .where(table.c.tenant_id == self._tenant_id, table.c.version == subscription.version)
            .values(rows.subscription_to_row(saved))
        )
        if (await connection.execute(statement)).rowcount != 1:
            raise _stale("subscription")
        return saved


class SqlSubscriptionDirectory:
    """Which tenant a Stripe subscription or customer belongs to (platform transactions)."""

    def __init__(self, tx: _Tx) -> None:
        self._tx = tx

    async def tenant_for(
        self, stripe_customer_id: str | None, stripe_subscription_id: str | None
    ) -> ids.TenantId | None:
        connection = await self._tx.connection()
        table = tables.subscriptions
        for column, value in (
            (table.c.stripe_subscription_id, stripe_subscription_id),
            (table.c.stripe_customer_id, stripe_customer_id),
        ):
            if not value:
                continue
            query = (
                select(table.c.tenant_id).where(column == value).order_by(table.c.tenant_id)
            ).limit(1)
            found = (await connection.execute(query)).scalar_one_or_none()
            if found is not None:
                return ids.TenantId(found)
        return None

    async def lapsed_manual(self, at: datetime, limit: int) -> list[ids.TenantId]:
        table = tables.subscriptions
        entitled = [status.value for status in model.ENTITLED]
        query = (
            select(table.c.tenant_id)
            .where(
                table.c.source == model.Source.MANUAL.value,
                table.c.status.in_(entitled),
                table.c.current_period_end <= at,
            )
            .order_by(table.c.current_period_end, table.c.tenant_id)
            .limit(limit)
        )
        connection = await self._tx.connection()
        return [ids.TenantId(found) for found in (await connection.execute(query)).scalars()]


def _newest_first(payment: payments.ManualPayment) -> tuple[str, str]:
    return (paging.time_key(payment.submitted_at), payment.id)


async def _payment_page(
    connection: AsyncConnection,
    condition: Any,
    page: pagination.PageRequest,
    status: payments.PaymentStatus | None,
) -> pagination.Page[payments.ManualPayment]:
    table = tables.manual_payments
    query = select(table)
    if condition is not None:
        query = query.where(condition)
    if status is not None:
        query = query.where(table.c.status == payments.PaymentStatus(status).value)
    if page.cursor is not None:
        query = query.where(
            paging.after(table.c.submitted_at, table.c.id, page.cursor, descending=True)
        )
    query = query.order_by(table.c.submitted_at.desc(), table.c.id.desc()).limit(page.limit + 1)
    found = [rows.payment_from_row(r) for r in (await connection.execute(query)).mappings()]
    return pagination.page_from_rows(found, page.limit, _newest_first)


class SqlManualPaymentRepository:
    """The manual payments of the bound tenant."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    @property
    def _mine(self) -> Any:
        return tables.manual_payments.c.tenant_id == self._tenant_id

    async def get(self, payment_id: ids.PaymentId) -> payments.ManualPayment | None:
        connection = await self._tx.connection()
        table = tables.manual_payments
        query = select(table).where(self._mine, table.c.id == payment_id)
        row = (await connection.execute(query)).mappings().first()
        return rows.payment_from_row(row) if row is not None else None

    async def add(self, payment: payments.ManualPayment) -> None:
        if payment.tenant_id != self._tenant_id:
            raise errors.Forbidden(
                "this payment belongs to another tenant", code="payment.wrong_tenant"
            )
        connection = await self._tx.connection()
        row = rows.payment_to_row(payment)
        if await statements.insert_if_absent(connection, tables.manual_payments, row):
            return
        if await self.get(payment.id) is not None:
            raise errors.Conflict("this payment already exists", code="payment.already_exists")
        raise errors.Conflict(
            "this reference was already submitted", code="payment.duplicate_reference"
        )

    async def save(self, payment: payments.ManualPayment) -> payments.ManualPayment:
        saved = attrs.evolve(payment, version=payment.version + 1)
        connection = await self._tx.connection()
        table = tables.manual_payments
        statement = (
            update(table)
            .where(self._mine, table.c.id == payment.id, table.c.version == payment.version)
            .values(rows.payment_to_row(saved))
        )
        if (await connection.execute(statement)).rowcount != 1:
            if await self.get(payment.id) is None:
                raise _not_found("payment")
            raise _stale("payment")
        return saved

    async def list(
        self, page: pagination.PageRequest, *, status: payments.PaymentStatus | None = None
    ) -> pagination.Page[payments.ManualPayment]:
        return await _payment_page(await self._tx.connection(), self._mine, page, status)


class SqlPaymentReview:
    """Every tenant's manual payments (platform transactions)."""

    def __init__(self, tx: _Tx) -> None:
        self._tx = tx

    async def get(self, payment_id: ids.PaymentId) -> payments.ManualPayment | None:
        connection = await self._tx.connection()
        table = tables.manual_payments
        row = (await connection.execute(select(table).where(table.c.id == payment_id))).mappings()
        found = row.first()
        return rows.payment_from_row(found) if found is not None else None

    async def list(
        self, page: pagination.PageRequest, *, status: payments.PaymentStatus | None = None
    ) -> pagination.Page[payments.ManualPayment]:
        return await _payment_page(await self._tx.connection(), None, page, status)


class SqlProcessedEvents:
    """The provider event ids already handled: a primary key on the id."""

    def __init__(self, tx: _Tx) -> None:
        self._tx = tx

    async def record_if_new(self, event_id: str) -> bool:
        if not isinstance(event_id, str) or not event_id or len(event_id) > 255:
            raise errors.InvalidInput(
                "an event id of 1 to 255 characters is required", code="billing.bad_event_id"
            )
        connection = await self._tx.connection()
        row = {"event_id": event_id, "processed_at": datetime.now(UTC)}
        return await statements.insert_if_absent(connection, tables.processed_events, row)

    async def count(self) -> int:
        """How many event ids are recorded (for operations and tests)."""
        connection = await self._tx.connection()
        query = select(func.count()).select_from(tables.processed_events)
        return int((await connection.execute(query)).scalar_one())


if TYPE_CHECKING:
    _plans: type[ports.PlanRepository] = SqlPlanRepository
    _coupons: type[ports.CouponRepository] = SqlCouponRepository
    _subscription: type[ports.SubscriptionRepository] = SqlSubscriptionRepository
    _directory: type[ports.SubscriptionDirectory] = SqlSubscriptionDirectory
    _payments: type[ports.ManualPaymentRepository] = SqlManualPaymentRepository
    _review: type[ports.PaymentReview] = SqlPaymentReview
    _processed: type[ports.ProcessedEvents] = SqlProcessedEvents
