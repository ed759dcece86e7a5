"""Team management, tenant lifecycle and the super admin paths, on memory adapters."""

from __future__ import annotations

import pytest

from b2core.iam import commands, model
from b2core.shared import errors, pagination
from b2core.tenants import model as tenant_model
from tests.core.iam.helpers import PASSWORD, change_settings, login, principal, register

ADMIN_EMAIL = "root@platform.example"


async def _admin(app):
    await app.handle(commands.EnsureSuperAdmin(ADMIN_EMAIL, PASSWORD))
    return await principal(app, await login(app, ADMIN_EMAIL))


async def _owner(app, email="owner@shop.example"):
    await register(app, email)
    return await principal(app, await login(app, email))


async def test_admin_invites_staff_who_cannot_manage_the_team(app):
    owner = await _owner(app)
    staff = await app.handle(
        commands.InviteMember(owner, "staff@shop.example", model.Role.STAFF, PASSWORD)
    )
    assert staff.tenant_id == owner.tenant_id
    staff_principal = await principal(app, await login(app, "staff@shop.example"))
    with pytest.raises(errors.Forbidden):
        await app.handle(
            commands.InviteMember(staff_principal, "x@shop.example", model.Role.STAFF, PASSWORD)
        )
    with pytest.raises(errors.Forbidden):
        await app.handle(commands.ListMembers(staff_principal))


async def test_team_list_shows_only_own_tenant_and_paginates(app):
    owner = await _owner(app)
    other = await _owner(app, "other@elsewhere.example")
    for n in range(3):
        await app.handle(
            commands.InviteMember(owner, f"s{n}@shop.example", model.Role.STAFF, PASSWORD)
        )
    await app.handle(
        commands.InviteMember(other, "spy@elsewhere.example", model.Role.STAFF, PASSWORD)
    )
    first = await app.handle(commands.ListMembers(owner, pagination.PageRequest(limit=2)))
    rest = await app.handle(
        commands.ListMembers(owner, pagination.PageRequest(limit=2, cursor=first.next_cursor))
    )
    emails = [u.email for u in first.items + rest.items]
    assert len(emails) == 4
    assert rest.next_cursor is None
    assert all(e.endswith("@shop.example") for e in emails)


async def test_cannot_touch_another_tenants_member(app):
    owner = await _owner(app)
    other = await _owner(app, "other@elsewhere.example")
    victim = await app.handle(
        commands.InviteMember(other, "v@elsewhere.example", model.Role.STAFF, PASSWORD)
    )
    with pytest.raises(errors.NotFound):
        await app.handle(commands.DeactivateMember(owner, victim.id))
    with pytest.raises(errors.NotFound):
        await app.handle(commands.ChangeMemberRole(owner, victim.id, model.Role.TENANT_ADMIN))


async def test_deactivation_ends_sessions_and_blocks_login(app):
    owner = await _owner(app)
    member = await app.handle(
        commands.InviteMember(owner, "m@shop.example", model.Role.STAFF, PASSWORD)
    )
    pair = await login(app, "m@shop.example")
    app.clock.advance(__import__("datetime").timedelta(seconds=1))
    await app.handle(commands.DeactivateMember(owner, member.id))
    with pytest.raises(errors.Unauthenticated):
        await principal(app, pair)
    with pytest.raises(errors.Unauthenticated):
        await login(app, "m@shop.example")


async def test_last_admin_cannot_be_demoted_and_nobody_deactivates_self(app):
    owner = await _owner(app)
    with pytest.raises(errors.Conflict) as last:
        await app.handle(commands.ChangeMemberRole(owner, owner.user_id, model.Role.STAFF))
    assert last.value.code == "team.last_admin"
    with pytest.raises(errors.Conflict):
        await app.handle(commands.DeactivateMember(owner, owner.user_id))


async def test_suspension_keeps_login_but_flags_the_principal(app):
    admin = await _admin(app)
    owner = await _owner(app)
    await app.handle(commands.ChangeTenantStatus(admin, owner.tenant_id, "suspend"))
    again = await principal(app, await login(app, "owner@shop.example"))
    assert again.tenant_suspended
    await app.handle(commands.ChangeTenantStatus(admin, owner.tenant_id, "reactivate"))
    assert not (await principal(app, await login(app, "owner@shop.example"))).tenant_suspended


async def test_archiving_ends_all_access(app):
    admin = await _admin(app)
    owner = await _owner(app)
    pair = await login(app, "owner@shop.example")
    tenant = await app.handle(commands.ChangeTenantStatus(admin, owner.tenant_id, "archive"))
    assert tenant.status is tenant_model.TenantStatus.ARCHIVED
    with pytest.raises(errors.Unauthenticated):
        await principal(app, pair)
    with pytest.raises(errors.Unauthenticated):
        await login(app, "owner@shop.example")
    with pytest.raises(errors.Conflict):
        await app.handle(commands.ChangeTenantStatus(admin, owner.tenant_id, "reactivate"))


async def test_tenant_admin_is_not_a_super_admin(app):
    owner = await _owner(app)
    with pytest.raises(errors.Forbidden):
        await app.handle(commands.ListTenants(owner))
    with pytest.raises(errors.Forbidden):
        await app.handle(commands.ChangeTenantStatus(owner, owner.tenant_id, "suspend"))


async def test_super_admin_searches_tenants_and_changes_are_audited(app):
    admin = await _admin(app)
    await register(app, "a@bakery.example", "Sunny Bakery")
    await register(app, "b@garage.example", "Fast Garage")
    page = await app.handle(commands.ListTenants(admin, text="bakery"))
    assert [t.name for t in page.items] == ["Sunny Bakery"]
    await app.handle(commands.ChangeTenantStatus(admin, page.items[0].id, "suspend"))
    uow = app.container.resolve(__import__("b2core.iam.ports", fromlist=["x"]).AccountsUoW)
    async with uow.platform() as tx:
        actions = [e.action for e in await tx.audit.all()]
    assert actions.count("tenant.registered") == 2
    assert actions.count("tenant.suspended") == 1


async def test_platform_tenant_cap(app):
    await change_settings(app, max_tenants=1)
    await register(app)
    with pytest.raises(errors.Conflict) as full:
        await register(app, "second@else.example", "Second")
    assert full.value.code == "tenant.limit_reached"
