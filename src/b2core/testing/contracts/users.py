"""Contract of ``b2core.iam.ports.PlatformUserRepository``: users found by id and by email.

Run it against your adapter by star-importing it into a test module that defines the
``uow_factory`` fixture (module or session scope; see ``b2core.testing.contracts``)::

    from b2core.testing.contracts.users import *  # noqa: F403

The UoW must satisfy ``b2core.iam.ports.IamUoW``. Every example uses fresh ids and emails, so
a store that keeps users from one call of the factory to the next is fine.

``save`` stores over an existing user only: an unknown one is ``errors.NotFound``
``user.not_found``, and an email another user has is ``errors.Conflict`` ``user.email_taken``.
"""

from __future__ import annotations

import asyncio

import attrs
import pytest
from hypothesis import given, settings

from b2core.iam import model, ports
from b2core.shared import errors
from b2core.testing import strategies
from b2core.testing.contracts import (
    MOMENT,
    UowFactory,
    super_admin,
    unique_email,
    unique_token,
)

__all__ = [
    "pytestmark",
    "test_add_then_find_by_email_and_id",
    "test_any_user_round_trips",
    "test_duplicate_email_is_refused_and_nothing_changes",
    "test_emails_are_matched_exactly_as_normalized",
    "test_racing_adds_of_one_email_store_exactly_one",
    "test_save_of_an_unknown_user_is_not_found",
    "test_save_replaces_the_stored_user",
    "test_save_to_a_taken_email_is_a_conflict",
    "test_unknown_user_is_none",
]

pytestmark = pytest.mark.anyio


async def _fresh(uow_factory: UowFactory) -> ports.IamUoW:
    uow: ports.IamUoW = await uow_factory()
    return uow


async def _add(uow: ports.IamUoW, user: model.User) -> bool:
    async with uow.platform() as tx:
        added = await tx.users.add(user)
        await tx.commit()
    return added


async def test_unknown_user_is_none(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    async with uow.platform() as tx:
        assert await tx.users.get(super_admin().id) is None
        assert await tx.users.by_email(unique_email()) is None


async def test_add_then_find_by_email_and_id(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    user = super_admin()
    assert await _add(uow, user) is True
    async with uow.platform() as tx:
        assert await tx.users.by_email(user.email) == user
        assert await tx.users.get(user.id) == user


async def test_duplicate_email_is_refused_and_nothing_changes(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    first = super_admin()
    rival = attrs.evolve(super_admin(email=first.email), password_hash="another-hash")
    assert await _add(uow, first) is True
    assert await _add(uow, rival) is False
    async with uow.platform() as tx:
        assert await tx.users.by_email(first.email) == first
        assert await tx.users.get(first.id) == first
        assert await tx.users.get(rival.id) is None


async def test_emails_are_matched_exactly_as_normalized(uow_factory: UowFactory) -> None:
    # Callers normalize (iam.model.normalize_email); the repository compares exactly.
    uow = await _fresh(uow_factory)
    user = super_admin(email=model.normalize_email(f"  Mixed.Case.{unique_token()}@Example.COM "))
    assert await _add(uow, user)
    async with uow.platform() as tx:
        assert await tx.users.by_email(model.normalize_email(user.email.upper())) == user
        assert await tx.users.by_email(user.email.upper()) is None
        assert await tx.users.by_email(f" {user.email}") is None


async def test_save_replaces_the_stored_user(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    user = super_admin()
    assert await _add(uow, user)
    changed = attrs.evolve(user, password_hash="new-hash", active=False, updated_at=MOMENT)
    async with uow.platform() as tx:
        await tx.users.save(changed)
        await tx.commit()
    async with uow.platform() as tx:
        assert await tx.users.get(user.id) == changed
        assert await tx.users.by_email(user.email) == changed


async def test_save_of_an_unknown_user_is_not_found(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    ghost = super_admin()
    async with uow.platform() as tx:
        with pytest.raises(errors.NotFound) as caught:
            await tx.users.save(ghost)
    assert caught.value.code == "user.not_found"
    async with uow.platform() as tx:
        assert await tx.users.get(ghost.id) is None


async def test_save_to_a_taken_email_is_a_conflict(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    first, second = super_admin(), super_admin()
    assert await _add(uow, first)
    assert await _add(uow, second)
    async with uow.platform() as tx:
        with pytest.raises(errors.Conflict) as caught:
            await tx.users.save(attrs.evolve(second, email=first.email))
    assert caught.value.code == "user.email_taken"
    async with uow.platform() as tx:
        assert await tx.users.get(second.id) == second
        assert await tx.users.by_email(first.email) == first


async def test_racing_adds_of_one_email_store_exactly_one(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    email = unique_email()
    contenders = [super_admin(email=email) for _ in range(5)]
    results = await asyncio.gather(*(_add(uow, user) for user in contenders))
    assert sorted(results) == [False] * 4 + [True]
    winner = contenders[results.index(True)]
    async with uow.platform() as tx:
        assert await tx.users.by_email(email) == winner


@settings(max_examples=20, deadline=None)
@given(user=strategies.super_admins())
async def test_any_user_round_trips(uow_factory: UowFactory, user: model.User) -> None:
    uow = await _fresh(uow_factory)
    user = attrs.evolve(user, email=unique_email(user.email))
    assert await _add(uow, user)
    async with uow.platform() as tx:
        assert await tx.users.get(user.id) == user
        assert await tx.users.by_email(user.email) == user
