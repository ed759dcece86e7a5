"""Contract of the unit of work: commit persists, everything else rolls back.

Run it against your adapter by star-importing it into a test module that defines the
``uow_factory`` fixture (module or session scope; see ``b2core.testing.contracts``)::

    from b2core.testing.contracts.uow import *  # noqa: F403

The UoW must satisfy ``b2core.iam.ports.IamUoW``: the suite writes platform users as its probe.
"""

from __future__ import annotations

import pytest

from b2core.iam import ports
from b2core.testing.contracts import UowFactory, super_admin

__all__ = [
    "pytestmark",
    "test_changes_after_commit_are_rolled_back_on_exit",
    "test_commit_persists",
    "test_exception_rolls_back_and_propagates",
    "test_leaving_without_commit_rolls_back",
    "test_rollback_discards_and_the_transaction_goes_on",
]

pytestmark = pytest.mark.anyio


class _Boom(Exception):
    """Raised inside a transaction by the tests."""


async def _fresh(uow_factory: UowFactory) -> ports.IamUoW:
    uow: ports.IamUoW = await uow_factory()
    return uow


async def test_commit_persists(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    user = super_admin()
    async with uow.platform() as tx:
        assert await tx.users.add(user)
        await tx.commit()
    async with uow.platform() as tx:
        assert await tx.users.get(user.id) == user


async def test_leaving_without_commit_rolls_back(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    user = super_admin()
    async with uow.platform() as tx:
        assert await tx.users.add(user)
        assert await tx.users.get(user.id) == user  # visible inside its own transaction
    async with uow.platform() as tx:
        assert await tx.users.get(user.id) is None
        assert await tx.users.by_email(user.email) is None


async def test_exception_rolls_back_and_propagates(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    user = super_admin()
    with pytest.raises(_Boom):  # noqa: PT012 - the raise must happen inside the transaction
        async with uow.platform() as tx:
            await tx.users.add(user)
            raise _Boom
    async with uow.platform() as tx:
        assert await tx.users.get(user.id) is None


async def test_rollback_discards_and_the_transaction_goes_on(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    discarded, kept = super_admin(), super_admin()
    async with uow.platform() as tx:
        await tx.users.add(discarded)
        await tx.rollback()
        assert await tx.users.get(discarded.id) is None
        assert await tx.users.add(kept)
        await tx.commit()
    async with uow.platform() as tx:
        assert await tx.users.get(discarded.id) is None
        assert await tx.users.get(kept.id) == kept


async def test_changes_after_commit_are_rolled_back_on_exit(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    first, second = super_admin(), super_admin()
    async with uow.platform() as tx:
        await tx.users.add(first)
        await tx.commit()
        await tx.users.add(second)
    async with uow.platform() as tx:
        assert await tx.users.get(first.id) == first
        assert await tx.users.get(second.id) is None
