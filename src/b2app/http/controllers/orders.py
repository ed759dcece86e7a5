"""The tenant's orders and the human decisions on them: ``/orders``.

Orders are drafted by the AI (or the system) from catalog prices; people of the tenant approve,
reject, complete or cancel them here. Nothing in a request can set a price.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import attrs
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from b2app.http import auth, codec, pagination
from b2app.http.controllers import bodies, services
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.orders import commands, model, policy
from b2core.orders.handlers import queries
from b2core.shared import errors, ids, money
from b2core.shared import pagination as core_pagination

_DECIDE = permissions.Action.ORDERS_DECIDE
# The catalog and the orders are one context: the caller maps onto it the same way.
_tenant = services.tenant_of
_actor = services.actor_of


@attrs.frozen
class Amount:
    """Money: integer minor units (cents) and an ISO 4217 currency code."""

    amount_minor: int
    currency: str


@attrs.frozen
class OrderActor:
    """Who did something: ``user`` (with ``user_id``), ``ai`` or ``system``."""

    kind: policy.ActorKind
    user_id: str | None

    @classmethod
    def of(cls, actor: policy.Actor) -> OrderActor:
        """The public view of ``actor`` (the role stays inside)."""
        return cls(actor.kind, actor.user_id)


@attrs.frozen
class OrderCustomer:
    """Who ordered: the channel's customer id and the contact details given."""

    customer_id: str
    name: str | None
    phone: str | None
    email: str | None


@attrs.frozen
class OrderLine:
    """One line, with the name and unit price the service had when the order was drafted."""

    service_id: str
    name: str
    unit_price: Amount
    quantity: int
    subtotal: Amount


@attrs.frozen
class OrderStep:
    """One change of status in the order's history."""

    from_status: model.OrderStatus
    to_status: model.OrderStatus
    by: OrderActor
    at: datetime
    reason: str | None


@attrs.frozen
class Order:
    """An order with its items, total and history (oldest step first)."""

    order_id: str
    status: model.OrderStatus
    customer: OrderCustomer
    items: list[OrderLine]
    total: Amount
    conversation_id: str | None
    created_by: OrderActor
    created_at: datetime
    updated_at: datetime
    history: list[OrderStep]

    @classmethod
    def of(cls, order: model.Order) -> Order:
        """The public view of ``order``."""
        c = order.customer
        return cls(
            order.id,
            order.status,
            OrderCustomer(c.id, c.name, c.phone, c.email),
            [_line(i) for i in order.items],
            _amount(order.total),
            order.conversation_id,
            OrderActor.of(order.created_by),
            order.created_at,
            order.updated_at,
            [
                OrderStep(s.from_status, s.to_status, OrderActor.of(s.by), s.at, s.reason)
                for s in order.history
            ],
        )


def _amount(value: money.Money) -> Amount:
    return Amount(value.amount_minor, value.currency)


def _line(item: model.OrderItem) -> OrderLine:
    return OrderLine(
        item.service_id, item.name, _amount(item.unit_price), item.quantity, _amount(item.subtotal)
    )


@attrs.frozen
class OrderPage:
    """One page of orders."""

    items: list[Order]
    next_cursor: str | None


@attrs.frozen
class Rejection:
    """Why the order is refused (required; kept in the order's history)."""

    reason: str


@attrs.frozen
class Cancellation:
    """Why the order is withdrawn, if you want to say."""

    reason: str | None = None


def _shown(order: model.Order) -> dict[str, Any]:
    return bodies.dump(Order.of(order))


def parse_status(value: str | None) -> model.OrderStatus | None:
    """The ``status`` filter; an empty value means any status.

    Raises ``errors.InvalidInput`` (``order.bad_status``) for an unknown status.
    """
    if not value:
        return None
    try:
        return model.OrderStatus(value.upper())
    except ValueError:
        allowed = ", ".join(s.value for s in model.OrderStatus)
        raise errors.InvalidInput(
            f"status must be one of {allowed}", code="order.bad_status"
        ) from None


class OrdersController(Controller):
    """The caller's own orders only: another tenant's orders are simply not found.

    An illegal step (approving an approved order, completing a pending one) answers 409
    ``order.invalid_transition``.
    """

    path = "/orders"
    tags = ["orders"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(permissions.Action.ORDERS_READ),
        **bodies.answers(200, OrderPage, "orders", (401, 403, 422)),
    )
    async def list_orders(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
        status: Annotated[
            str | None, QueryParameter(description="DRAFT, PENDING_APPROVAL, APPROVED, ...")
        ] = None,
        customer_id: Annotated[
            str | None, QueryParameter(description="Only this customer's orders.")
        ] = None,
    ) -> dict[str, Any]:
        """Your orders, newest first, optionally by status and customer."""
        query = queries.ListOrders(
            _tenant(principal),
            _actor(principal),
            page,
            status=parse_status(status),
            customer_id=customer_id or None,
        )
        return pagination.render(await bus.handle(query), item=_shown)

    @get(
        "/{order_id:str}",
        **auth.guarded(permissions.Action.ORDERS_READ),
        **bodies.answers(200, Order, "the order", (401, 403, 404)),
    )
    async def get_order(
        self,
        order_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """One order with its items, total and history."""
        query = queries.GetOrder(_tenant(principal), ids.OrderId(order_id), _actor(principal))
        return _shown(await bus.handle(query))

    @post(
        "/{order_id:str}/approve",
        **auth.guarded(_DECIDE),
        **bodies.answers(200, Order, "approved", (401, 403, 404, 409)),
    )
    async def approve(
        self,
        order_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Accept an order that is PENDING_APPROVAL."""
        command = commands.ApproveOrder(
            _tenant(principal), ids.OrderId(order_id), _actor(principal)
        )
        return _shown(await bus.handle(command))

    @post(
        "/{order_id:str}/reject",
        **auth.guarded(_DECIDE),
        **bodies.answers(200, Order, "rejected", (400, 401, 403, 404, 409, 422)),
    )
    async def reject(
        self,
        order_id: FromPath[str],
        data: bodies.Json[Rejection],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Refuse an order that is PENDING_APPROVAL; a reason (1-500 characters) is required."""
        form = codec.structure(data, Rejection)
        command = commands.RejectOrder(
            _tenant(principal), ids.OrderId(order_id), _actor(principal), form.reason
        )
        return _shown(await bus.handle(command))

    @post(
        "/{order_id:str}/complete",
        **auth.guarded(_DECIDE),
        **bodies.answers(200, Order, "completed", (401, 403, 404, 409)),
    )
    async def complete(
        self,
        order_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Record that an APPROVED order was delivered."""
        command = commands.CompleteOrder(
            _tenant(principal), ids.OrderId(order_id), _actor(principal)
        )
        return _shown(await bus.handle(command))

    @post(
        "/{order_id:str}/cancel",
        **auth.guarded(_DECIDE),
        **bodies.answers(200, Order, "cancelled", (400, 401, 403, 404, 409, 422)),
    )
    async def cancel(
        self,
        order_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        data: bodies.Json[Cancellation | None] = None,
    ) -> dict[str, Any]:
        """Withdraw a DRAFT or PENDING_APPROVAL order; the body and its reason are optional."""
        form = Cancellation() if data is None else codec.structure(data, Cancellation)
        command = commands.CancelOrder(
            _tenant(principal), ids.OrderId(order_id), _actor(principal), form.reason
        )
        return _shown(await bus.handle(command))
