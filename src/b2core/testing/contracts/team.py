"""Contract of ``b2core.iam.ports.UserRepository``: the team of one tenant, and no one else.

Run it against your adapter by star-importing it into a test module that defines the
``uow_factory`` fixture (module or session scope; see ``b2core.testing.contracts``)::

    from b2core.testing.contracts.team import *  # noqa: F403

The UoW must satisfy ``b2core.iam.ports.AccountsUoW``; users are added through the platform
transaction (``users.add``) and read through ``tenant(tid).team``. Every example uses fresh
tenants, so a store kept between calls of the factory is fine.

What the suite pins down beyond the port's docstrings:

* Another tenant's users are invisible: ``get`` gives None, ``list`` and ``count_admins``
  leave them out.
* ``save`` of a user of another tenant is ``errors.Forbidden`` ``user.wrong_tenant``; of a
  user this tenant does not have (unknown, or another tenant's id dressed up as ours) it is
  ``errors.NotFound`` ``user.not_found``; nothing changes either way.
* ``list`` pages oldest first by ``created_at`` then id (compared by code point).
"""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2core.iam import model, ports
from b2core.shared import errors, ids, pagination
from b2core.tenants import model as tenant_model
from b2core.testing.contracts import MOMENT, UowFactory, member, tenant

__all__ = [
    "pytestmark",
    "test_another_tenants_user_cannot_be_saved",
    "test_count_admins_counts_active_admins_of_this_tenant_only",
    "test_forged_cursor_is_invalid_input",
    "test_list_pages_visit_every_member_once_oldest_first",
    "test_save_changes_a_member",
    "test_save_of_an_unknown_user_is_not_found",
    "test_team_sees_only_its_own_tenants_users",
]

pytestmark = pytest.mark.anyio


async def _fresh(uow_factory: UowFactory) -> ports.AccountsUoW:
    uow: ports.AccountsUoW = await uow_factory()
    return uow


async def _setup(
    uow: ports.AccountsUoW, tenants: list[tenant_model.Tenant], users: list[model.User]
) -> None:
    async with uow.platform() as tx:
        for one in tenants:
            await tx.tenants.add(one)
        for user in users:
            assert await tx.users.add(user)
        await tx.commit()


async def _platform_get(uow: ports.AccountsUoW, user_id: ids.UserId) -> model.User | None:
    async with uow.platform() as tx:
        return await tx.users.get(user_id)


async def _list_all(
    uow: ports.AccountsUoW, tenant_id: ids.TenantId, limit: int
) -> list[model.User]:
    found: list[model.User] = []
    cursor: str | None = None
    async with uow.tenant(tenant_id) as tx:
        for _ in range(100):
            page = await tx.team.list(pagination.PageRequest(limit, cursor))
            assert len(page.items) <= limit
            found += page.items
            cursor = page.next_cursor
            if cursor is None:
                return found
    raise AssertionError("list never reached its last page")


async def test_team_sees_only_its_own_tenants_users(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    ours, theirs = tenant("Ours"), tenant("Theirs")
    mine = member(ours.id, model.Role.TENANT_ADMIN)
    other = member(theirs.id, model.Role.TENANT_ADMIN)
    await _setup(uow, [ours, theirs], [mine, other])
    async with uow.tenant(ours.id) as tx:
        assert await tx.team.get(mine.id) == mine
        assert await tx.team.get(other.id) is None
        assert await tx.team.count_admins() == 1
    assert await _list_all(uow, ours.id, 10) == [mine]
    assert await _list_all(uow, theirs.id, 10) == [other]


async def test_save_changes_a_member(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    ours = tenant()
    staff = member(ours.id)
    await _setup(uow, [ours], [staff])
    promoted = staff.change_role(model.Role.TENANT_ADMIN, MOMENT.replace(hour=13))
    async with uow.tenant(ours.id) as tx:
        await tx.team.save(promoted)
        await tx.commit()
    async with uow.tenant(ours.id) as tx:
        assert await tx.team.get(staff.id) == promoted
        assert await tx.team.count_admins() == 1


async def test_another_tenants_user_cannot_be_saved(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    ours, theirs = tenant("Ours"), tenant("Theirs")
    other = member(theirs.id)
    await _setup(uow, [ours, theirs], [other])
    async with uow.tenant(ours.id) as tx:
        with pytest.raises(errors.Forbidden) as forbidden:
            await tx.team.save(attrs.evolve(other, active=False))
        with pytest.raises(errors.NotFound) as missing:
            await tx.team.save(attrs.evolve(other, tenant_id=ours.id, active=False))
        await tx.commit()
    assert forbidden.value.code == "user.wrong_tenant"
    assert missing.value.code == "user.not_found"
    assert await _platform_get(uow, other.id) == other


async def test_save_of_an_unknown_user_is_not_found(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    ours = tenant()
    await _setup(uow, [ours], [])
    ghost = member(ours.id)
    async with uow.tenant(ours.id) as tx:
        with pytest.raises(errors.NotFound) as caught:
            await tx.team.save(ghost)
    assert caught.value.code == "user.not_found"
    assert await _platform_get(uow, ghost.id) is None


async def test_count_admins_counts_active_admins_of_this_tenant_only(
    uow_factory: UowFactory,
) -> None:
    uow = await _fresh(uow_factory)
    ours, theirs = tenant("Ours"), tenant("Theirs")
    admin = model.Role.TENANT_ADMIN
    users = [
        member(ours.id, admin),
        member(ours.id, admin),
        member(ours.id, admin, active=False),
        member(ours.id),
        member(theirs.id, admin),
    ]
    await _setup(uow, [ours, theirs], users)
    async with uow.tenant(ours.id) as tx:
        assert await tx.team.count_admins() == 2
    async with uow.tenant(theirs.id) as tx:
        assert await tx.team.count_admins() == 1


async def test_forged_cursor_is_invalid_input(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    ours = tenant()
    await _setup(uow, [ours], [])
    async with uow.tenant(ours.id) as tx:
        with pytest.raises(errors.InvalidInput):
            await tx.team.list(pagination.PageRequest(10, "not a cursor"))


@settings(max_examples=30, deadline=None)
@given(
    shapes=st.lists(st.tuples(st.integers(0, 3), st.booleans()), max_size=10),
    limit=st.integers(1, 4),
)
async def test_list_pages_visit_every_member_once_oldest_first(
    uow_factory: UowFactory, shapes: list[tuple[int, bool]], limit: int
) -> None:
    uow = await _fresh(uow_factory)
    ours, theirs = tenant("Ours"), tenant("Theirs")
    # Few distinct instants, so that ties on created_at are common and the id decides.
    users = [
        member(ours.id if mine else theirs.id, created_at=MOMENT.replace(second=second))
        for second, mine in shapes
    ]
    await _setup(uow, [ours, theirs], users)
    expected = sorted(
        (u for u in users if u.tenant_id == ours.id), key=lambda u: (u.created_at, u.id)
    )
    assert await _list_all(uow, ours.id, limit) == expected
