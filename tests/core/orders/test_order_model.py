"""The Order aggregate: validation, each transition, its permissions and its error codes."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from b2core.orders import model, policy
from b2core.shared import errors, ids, money
from tests.core.orders import strategies as s

LATER = s.T0 + timedelta(minutes=5)
Status = model.OrderStatus


def item(amount: int = 1000, quantity: int = 1, currency: str = "BRL") -> model.OrderItem:
    return model.OrderItem(ids.ServiceId("svc"), "Haircut", money.Money(amount, currency), quantity)


def order(status: Status = Status.DRAFT, *items: model.OrderItem) -> model.Order:
    return model.Order(
        id=ids.OrderId("o-1"),
        tenant_id=s.TENANT,
        customer=s.CUSTOMER,
        items=items or (item(),),
        status=status,
        created_by=s.AI,
        created_at=s.T0,
        updated_at=s.T0,
    )


def test_total_is_the_sum_of_subtotals() -> None:
    placed = order(Status.DRAFT, item(1250, 2), item(300, 3), item(0, 1))
    assert placed.total == money.Money(3400, "BRL")
    assert placed.currency == "BRL"


@pytest.mark.parametrize(
    ("items", "code"),
    [
        ((), "order.no_items"),
        (tuple(item() for _ in range(model.MAX_ITEMS + 1)), "order.too_many_items"),
        ((item(currency="BRL"), item(currency="USD")), "order.mixed_currency"),
        ([item()], "order.bad_items"),
    ],
)
def test_bad_item_lists_are_refused(items: tuple[model.OrderItem, ...], code: str) -> None:
    with pytest.raises(errors.InvalidInput) as raised:
        attrs.evolve(order(), items=items)
    assert raised.value.code == code


@pytest.mark.parametrize("quantity", [0, -1, 101, True])
def test_quantity_must_be_1_to_100(quantity: int) -> None:
    with pytest.raises(errors.InvalidInput) as raised:
        item(quantity=quantity)
    assert raised.value.code == "order.bad_quantity"


def test_negative_unit_price_is_refused() -> None:
    with pytest.raises(errors.InvalidInput) as raised:
        item(amount=-1)
    assert raised.value.code == "order.bad_price"


@pytest.mark.parametrize(
    "fields",
    [
        {"id": " "},
        {"id": "x" * 201},
        {"id": "c", "name": " "},
        {"id": "c", "phone": "call me"},
        {"id": "c", "email": "not-an-email"},
    ],
)
def test_bad_customers_are_refused(fields: dict[str, str]) -> None:
    with pytest.raises(errors.InvalidInput) as raised:
        model.Customer(**fields)
    assert raised.value.code == "order.bad_customer"


def test_customer_contact_fields_are_optional() -> None:
    assert model.Customer("wa:123").email is None


def test_the_happy_path_records_every_step() -> None:
    draft = order()
    pending = draft.submit(s.AI, LATER)
    approved = pending.approve(s.STAFF, LATER + timedelta(1))
    done = approved.complete(s.ADMIN, LATER + timedelta(2))
    assert draft.status is Status.DRAFT
    assert [t.to_status for t in done.history] == [
        Status.PENDING_APPROVAL,
        Status.APPROVED,
        Status.COMPLETED,
    ]
    assert done.history[0] == model.Transition(Status.DRAFT, Status.PENDING_APPROVAL, s.AI, LATER)
    assert done.updated_at == LATER + timedelta(2)
    assert done.is_final
    assert done.version == draft.version


def test_reject_needs_and_records_a_reason() -> None:
    rejected = order(Status.PENDING_APPROVAL).reject(s.ADMIN, LATER, "  out of stock ")
    assert rejected.status is Status.REJECTED
    assert rejected.history[-1].reason == "out of stock"


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_without_a_reason_is_refused(reason: str) -> None:
    with pytest.raises(errors.InvalidInput) as raised:
        order(Status.PENDING_APPROVAL).reject(s.ADMIN, LATER, reason)
    assert raised.value.code == "order.reason_required"


def test_overlong_reason_is_refused() -> None:
    with pytest.raises(errors.InvalidInput) as raised:
        order().cancel(s.ADMIN, LATER, "r" * (model.MAX_REASON + 1))
    assert raised.value.code == "order.bad_reason"


@pytest.mark.parametrize("start", [Status.DRAFT, Status.PENDING_APPROVAL])
def test_cancel_from_draft_or_pending_with_an_optional_reason(start: Status) -> None:
    plain = order(start).cancel(s.AI, LATER)
    explained = order(start).cancel(s.STAFF, LATER, reason="customer changed their mind")
    assert plain.status is explained.status is Status.CANCELLED
    assert plain.history[-1].reason is None
    assert explained.history[-1].reason == "customer changed their mind"


Move = Callable[[model.Order], model.Order]
MOVES: dict[str, tuple[Move, set[Status]]] = {
    "submit": (lambda o: o.submit(s.ADMIN, LATER), {Status.DRAFT}),
    "approve": (lambda o: o.approve(s.ADMIN, LATER), {Status.PENDING_APPROVAL}),
    "reject": (lambda o: o.reject(s.ADMIN, LATER, "no"), {Status.PENDING_APPROVAL}),
    "complete": (lambda o: o.complete(s.ADMIN, LATER), {Status.APPROVED}),
    "cancel": (lambda o: o.cancel(s.ADMIN, LATER), {Status.DRAFT, Status.PENDING_APPROVAL}),
}
ILLEGAL = [
    (name, status)
    for name, (_, sources) in MOVES.items()
    for status in Status
    if status not in sources
]


@pytest.mark.parametrize(("move", "status"), ILLEGAL)
def test_illegal_transitions_are_conflicts(move: str, status: Status) -> None:
    with pytest.raises(errors.Conflict) as raised:
        MOVES[move][0](order(status))
    assert raised.value.code == "order.invalid_transition"


@pytest.mark.parametrize(
    ("move", "start"),
    [
        (lambda o: o.approve(s.AI, LATER), Status.PENDING_APPROVAL),
        (lambda o: o.reject(s.AI, LATER, "no"), Status.PENDING_APPROVAL),
        (lambda o: o.complete(s.AI, LATER), Status.APPROVED),
        (lambda o: o.approve(s.AI, LATER), Status.COMPLETED),  # refused before the state check
    ],
)
def test_the_ai_is_forbidden_to_decide(move: Move, start: Status) -> None:
    with pytest.raises(errors.Forbidden) as raised:
        move(order(start))
    assert raised.value.code == "order.ai_not_allowed"


def test_a_super_admin_cannot_approve_inside_a_tenant() -> None:
    with pytest.raises(errors.Forbidden) as raised:
        order(Status.PENDING_APPROVAL).approve(s.SUPER, LATER)
    assert raised.value.code == "order.role_not_allowed"


def test_the_system_cannot_complete() -> None:
    with pytest.raises(errors.Forbidden) as raised:
        order(Status.APPROVED).complete(s.SYSTEM, LATER)
    assert raised.value.code == "order.human_required"


def test_times_are_stored_in_utc_and_naive_ones_refused() -> None:
    elsewhere = datetime(2025, 1, 1, 9, 0, tzinfo=zoneinfo.ZoneInfo("America/Sao_Paulo"))
    assert order().submit(s.AI, elsewhere).updated_at.tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        order().submit(s.AI, datetime(2025, 1, 1))


def test_actor_is_recorded_as_given() -> None:
    staff = policy.Actor.user(ids.UserId("u-9"), "STAFF")
    assert order(Status.PENDING_APPROVAL).approve(staff, LATER).history[-1].by == staff
