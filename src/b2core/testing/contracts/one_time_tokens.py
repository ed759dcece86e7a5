"""Contract of ``b2core.iam.ports.OneTimeTokens``: each token works once, in time, for its kind.

Run it against your adapter by star-importing it into a test module that defines the
``uow_factory`` fixture (module or session scope; see ``b2core.testing.contracts``)::

    from b2core.testing.contracts.one_time_tokens import *  # noqa: F403

The UoW must satisfy ``b2core.iam.ports.AccountsUoW``. Every example uses fresh users and token
hashes, so a store kept between calls of the factory is fine.

What the suite pins down beyond the port's docstrings:

* A token is valid while ``now < expires_at``.
* A consume with the wrong kind gives None and leaves the token usable.
* A consume whose transaction rolls back leaves the token usable.
* Racing consumes, each in its own transaction, have exactly one winner.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from b2core.iam import model, ports
from b2core.shared import ids
from b2core.testing.contracts import MOMENT, UowFactory, super_admin, unique_token

__all__ = [
    "pytestmark",
    "test_a_rolled_back_consume_leaves_the_token_usable",
    "test_a_token_works_once",
    "test_an_expired_token_is_refused",
    "test_an_unknown_token_is_refused",
    "test_racing_consumes_have_exactly_one_winner",
    "test_the_wrong_kind_is_refused_and_spends_nothing",
]

pytestmark = pytest.mark.anyio

RESET = "password_reset"
VERIFY = "email_verification"
HOUR = timedelta(hours=1)


async def _fresh(uow_factory: UowFactory) -> ports.AccountsUoW:
    uow: ports.AccountsUoW = await uow_factory()
    return uow


async def _user_with_token(
    uow: ports.AccountsUoW, kind: str = RESET, expires_at: datetime = MOMENT + HOUR
) -> tuple[model.User, str]:
    user, token_hash = super_admin(), f"hash-{unique_token()}"
    async with uow.platform() as tx:
        assert await tx.users.add(user)
        await tx.one_time_tokens.add(kind, token_hash, user.id, expires_at)
        await tx.commit()
    return user, token_hash


async def _consume(
    uow: ports.AccountsUoW, kind: str, token_hash: str, now: datetime = MOMENT
) -> ids.UserId | None:
    async with uow.platform() as tx:
        user_id = await tx.one_time_tokens.consume(kind, token_hash, now)
        await tx.commit()
    return user_id


async def test_a_token_works_once(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    user, token_hash = await _user_with_token(uow)
    assert await _consume(uow, RESET, token_hash) == user.id
    assert await _consume(uow, RESET, token_hash) is None
    assert await _consume(uow, RESET, token_hash, MOMENT + timedelta(minutes=1)) is None


async def test_an_unknown_token_is_refused(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    _, token_hash = await _user_with_token(uow)
    assert await _consume(uow, RESET, f"{token_hash}-other") is None


async def test_an_expired_token_is_refused(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    _, at_expiry = await _user_with_token(uow, expires_at=MOMENT)
    assert await _consume(uow, RESET, at_expiry, MOMENT) is None
    _, past_expiry = await _user_with_token(uow, expires_at=MOMENT)
    assert await _consume(uow, RESET, past_expiry, MOMENT + HOUR) is None
    user, in_time = await _user_with_token(uow, expires_at=MOMENT)
    assert await _consume(uow, RESET, in_time, MOMENT - timedelta(microseconds=1)) == user.id


async def test_the_wrong_kind_is_refused_and_spends_nothing(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    user, token_hash = await _user_with_token(uow, kind=VERIFY)
    assert await _consume(uow, RESET, token_hash) is None
    assert await _consume(uow, VERIFY, token_hash) == user.id


async def test_a_rolled_back_consume_leaves_the_token_usable(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    user, token_hash = await _user_with_token(uow)
    async with uow.platform() as tx:
        assert await tx.one_time_tokens.consume(RESET, token_hash, MOMENT) == user.id
        await tx.rollback()
    assert await _consume(uow, RESET, token_hash) == user.id


async def test_racing_consumes_have_exactly_one_winner(uow_factory: UowFactory) -> None:
    uow = await _fresh(uow_factory)
    user, token_hash = await _user_with_token(uow)
    results = await asyncio.gather(*(_consume(uow, RESET, token_hash) for _ in range(10)))
    assert sorted(results, key=lambda r: r is not None) == [None] * 9 + [user.id]
