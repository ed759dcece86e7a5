"""Contract of the session stores: ``TokenRevocations`` and ``LoginThrottle``.

Star-import it into a test module that defines a module-scoped fixture ``session_stores``
returning an object with two factories::

    async def revocations() -> TokenRevocations            # a fresh, empty store
    async def throttle(limit, window, lock) -> LoginThrottle  # real time: expiries elapse

    from b2core.testing.contracts.sessions import *  # noqa: F403

Expiries are exercised with real waiting of well under a second.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from b2core.iam import model, ports, tokens
from b2core.shared import ids

__all__ = [
    "pytestmark",
    "test_concurrent_attempts_allow_exactly_the_limit",
    "test_concurrent_refresh_consumption_has_one_winner",
    "test_ending_a_tenants_sessions_spares_other_tenants",
    "test_ending_a_users_sessions_spares_newer_tokens",
    "test_lock_expires_by_itself",
    "test_marks_expire_by_themselves",
    "test_revoking_a_family_revokes_every_token_of_it",
    "test_revoking_one_token_spares_the_others",
    "test_success_forgets_the_attempts",
    "test_throttle_locks_after_the_limit_with_a_retry_time",
]

pytestmark = pytest.mark.anyio
_counter = itertools.count()
HOUR = timedelta(hours=1)


def _unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}-{id(_counter)}"


def _claims(
    *, tenant: str | None = "t", user: str | None = None, iat: datetime | None = None
) -> tokens.Claims:
    issued = iat or datetime.now(UTC)
    return tokens.Claims(
        jti=_unique("jti"),
        sub=ids.UserId(user or _unique("user")),
        tid=ids.TenantId(tenant) if tenant else None,
        role=model.Role.STAFF if tenant else model.Role.SUPER_ADMIN,
        typ=tokens.TokenType.ACCESS,
        iat=issued,
        exp=issued + timedelta(minutes=15),
        family=_unique("family"),
    )


async def test_revoking_one_token_spares_the_others(session_stores: Any) -> None:
    store: ports.TokenRevocations = await session_stores.revocations()
    tenant = _unique("tenant")
    first, second = _claims(tenant=tenant), _claims(tenant=tenant)
    assert not await store.is_revoked(first)
    await store.revoke(first.tid, first.jti, HOUR)
    assert await store.is_revoked(first)
    assert not await store.is_revoked(second)


async def test_revoking_a_family_revokes_every_token_of_it(session_stores: Any) -> None:
    store: ports.TokenRevocations = await session_stores.revocations()
    one = _claims(tenant=None)
    sibling = tokens.Claims(
        jti=_unique("jti"), sub=one.sub, tid=None, role=one.role, typ=tokens.TokenType.REFRESH,
        iat=one.iat, exp=one.exp, family=one.family,
    )  # fmt: skip
    await store.revoke_family(None, one.family, HOUR)
    assert await store.is_revoked(one)
    assert await store.is_revoked(sibling)
    assert not await store.is_revoked(_claims(tenant=None))


async def test_ending_a_users_sessions_spares_newer_tokens(session_stores: Any) -> None:
    store: ports.TokenRevocations = await session_stores.revocations()
    tenant, user = _unique("tenant"), _unique("user")
    cut = datetime.now(UTC)
    old = _claims(tenant=tenant, user=user, iat=cut - timedelta(seconds=1))
    new = _claims(tenant=tenant, user=user, iat=cut + timedelta(milliseconds=1))
    other_user = _claims(tenant=tenant, iat=cut - timedelta(seconds=1))
    await store.end_sessions(old.tid, old.sub, cut, HOUR)
    assert await store.is_revoked(old)
    assert not await store.is_revoked(new)
    assert not await store.is_revoked(other_user)
    # An earlier mark never moves the cut back.
    await store.end_sessions(old.tid, old.sub, cut - timedelta(minutes=5), HOUR)
    assert await store.is_revoked(old)


async def test_ending_a_tenants_sessions_spares_other_tenants(session_stores: Any) -> None:
    store: ports.TokenRevocations = await session_stores.revocations()
    cut = datetime.now(UTC)
    victim = _claims(tenant=_unique("tenant"), iat=cut - timedelta(seconds=1))
    bystander = _claims(tenant=_unique("tenant"), iat=cut - timedelta(seconds=1))
    await store.end_sessions(victim.tid, None, cut, HOUR)
    assert await store.is_revoked(victim)
    assert not await store.is_revoked(bystander)


async def test_concurrent_refresh_consumption_has_one_winner(session_stores: Any) -> None:
    store: ports.TokenRevocations = await session_stores.revocations()
    jti = _unique("refresh")
    results = await asyncio.gather(*(store.consume_refresh(None, jti, HOUR) for _ in range(10)))
    assert sorted(results) == [False] * 9 + [True]
    assert not await store.consume_refresh(None, jti, HOUR)


async def test_marks_expire_by_themselves(session_stores: Any) -> None:
    store: ports.TokenRevocations = await session_stores.revocations()
    claims = _claims()
    await store.revoke(claims.tid, claims.jti, timedelta(milliseconds=200))
    assert await store.is_revoked(claims)
    await asyncio.sleep(0.4)
    assert not await store.is_revoked(claims)


async def test_throttle_locks_after_the_limit_with_a_retry_time(session_stores: Any) -> None:
    throttle: ports.LoginThrottle = await session_stores.throttle(5, HOUR, HOUR)
    key = _unique("login")
    states = [(await throttle.attempt(key)).state for _ in range(7)]
    assert states == [ports.LockState.ALLOWED] * 5 + [ports.LockState.LOCKED] * 2
    locked = await throttle.attempt(key)
    assert 0 < locked.retry_after <= 3600
    assert (await throttle.attempt(_unique("login"))).state is ports.LockState.ALLOWED


async def test_concurrent_attempts_allow_exactly_the_limit(session_stores: Any) -> None:
    throttle: ports.LoginThrottle = await session_stores.throttle(5, HOUR, HOUR)
    key = _unique("login")
    decisions = await asyncio.gather(*(throttle.attempt(key) for _ in range(64)))
    allowed = [d for d in decisions if d.state is ports.LockState.ALLOWED]
    assert len(allowed) == 5


async def test_success_forgets_the_attempts(session_stores: Any) -> None:
    throttle: ports.LoginThrottle = await session_stores.throttle(3, HOUR, HOUR)
    key = _unique("login")
    for _ in range(2):
        await throttle.attempt(key)
    await throttle.succeeded(key)
    states = [(await throttle.attempt(key)).state for _ in range(3)]
    assert states == [ports.LockState.ALLOWED] * 3


async def test_lock_expires_by_itself(session_stores: Any) -> None:
    throttle: ports.LoginThrottle = await session_stores.throttle(
        2, timedelta(seconds=5), timedelta(milliseconds=300)
    )
    key = _unique("login")
    for _ in range(2):
        await throttle.attempt(key)
    assert (await throttle.attempt(key)).state is ports.LockState.LOCKED
    await asyncio.sleep(0.5)
    assert (await throttle.attempt(key)).state is ports.LockState.ALLOWED
