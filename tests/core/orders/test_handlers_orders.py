"""The order use cases through the message bus on the memory application."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from b2adapters.memory.uow import InMemoryUnitOfWork
from b2core.orders import commands, model, policy
from b2core.orders.handlers import queries
from b2core.shared import audit, errors, money, pagination
from tests.core.orders.test_handlers_support import (
    AI,
    Member,
    add_service,
    audit_entries,
    orders_app,
    owner,
    staff,
)
from tests.support.memory_app import MemoryApp

Status = model.OrderStatus
CUSTOMER = "5511900000000"


@pytest.fixture
async def app() -> MemoryApp:
    return await orders_app()


@pytest.fixture
async def admin(app: MemoryApp) -> Member:
    member = await owner(app)
    await add_service(app, member, "Haircut", 3000)
    await add_service(app, member, "Beard trim", 1500)
    return member


ITEMS = (("haircut", 2), ("BEARD TRIM", 1))


async def _draft(
    app: MemoryApp,
    member: Member,
    *,
    submit: bool = True,
    items: tuple[tuple[str, int], ...] = ITEMS,
    customer_name: str | None = None,
    customer_phone: str | None = None,
) -> model.Order:
    command = commands.DraftOrder(
        member.tenant_id,
        CUSTOMER,
        items,
        AI,
        customer_name=customer_name,
        customer_phone=customer_phone,
        submit=submit,
    )
    order: model.Order = await app.handle(command)
    return order


async def _get(app: MemoryApp, member: Member, order: model.Order) -> model.Order:
    found: model.Order = await app.handle(queries.GetOrder(member.tenant_id, order.id, AI))
    return found


async def test_the_ai_drafts_and_submits_an_order_priced_from_the_catalog(
    app: MemoryApp, admin: Member
) -> None:
    before = len(await audit_entries(app, admin.tenant_id))
    order = await _draft(app, admin, customer_name="Ana", customer_phone="+55 11 90000-0000")
    assert order.status is Status.PENDING_APPROVAL
    assert [(i.name, i.unit_price.amount_minor, i.quantity) for i in order.items] == [
        ("Haircut", 3000, 2),
        ("Beard trim", 1500, 1),
    ]
    assert order.total == money.Money(7500, "BRL")
    assert (order.customer.id, order.customer.name) == (CUSTOMER, "Ana")
    assert [(t.from_status, t.to_status, t.by) for t in order.history] == [
        (Status.DRAFT, Status.PENDING_APPROVAL, AI)
    ]
    assert await _get(app, admin, order) == order
    entries = (await audit_entries(app, admin.tenant_id))[before:]
    assert [(e.action, e.actor, e.target_id) for e in entries] == [
        ("order.drafted", audit.Actor.ai(), order.id)
    ]
    assert entries[0].metadata == {
        "status": "PENDING_APPROVAL",
        "total_minor": 7500,
        "currency": "BRL",
    }


async def test_a_draft_is_submitted_in_a_second_step(app: MemoryApp, admin: Member) -> None:
    draft = await _draft(app, admin, submit=False)
    assert draft.status is Status.DRAFT
    submitted = await app.handle(commands.SubmitOrder(admin.tenant_id, draft.id, AI))
    assert submitted.status is Status.PENDING_APPROVAL
    assert submitted.version == draft.version + 1


async def test_unknown_services_refuse_the_draft_and_store_nothing(
    app: MemoryApp, admin: Member
) -> None:
    before = await audit_entries(app, admin.tenant_id)
    with pytest.raises(errors.NotFound) as raised:
        await _draft(app, admin, items=(("haircut", 1), ("Pedicure", 1)))
    assert raised.value.code == "order.unknown_service"
    assert (await app.handle(queries.ListOrders(admin.tenant_id, AI))).items == ()
    assert await audit_entries(app, admin.tenant_id) == before


async def test_the_ai_cannot_approve_reject_or_complete(app: MemoryApp, admin: Member) -> None:
    order = await _draft(app, admin)
    before = await audit_entries(app, admin.tenant_id)
    for command in (
        commands.ApproveOrder(admin.tenant_id, order.id, AI),
        commands.RejectOrder(admin.tenant_id, order.id, AI, "no"),
        commands.CompleteOrder(admin.tenant_id, order.id, AI),
    ):
        with pytest.raises(errors.Forbidden) as raised:
            await app.handle(command)
        assert raised.value.code == "order.ai_not_allowed"
    assert await _get(app, admin, order) == order
    assert await audit_entries(app, admin.tenant_id) == before


@pytest.mark.parametrize("role", ["STAFF", "TENANT_ADMIN"])
async def test_staff_and_tenant_admins_approve(app: MemoryApp, admin: Member, role: str) -> None:
    decider = admin if role == "TENANT_ADMIN" else await staff(app, admin)
    order = await _draft(app, admin)
    approved = await app.handle(commands.ApproveOrder(admin.tenant_id, order.id, decider.actor))
    assert approved.status is Status.APPROVED
    assert approved.history[-1].by == policy.Actor.user(decider.principal.user_id, role)
    entry = (await audit_entries(app, admin.tenant_id))[-1]
    assert (entry.action, entry.actor) == ("order.approved", decider.audit_actor)
    assert entry.metadata == {"from": "PENDING_APPROVAL", "to": "APPROVED"}


@pytest.mark.parametrize("reason", ["", "   "])
async def test_rejecting_needs_a_reason(app: MemoryApp, admin: Member, reason: str) -> None:
    order = await _draft(app, admin)
    with pytest.raises(errors.InvalidInput) as raised:
        await app.handle(commands.RejectOrder(admin.tenant_id, order.id, admin.actor, reason))
    assert raised.value.code == "order.reason_required"
    assert (await _get(app, admin, order)).status is Status.PENDING_APPROVAL
    rejected = await app.handle(
        commands.RejectOrder(admin.tenant_id, order.id, admin.actor, " fully booked ")
    )
    assert (rejected.status, rejected.history[-1].reason) == (Status.REJECTED, "fully booked")


async def test_an_approved_order_is_completed(app: MemoryApp, admin: Member) -> None:
    order = await _draft(app, admin)
    await app.handle(commands.ApproveOrder(admin.tenant_id, order.id, admin.actor))
    done = await app.handle(commands.CompleteOrder(admin.tenant_id, order.id, admin.actor))
    assert done.status is Status.COMPLETED
    assert [t.to_status for t in done.history] == [
        Status.PENDING_APPROVAL,
        Status.APPROVED,
        Status.COMPLETED,
    ]


@pytest.mark.parametrize("submit", [False, True])
@pytest.mark.parametrize("by_ai", [False, True])
async def test_drafts_and_pending_orders_are_cancelled(
    app: MemoryApp, admin: Member, submit: bool, by_ai: bool
) -> None:
    order = await _draft(app, admin, submit=submit)
    actor = AI if by_ai else admin.actor
    cancelled = await app.handle(
        commands.CancelOrder(admin.tenant_id, order.id, actor, "customer changed their mind")
    )
    assert cancelled.status is Status.CANCELLED
    assert cancelled.history[-1].by == actor
    assert (await audit_entries(app, admin.tenant_id))[-1].action == "order.cancelled"


async def _order_in(app: MemoryApp, member: Member, status: Status) -> model.Order:
    order = await _draft(app, member, submit=status is not Status.DRAFT)
    by, tenant = member.actor, member.tenant_id
    steps: dict[Status, list[object]] = {
        Status.APPROVED: [commands.ApproveOrder(tenant, order.id, by)],
        Status.REJECTED: [commands.RejectOrder(tenant, order.id, by, "no")],
        Status.COMPLETED: [
            commands.ApproveOrder(tenant, order.id, by),
            commands.CompleteOrder(tenant, order.id, by),
        ],
        Status.CANCELLED: [commands.CancelOrder(tenant, order.id, by)],
    }
    for step in steps.get(status, []):
        order = await app.handle(step)
    assert order.status is status
    return order


ILLEGAL = [
    (Status.DRAFT, commands.ApproveOrder),
    (Status.DRAFT, commands.CompleteOrder),
    (Status.PENDING_APPROVAL, commands.SubmitOrder),
    (Status.PENDING_APPROVAL, commands.CompleteOrder),
    (Status.APPROVED, commands.CancelOrder),
    (Status.APPROVED, commands.ApproveOrder),
    (Status.REJECTED, commands.ApproveOrder),
    (Status.COMPLETED, commands.CancelOrder),
    (Status.CANCELLED, commands.SubmitOrder),
]


@pytest.mark.parametrize(("status", "command"), ILLEGAL)
async def test_illegal_transitions_are_conflicts(
    app: MemoryApp, admin: Member, status: Status, command: type
) -> None:
    order = await _order_in(app, admin, status)
    before = await audit_entries(app, admin.tenant_id)
    with pytest.raises(errors.Conflict) as raised:
        await app.handle(command(admin.tenant_id, order.id, admin.actor))
    assert raised.value.code == "order.invalid_transition"
    assert await _get(app, admin, order) == order
    assert await audit_entries(app, admin.tenant_id) == before


async def test_another_tenant_can_neither_see_nor_act_on_an_order(
    app: MemoryApp, admin: Member
) -> None:
    order = await _draft(app, admin)
    intruder = await owner(app, "other@elsewhere.example")
    tenant, by = intruder.tenant_id, intruder.actor
    for command in (
        queries.GetOrder(tenant, order.id, by),
        commands.ApproveOrder(tenant, order.id, by),
        commands.RejectOrder(tenant, order.id, by, "mine now"),
        commands.CancelOrder(tenant, order.id, AI),
        commands.SubmitOrder(tenant, order.id, AI),
    ):
        with pytest.raises(errors.NotFound) as raised:
            await app.handle(command)
        assert raised.value.code == "order.not_found"
    assert (await app.handle(queries.ListOrders(tenant, by))).items == ()
    assert await _get(app, admin, order) == order


async def test_roles_outside_the_tenant_cannot_read_orders(app: MemoryApp, admin: Member) -> None:
    order = await _draft(app, admin)
    outsider = policy.Actor.user(admin.principal.user_id, "SUPER_ADMIN")
    with pytest.raises(errors.Forbidden) as raised:
        await app.handle(queries.GetOrder(admin.tenant_id, order.id, outsider))
    assert raised.value.code == "order.role_not_allowed"


async def test_orders_list_newest_first_with_filters_and_pages(
    app: MemoryApp, admin: Member
) -> None:
    drafted = []
    for n in range(5):
        app.clock.advance(timedelta(minutes=1))
        drafted.append(await _draft(app, admin, submit=n % 2 == 0))
    newest_first = [o.id for o in reversed(drafted)]
    first = await app.handle(
        queries.ListOrders(admin.tenant_id, admin.actor, pagination.PageRequest(limit=3))
    )
    page = pagination.PageRequest(limit=3, cursor=first.next_cursor)
    rest = await app.handle(queries.ListOrders(admin.tenant_id, admin.actor, page))
    assert [o.id for o in first.items + rest.items] == newest_first
    assert rest.next_cursor is None
    drafts = await app.handle(queries.ListOrders(admin.tenant_id, AI, status=Status.DRAFT))
    assert [o.id for o in drafts.items] == [drafted[3].id, drafted[1].id]
    nobody = await app.handle(queries.ListOrders(admin.tenant_id, AI, customer_id="someone"))
    assert nobody.items == ()


async def test_every_change_adds_exactly_one_audit_entry_naming_its_actor(
    app: MemoryApp, admin: Member
) -> None:
    member = await staff(app, admin)
    tenant, by = admin.tenant_id, member.actor
    service = await add_service(app, member, "Massage", 9000)
    first = await _draft(app, admin, submit=False)
    second = await _draft(app, admin)
    third = await _draft(app, admin)
    steps = [
        (
            commands.UpdateService(tenant, service.id, by, price=money.Money(1, "BRL")),
            "service.updated",
        ),
        (commands.SubmitOrder(tenant, first.id, AI), "order.submitted"),
        (commands.ApproveOrder(tenant, first.id, by), "order.approved"),
        (commands.CompleteOrder(tenant, first.id, by), "order.completed"),
        (commands.RejectOrder(tenant, second.id, by, "closed"), "order.rejected"),
        (commands.CancelOrder(tenant, third.id, AI), "order.cancelled"),
        (commands.DeleteService(tenant, service.id, by), "service.deleted"),
        (commands.DraftOrder(tenant, CUSTOMER, (("haircut", 1),), AI), "order.drafted"),
    ]
    for command, action in steps:
        before = await audit_entries(app, tenant)
        await app.handle(command)
        added = (await audit_entries(app, tenant))[len(before) :]
        assert len(added) == 1, command
        actor = audit.Actor.ai() if command.by == AI else member.audit_actor
        assert (added[0].action, added[0].actor, added[0].tenant_id) == (action, actor, tenant)


async def test_two_stale_saves_give_one_concurrency_conflict(app: MemoryApp, admin: Member) -> None:
    order = await _draft(app, admin)
    uow = app.container.resolve(InMemoryUnitOfWork)
    now = app.clock.now()

    async def save(changed: model.Order) -> model.Order:
        async with uow.tenant(admin.tenant_id) as tx:
            saved = await tx.orders.save(changed)
            await tx.commit()
        return saved

    # Both decisions start from the same loaded version; only the first to commit wins.
    results = await asyncio.gather(
        save(order.approve(admin.actor, now)),
        save(order.cancel(AI, now)),
        return_exceptions=True,
    )
    conflicts = [r for r in results if isinstance(r, errors.ConcurrencyConflict)]
    assert len(conflicts) == 1
    assert conflicts[0].code == "order.concurrent_update"
    winner = next(r for r in results if isinstance(r, model.Order))
    assert await _get(app, admin, order) == winner
