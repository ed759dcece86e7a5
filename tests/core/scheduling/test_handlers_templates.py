"""The template use cases through the message bus on the memory application."""

from __future__ import annotations

import pytest

from b2core.scheduling import commands, templates
from b2core.shared import errors, pagination
from tests.core.scheduling.support import (
    Member,
    SchedulingApp,
    add_template,
    audit_entries,
    register,
    scheduling_app,
)

WA = templates.WhatsAppTemplate("appointment_reminder", "pt_BR", ("name", "time"))


@pytest.fixture
async def app() -> SchedulingApp:
    return await scheduling_app()


@pytest.fixture
async def admin(app: SchedulingApp) -> Member:
    return await register(app)


async def test_staff_create_a_template_with_one_audit_entry(
    app: SchedulingApp, admin: Member
) -> None:
    staff = admin.as_role("STAFF")
    template = await add_template(app, staff, whatsapp=WA)
    assert (template.name, template.variables, template.whatsapp) == (
        "Reminder",
        ("name", "time"),
        WA,
    )
    found = await app.handle(commands.GetTemplate(**admin.who, template_id=template.id))
    assert found == template
    entry = (await audit_entries(app, admin.tenant_id))[-1]
    assert (entry.action, entry.target_id, entry.actor.user_id) == (
        "template.created",
        template.id,
        staff.user_id,
    )


async def test_names_are_unique_per_tenant_ignoring_case(app: SchedulingApp, admin: Member) -> None:
    await add_template(app, admin, name="Reminder")
    with pytest.raises(errors.Conflict) as caught:
        await add_template(app, admin, name="  REMINDER ")
    assert caught.value.code == "template.duplicate_name"
    other = await register(app, "Other shop")
    assert (await add_template(app, other, name="Reminder")).tenant_id == other.tenant_id


@pytest.mark.parametrize(
    ("content", "variables", "code"),
    [
        ("Hi {{ name }} at {{ time }}", ("name",), "template.undeclared_variable"),
        ("Hi {{ name }}", ("name", "time"), "template.unused_variable"),
        ("Hi {{ Name }}", ("name",), "template.bad_syntax"),
        ("Hi {{ name }}", ("na-me",), "template.bad_variable"),
    ],
)
async def test_invalid_templates_are_refused_and_nothing_is_stored(
    app: SchedulingApp, admin: Member, content: str, variables: tuple[str, ...], code: str
) -> None:
    before = await audit_entries(app, admin.tenant_id)
    with pytest.raises(errors.InvalidInput) as caught:
        await add_template(app, admin, content=content, variables=variables)
    assert caught.value.code == code
    page = await app.handle(commands.ListTemplates(**admin.who))
    assert page.items == ()
    assert await audit_entries(app, admin.tenant_id) == before


async def test_update_audits_the_changed_fields_and_skips_no_ops(
    app: SchedulingApp, admin: Member
) -> None:
    template = await add_template(app, admin, whatsapp=WA)
    same = await app.handle(
        commands.UpdateTemplate(**admin.who, template_id=template.id, name="Reminder")
    )
    assert same == template
    changed = await app.handle(
        commands.UpdateTemplate(
            **admin.who,
            template_id=template.id,
            content="Bye {{ name }}",
            variables=("name",),
            remove_whatsapp=True,
        )
    )
    assert (changed.content, changed.variables, changed.whatsapp, changed.version) == (
        "Bye {{ name }}",
        ("name",),
        None,
        template.version + 1,
    )
    entries = [e for e in await audit_entries(app, admin.tenant_id) if e.target_id == template.id]
    assert [e.action for e in entries] == ["template.created", "template.updated"]
    assert entries[-1].metadata["fields"] == ["content", "variables", "whatsapp"]


async def test_delete_removes_it_and_another_tenant_cannot_see_or_delete_it(
    app: SchedulingApp, admin: Member
) -> None:
    template = await add_template(app, admin)
    other = await register(app, "Other shop")
    for command in (
        commands.GetTemplate(**other.who, template_id=template.id),
        commands.DeleteTemplate(**other.who, template_id=template.id),
        commands.PreviewTemplate(**other.who, template_id=template.id),
    ):
        with pytest.raises(errors.NotFound) as caught:
            await app.handle(command)
        assert caught.value.code == "template.not_found"
    await app.handle(commands.DeleteTemplate(**admin.who, template_id=template.id))
    with pytest.raises(errors.NotFound):
        await app.handle(commands.GetTemplate(**admin.who, template_id=template.id))
    actions = [e.action for e in await audit_entries(app, admin.tenant_id)]
    assert actions[-2:] == ["template.created", "template.deleted"]


async def test_preview_renders_with_samples(app: SchedulingApp, admin: Member) -> None:
    template = await add_template(app, admin)
    preview = await app.handle(
        commands.PreviewTemplate(**admin.who, template_id=template.id, samples={"name": "Ana"})
    )
    assert preview == "Hi Ana, see you at [time]."


async def test_list_pages_by_name(app: SchedulingApp, admin: Member) -> None:
    for name in ("charlie", "Alpha", "bravo"):
        await add_template(app, admin, name=name)
    first = await app.handle(
        commands.ListTemplates(**admin.who, page=pagination.PageRequest(limit=2))
    )
    rest = await app.handle(
        commands.ListTemplates(
            **admin.who, page=pagination.PageRequest(limit=2, cursor=first.next_cursor)
        )
    )
    assert [t.name for t in first.items + rest.items] == ["Alpha", "bravo", "charlie"]
    assert rest.next_cursor is None


@pytest.mark.parametrize("role", ["SUPER_ADMIN", "CUSTOMER", ""])
async def test_only_the_tenants_people_manage_templates(
    app: SchedulingApp, admin: Member, role: str
) -> None:
    with pytest.raises(errors.Forbidden) as caught:
        await add_template(app, admin.as_role(role))
    assert caught.value.code == "template.role_not_allowed"
