"""The catalog use cases through the message bus on the memory application."""

from __future__ import annotations

import pytest

from b2core.orders import commands, policy
from b2core.orders.handlers import queries
from b2core.shared import audit, errors, ids, money, pagination
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


@pytest.fixture
async def app() -> MemoryApp:
    return await orders_app()


@pytest.fixture
async def admin(app: MemoryApp) -> Member:
    return await owner(app)


async def test_admin_creates_a_service_audited_and_readable(app: MemoryApp, admin: Member) -> None:
    before = len(await audit_entries(app, admin.tenant_id))
    service = await add_service(app, admin, "  Haircut ", 3000, description="Wash and cut")
    assert (service.tenant_id, service.name, service.price) == (
        admin.tenant_id,
        "Haircut",
        money.Money(3000, "BRL"),
    )
    assert service.active
    assert service.created_at == app.clock.now()
    found = await app.handle(queries.GetService(admin.tenant_id, service.id, admin.actor))
    assert found == service
    entries = (await audit_entries(app, admin.tenant_id))[before:]
    assert [(e.action, e.actor, e.target_id) for e in entries] == [
        ("service.created", admin.audit_actor, service.id)
    ]


@pytest.mark.parametrize(
    ("name", "amount", "description", "code"),
    [
        ("", 100, "", "service.bad_name"),
        ("  ", 100, "", "service.bad_name"),
        ("!!!", 100, "", "service.bad_name"),
        ("x" * 121, 100, "", "service.bad_name"),
        ("Haircut", -1, "", "service.bad_price"),
        ("Haircut", 100, "d" * 2001, "service.bad_description"),
    ],
)
async def test_invalid_services_are_refused_and_nothing_is_stored(
    app: MemoryApp, admin: Member, name: str, amount: int, description: str, code: str
) -> None:
    before = await audit_entries(app, admin.tenant_id)
    with pytest.raises(errors.InvalidInput) as raised:
        await add_service(app, admin, name, amount, description=description)
    assert raised.value.code == code
    listed = await app.handle(queries.ListServices(admin.tenant_id, admin.actor))
    assert listed.items == ()
    assert await audit_entries(app, admin.tenant_id) == before


async def test_names_are_unique_per_tenant_whatever_case_spacing_or_punctuation(
    app: MemoryApp, admin: Member
) -> None:
    first = await add_service(app, admin, "Hair cut")
    other = await add_service(app, admin, "Beard trim")
    with pytest.raises(errors.Conflict) as created:
        await add_service(app, admin, "  HAIR-cut ")
    rename = commands.UpdateService(admin.tenant_id, other.id, admin.actor, name="hair  CUT")
    with pytest.raises(errors.Conflict) as renamed:
        await app.handle(rename)
    assert created.value.code == renamed.value.code == "service.duplicate_name"
    elsewhere = await owner(app, "other@elsewhere.example")
    assert (await add_service(app, elsewhere, "Hair cut")).name == first.name
    still = await app.handle(queries.GetService(admin.tenant_id, other.id, admin.actor))
    assert still.name == "Beard trim"


async def test_update_changes_the_given_fields_and_audits_which(
    app: MemoryApp, admin: Member
) -> None:
    member = await staff(app, admin)
    service = await add_service(app, admin, "Haircut", 3000)
    before = len(await audit_entries(app, admin.tenant_id))
    change = commands.UpdateService(
        admin.tenant_id, service.id, member.actor, price=money.Money(3500, "BRL"), active=False
    )
    updated = await app.handle(change)
    assert (updated.name, updated.price.amount_minor, updated.active) == ("Haircut", 3500, False)
    assert updated.version == service.version + 1
    # Asking for what is already there changes nothing and leaves no trace.
    same = await app.handle(change)
    assert same == updated
    entries = (await audit_entries(app, admin.tenant_id))[before:]
    assert [(e.action, e.actor, e.metadata) for e in entries] == [
        ("service.updated", member.audit_actor, {"fields": ["price", "active"]})
    ]


async def test_the_ai_and_non_tenant_roles_cannot_change_the_catalog(
    app: MemoryApp, admin: Member
) -> None:
    service = await add_service(app, admin, "Haircut", 3000)
    cheaper = money.Money(1, "BRL")
    with pytest.raises(errors.Forbidden) as by_ai:
        await app.handle(commands.CreateService(admin.tenant_id, "Free cut", cheaper, AI))
    with pytest.raises(errors.Forbidden) as update_by_ai:
        await app.handle(commands.UpdateService(admin.tenant_id, service.id, AI, price=cheaper))
    with pytest.raises(errors.Forbidden) as delete_by_ai:
        await app.handle(commands.DeleteService(admin.tenant_id, service.id, AI))
    codes = {by_ai.value.code, update_by_ai.value.code, delete_by_ai.value.code}
    assert codes == {"service.ai_not_allowed"}
    outsider = policy.Actor.user(ids.UserId("u-root"), "SUPER_ADMIN")
    with pytest.raises(errors.Forbidden) as by_outsider:
        await app.handle(commands.DeleteService(admin.tenant_id, service.id, outsider))
    assert by_outsider.value.code == "service.role_not_allowed"
    kept = await app.handle(queries.GetService(admin.tenant_id, service.id, AI))
    assert kept == service


async def test_list_pages_by_name_and_filters_on_active(app: MemoryApp, admin: Member) -> None:
    for name in ["Nails", "beard trim", "Haircut", "Massage", "Eyebrows"]:
        await add_service(app, admin, name, active=name != "Massage")
    first = await app.handle(
        queries.ListServices(admin.tenant_id, admin.actor, pagination.PageRequest(limit=3))
    )
    page = pagination.PageRequest(limit=3, cursor=first.next_cursor)
    rest = await app.handle(queries.ListServices(admin.tenant_id, admin.actor, page))
    inactive = await app.handle(queries.ListServices(admin.tenant_id, AI, active=False))
    names = [s.name for s in first.items + rest.items]
    assert names == ["beard trim", "Eyebrows", "Haircut", "Massage", "Nails"]
    assert rest.next_cursor is None
    assert [s.name for s in inactive.items] == ["Massage"]


async def test_deleting_a_service_keeps_the_orders_that_name_it(
    app: MemoryApp, admin: Member
) -> None:
    service = await add_service(app, admin, "Haircut", 3000)
    order = await app.handle(
        commands.DraftOrder(admin.tenant_id, "5511900000000", (("haircut", 2),), AI)
    )
    before = len(await audit_entries(app, admin.tenant_id))
    assert (
        await app.handle(commands.DeleteService(admin.tenant_id, service.id, admin.actor)) is None
    )
    with pytest.raises(errors.NotFound) as gone:
        await app.handle(queries.GetService(admin.tenant_id, service.id, admin.actor))
    assert gone.value.code == "service.not_found"
    kept = await app.handle(queries.GetOrder(admin.tenant_id, order.id, admin.actor))
    assert kept == order
    assert [(i.service_id, i.name, i.unit_price.amount_minor) for i in kept.items] == [
        (service.id, "Haircut", 3000)
    ]
    with pytest.raises(errors.NotFound) as unknown:
        await app.handle(commands.DraftOrder(admin.tenant_id, "c", (("Haircut", 1),), AI))
    assert unknown.value.code == "order.unknown_service"
    # The name is free again, and the approval of the old order still works.
    assert (await add_service(app, admin, "Haircut", 4000)).id != service.id
    entries = (await audit_entries(app, admin.tenant_id))[before:]
    assert [(e.action, e.target_id) for e in entries[:1]] == [("service.deleted", service.id)]
    assert entries[0].metadata == {"name": "Haircut", "price_minor": 3000}


async def test_another_tenant_can_neither_see_nor_change_a_service(
    app: MemoryApp, admin: Member
) -> None:
    service = await add_service(app, admin, "Haircut", 3000)
    intruder = await owner(app, "other@elsewhere.example")
    attempts = [
        queries.GetService(intruder.tenant_id, service.id, intruder.actor),
        commands.UpdateService(intruder.tenant_id, service.id, intruder.actor, name="Mine"),
        commands.DeleteService(intruder.tenant_id, service.id, intruder.actor),
    ]
    for attempt in attempts:
        with pytest.raises(errors.NotFound) as raised:
            await app.handle(attempt)
        assert raised.value.code == "service.not_found"
    listed = await app.handle(queries.ListServices(intruder.tenant_id, intruder.actor))
    assert listed.items == ()
    assert await app.handle(queries.GetService(admin.tenant_id, service.id, AI)) == service
    actions = [e.action for e in await audit_entries(app, intruder.tenant_id)]
    assert not [a for a in actions if a.startswith("service.")]


async def test_audit_actor_is_the_user_with_role(app: MemoryApp, admin: Member) -> None:
    service = await add_service(app, admin, "Haircut")
    entry = (await audit_entries(app, admin.tenant_id))[-1]
    assert entry.actor == audit.Actor("user", admin.principal.user_id, "TENANT_ADMIN")
    assert (entry.target_type, entry.target_id, entry.tenant_id) == (
        "service",
        service.id,
        admin.tenant_id,
    )
