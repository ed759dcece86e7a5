"""Use cases of orders: the AI drafts and submits, the tenant's people decide, anyone reads.

Who may take which step is the order policy's rule, applied by the model's transitions; these
handlers load, call the transition, save (optimistically versioned) and audit, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import attrs

from b2core.orders import commands, model, policy, ports
from b2core.orders.handlers import common, queries
from b2core.shared import ids, pagination, time


@attrs.frozen
class DraftOrderHandler:
    """Draft an order priced from the active catalog, and submit it at once when asked.

    One audit entry, ``order.drafted``, whose ``status`` says whether it is now pending approval.
    """

    uow: ports.OrdersUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.DraftOrder) -> model.Order:
        now = self.clock.now()
        customer = model.Customer(
            cmd.customer_id, cmd.customer_name, cmd.customer_phone, cmd.customer_email
        )
        async with self.uow.tenant(cmd.tenant_id) as tx:
            order = model.draft_from_catalog(
                ids.OrderId(self.id_generator.new()),
                cmd.tenant_id,
                customer,
                cmd.items,
                await tx.services.list_active(),
                now,
                by=cmd.by,
                conversation_id=cmd.conversation_id,
            )
            if cmd.submit:
                order = order.submit(cmd.by, now)
            await tx.orders.add(order)
            metadata = {
                "status": order.status.value,
                "total_minor": order.total.amount_minor,
                "currency": order.currency,
            }
            await tx.audit.append(
                common.entry(
                    self.id_generator,
                    self.clock,
                    cmd.by,
                    "order.drafted",
                    cmd.tenant_id,
                    ("order", order.id),
                    metadata,
                )
            )
            await tx.commit()
        return order


Step = Callable[[model.Order, datetime], model.Order]


@attrs.frozen
class _OrderStepHandler:
    """Base of the handlers that move an existing order one step along its state machine."""

    uow: ports.OrdersUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def _apply(
        self,
        tenant_id: ids.TenantId,
        order_id: ids.OrderId,
        by: policy.Actor,
        action: str,
        step: Step,
    ) -> model.Order:
        async with self.uow.tenant(tenant_id) as tx:
            order = await common.load_order(tx, order_id)
            saved = await tx.orders.save(step(order, self.clock.now()))
            # The reason stays in the order's history, with the customer's other data, so
            # that erasing a customer never needs to rewrite the audit trail.
            metadata = {"from": order.status.value, "to": saved.status.value}
            await tx.audit.append(
                common.entry(
                    self.id_generator,
                    self.clock,
                    by,
                    action,
                    tenant_id,
                    ("order", order.id),
                    metadata,
                )
            )
            await tx.commit()
        return saved


@attrs.frozen
class SubmitOrderHandler(_OrderStepHandler):
    """Ask a human to approve a DRAFT order."""

    async def __call__(self, cmd: commands.SubmitOrder) -> model.Order:
        return await self._apply(
            cmd.tenant_id,
            cmd.order_id,
            cmd.by,
            "order.submitted",
            lambda o, at: o.submit(cmd.by, at),
        )


@attrs.frozen
class ApproveOrderHandler(_OrderStepHandler):
    """Accept a pending order (a TENANT_ADMIN or STAFF user only)."""

    async def __call__(self, cmd: commands.ApproveOrder) -> model.Order:
        return await self._apply(
            cmd.tenant_id,
            cmd.order_id,
            cmd.by,
            "order.approved",
            lambda o, at: o.approve(cmd.by, at),
        )


@attrs.frozen
class RejectOrderHandler(_OrderStepHandler):
    """Refuse a pending order with a reason (a TENANT_ADMIN or STAFF user only)."""

    async def __call__(self, cmd: commands.RejectOrder) -> model.Order:
        return await self._apply(
            cmd.tenant_id,
            cmd.order_id,
            cmd.by,
            "order.rejected",
            lambda o, at: o.reject(cmd.by, at, cmd.reason),
        )


@attrs.frozen
class CompleteOrderHandler(_OrderStepHandler):
    """Record that an approved order was delivered (a TENANT_ADMIN or STAFF user only)."""

    async def __call__(self, cmd: commands.CompleteOrder) -> model.Order:
        return await self._apply(
            cmd.tenant_id,
            cmd.order_id,
            cmd.by,
            "order.completed",
            lambda o, at: o.complete(cmd.by, at),
        )


@attrs.frozen
class CancelOrderHandler(_OrderStepHandler):
    """Withdraw a DRAFT or pending order."""

    async def __call__(self, cmd: commands.CancelOrder) -> model.Order:
        return await self._apply(
            cmd.tenant_id,
            cmd.order_id,
            cmd.by,
            "order.cancelled",
            lambda o, at: o.cancel(cmd.by, at, cmd.reason),
        )


@attrs.frozen
class ListOrdersHandler:
    """A page of the tenant's orders, newest first."""

    uow: ports.OrdersUoW

    async def __call__(self, cmd: queries.ListOrders) -> pagination.Page[model.Order]:
        common.check_member(cmd.by, "order")
        async with self.uow.tenant(cmd.tenant_id) as tx:
            return await tx.orders.list(cmd.page, status=cmd.status, customer_id=cmd.customer_id)


@attrs.frozen
class GetOrderHandler:
    """One order of the tenant, with items and history."""

    uow: ports.OrdersUoW

    async def __call__(self, cmd: queries.GetOrder) -> model.Order:
        common.check_member(cmd.by, "order")
        async with self.uow.tenant(cmd.tenant_id) as tx:
            return await common.load_order(tx, cmd.order_id)
