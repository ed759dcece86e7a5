"""The Order aggregate: items priced from the catalog, the approval state machine and history.

DRAFT -> PENDING_APPROVAL -> APPROVED | REJECTED; APPROVED -> COMPLETED; DRAFT and
PENDING_APPROVAL -> CANCELLED. REJECTED, COMPLETED and CANCELLED are final. Who may take each
step is decided by :mod:`b2core.orders.policy`.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from datetime import datetime

import attrs

from b2core.orders import catalog, policy
from b2core.shared import errors, ids, money, time

MAX_QUANTITY = 100
MAX_ITEMS = 50
MAX_REASON = 500
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,24}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class OrderStatus(enum.StrEnum):
    """Where an order stands in its lifecycle."""

    DRAFT = "DRAFT"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


# action -> (statuses it may start from, status it leads to)
TRANSITIONS: Mapping[policy.OrderAction, tuple[frozenset[OrderStatus], OrderStatus]] = {
    policy.OrderAction.SUBMIT: (frozenset({OrderStatus.DRAFT}), OrderStatus.PENDING_APPROVAL),
    policy.OrderAction.APPROVE: (frozenset({OrderStatus.PENDING_APPROVAL}), OrderStatus.APPROVED),
    policy.OrderAction.REJECT: (frozenset({OrderStatus.PENDING_APPROVAL}), OrderStatus.REJECTED),
    policy.OrderAction.COMPLETE: (frozenset({OrderStatus.APPROVED}), OrderStatus.COMPLETED),
    policy.OrderAction.CANCEL: (
        frozenset({OrderStatus.DRAFT, OrderStatus.PENDING_APPROVAL}),
        OrderStatus.CANCELLED,
    ),
}
FINAL_STATUSES = frozenset({OrderStatus.REJECTED, OrderStatus.COMPLETED, OrderStatus.CANCELLED})


def _bad_customer(message: str) -> errors.InvalidInput:
    return errors.InvalidInput(message, code="order.bad_customer")


@attrs.frozen
class Customer:
    """Who orders: the channel's customer id and optional contact details."""

    id: str
    name: str | None = None
    phone: str | None = None
    email: str | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip() or len(self.id) > 200:
            raise _bad_customer("customer id must be 1 to 200 characters")
        if self.name is not None and (not self.name.strip() or len(self.name) > 120):
            raise _bad_customer("customer name must be 1 to 120 characters")
        if self.phone is not None and not _PHONE.match(self.phone):
            raise _bad_customer("customer phone number is not valid")
        if self.email is not None and (len(self.email) > 254 or not _EMAIL.match(self.email)):
            raise _bad_customer("customer email address is not valid")


def check_quantity(value: int) -> int:
    """Return ``value`` when it is a whole quantity from 1 to MAX_QUANTITY, else raise."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        raise errors.InvalidInput(
            f"quantity must be a whole number from 1 to {MAX_QUANTITY}", code="order.bad_quantity"
        )
    return value


def _check_quantity(_: object, __: attrs.Attribute[int], value: int) -> None:
    check_quantity(value)


def _check_version(_: object, __: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.InvalidInput(
            "version must be a non-negative integer", code="order.bad_version"
        )


def _check_unit_price(_: object, __: attrs.Attribute[money.Money], value: money.Money) -> None:
    if not isinstance(value, money.Money) or value.amount_minor < 0:
        raise errors.InvalidInput("unit price must be non-negative", code="order.bad_price")


@attrs.frozen
class OrderItem:
    """One line: a catalog service with the name and unit price it had when drafted."""

    service_id: ids.ServiceId
    name: str
    unit_price: money.Money = attrs.field(validator=_check_unit_price)
    quantity: int = attrs.field(validator=_check_quantity)

    @classmethod
    def from_service(cls, service: catalog.Service, quantity: int) -> OrderItem:
        """A line priced from the catalog: the only way prices enter an order."""
        return cls(service.id, service.name, service.price, quantity)

    @property
    def subtotal(self) -> money.Money:
        """Unit price times quantity."""
        return self.unit_price.times(self.quantity)


@attrs.frozen
class Transition:
    """One step of an order's history."""

    from_status: OrderStatus
    to_status: OrderStatus
    by: policy.Actor
    at: datetime
    reason: str | None = None


def _check_items(
    _: object, __: attrs.Attribute[tuple[OrderItem, ...]], value: tuple[OrderItem, ...]
) -> None:
    if not isinstance(value, tuple) or not all(isinstance(i, OrderItem) for i in value):
        raise errors.InvalidInput("items must be a tuple of order items", code="order.bad_items")
    if not value:
        raise errors.InvalidInput("an order needs at least one item", code="order.no_items")
    if len(value) > MAX_ITEMS:
        raise errors.InvalidInput(
            f"an order has at most {MAX_ITEMS} items", code="order.too_many_items"
        )
    if len({item.unit_price.currency for item in value}) > 1:
        raise errors.InvalidInput(
            "all items of an order must be in one currency", code="order.mixed_currency"
        )


def _clean_reason(reason: str | None, *, required: bool) -> str | None:
    text = reason.strip() if reason is not None else ""
    if required and not text:
        raise errors.InvalidInput("a reason is required", code="order.reason_required")
    if len(text) > MAX_REASON:
        raise errors.InvalidInput(
            f"a reason has at most {MAX_REASON} characters", code="order.bad_reason"
        )
    return text or None


@attrs.frozen
class Order:
    """An order of catalog services by one customer, approved by a human before it counts.

    ``version`` is the stored version this instance derives from; repositories compare it on
    ``save`` (optimistic concurrency) and bump it. Transitions keep it as is.
    """

    id: ids.OrderId
    tenant_id: ids.TenantId
    customer: Customer
    items: tuple[OrderItem, ...] = attrs.field(validator=_check_items)
    status: OrderStatus
    created_by: policy.Actor
    created_at: datetime
    updated_at: datetime
    conversation_id: ids.ConversationId | None = None
    history: tuple[Transition, ...] = ()
    version: int = attrs.field(default=0, validator=_check_version)

    @property
    def total(self) -> money.Money:
        """The sum of the items' subtotals, in the order's one currency."""
        total = money.Money(0, self.currency)
        for item in self.items:
            total = total + item.subtotal
        return total

    @property
    def currency(self) -> str:
        """The currency of every item and of the total."""
        return self.items[0].unit_price.currency

    @property
    def is_final(self) -> bool:
        """Whether nothing can happen to the order any more."""
        return self.status in FINAL_STATUSES

    def submit(self, by: policy.Actor, at: datetime) -> Order:
        """Ask a human to approve the draft (the AI may do this)."""
        return self._move(policy.OrderAction.SUBMIT, by, at)

    def approve(self, by: policy.Actor, at: datetime) -> Order:
        """Accept a pending order (a TENANT_ADMIN or STAFF user only)."""
        return self._move(policy.OrderAction.APPROVE, by, at)

    def reject(self, by: policy.Actor, at: datetime, reason: str) -> Order:
        """Refuse a pending order, saying why (a TENANT_ADMIN or STAFF user only)."""
        return self._move(policy.OrderAction.REJECT, by, at, reason, reason_required=True)

    def complete(self, by: policy.Actor, at: datetime) -> Order:
        """Record that an approved order was delivered (a TENANT_ADMIN or STAFF user only)."""
        return self._move(policy.OrderAction.COMPLETE, by, at)

    def cancel(self, by: policy.Actor, at: datetime, reason: str | None = None) -> Order:
        """Withdraw an order nobody approved yet."""
        return self._move(policy.OrderAction.CANCEL, by, at, reason)

    def _move(
        self,
        action: policy.OrderAction,
        by: policy.Actor,
        at: datetime,
        reason: str | None = None,
        *,
        reason_required: bool = False,
    ) -> Order:
        # Permission first: the AI is refused the same way whatever the order's state.
        policy.check(by, action)
        sources, target = TRANSITIONS[action]
        if self.status not in sources:
            raise errors.Conflict(
                f"a {self.status.value} order cannot become {target.value}",
                code="order.invalid_transition",
            )
        moment = time.ensure_utc(at)
        step = Transition(
            self.status, target, by, moment, _clean_reason(reason, required=reason_required)
        )
        return attrs.evolve(self, status=target, history=(*self.history, step), updated_at=moment)


class UnknownService(errors.NotFound):
    """A requested service is not in the tenant's active catalog; ``requested`` says which."""

    code = "order.unknown_service"

    def __init__(self, requested: str) -> None:
        super().__init__(f"no active service matches {requested!r}")
        self.requested = requested


def find_service(services: Iterable[catalog.Service], requested: str) -> catalog.Service:
    """The active service whose id is exactly ``requested``, else the one its name matches.

    An exact id is taken as meant: naming an inactive service by id finds nothing rather than
    falling back to a look-alike name.

    Raises:
        UnknownService: (``order.unknown_service``) no active service is meant.
    """
    candidates = list(services)
    by_id = next((s for s in candidates if s.id == requested), None)
    found = by_id if by_id is not None else catalog.match_service(candidates, requested)
    if found is None or not found.active:
        raise UnknownService(requested)
    return found


def draft_from_catalog(
    order_id: ids.OrderId,
    tenant_id: ids.TenantId,
    customer: Customer,
    requested_items: Iterable[tuple[str, int]],
    catalog_services: Iterable[catalog.Service],
    at: datetime,
    *,
    by: policy.Actor | None = None,
    conversation_id: ids.ConversationId | None = None,
) -> Order:
    """A DRAFT order for ``requested_items`` (service name or id, quantity).

    Names and prices come only from the tenant's active catalog, never from the request (which
    may be model output). Lines naming the same service are merged. ``by`` defaults to the AI,
    whose pipeline is the main caller.

    Raises:
        UnknownService: (``order.unknown_service``) a name or id matches no active service.
        errors.InvalidInput: no items, a bad quantity, or catalog prices in several currencies.
    """
    actor = by if by is not None else policy.Actor.ai()
    policy.check(actor, policy.OrderAction.DRAFT)
    # Another tenant's service is unknown here, even if a caller passed it by mistake.
    services = [s for s in catalog_services if s.tenant_id == tenant_id]
    quantities: dict[ids.ServiceId, int] = {}
    chosen: dict[ids.ServiceId, catalog.Service] = {}
    for requested, quantity in requested_items:
        service = find_service(services, requested)
        # Checked per line: merging lines must not let a negative quantity offset another.
        check_quantity(quantity)
        chosen[service.id] = service
        quantities[service.id] = quantities.get(service.id, 0) + quantity
    items = [OrderItem.from_service(chosen[sid], qty) for sid, qty in quantities.items()]
    moment = time.ensure_utc(at)
    return Order(
        id=order_id,
        tenant_id=tenant_id,
        customer=customer,
        items=tuple(items),
        status=OrderStatus.DRAFT,
        created_by=actor,
        created_at=moment,
        updated_at=moment,
        conversation_id=conversation_id,
    )
