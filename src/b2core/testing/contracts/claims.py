"""Contract of ``SessionClaims``: one owner at a time, only the owner renews or releases.

Star-import it into a test module that defines a module-scoped fixture ``claim_stores``
returning an object with one factory::

    async def claims() -> SessionClaims   # real time: expiries elapse

    from b2core.testing.contracts.claims import *  # noqa: F403

Expiries are exercised with real waiting of well under a second.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import Any

import pytest

from b2core.conversations import sessions
from b2core.shared import errors

__all__ = [
    "pytestmark",
    "test_a_lost_claim_is_not_renewed",
    "test_claiming_again_extends_the_owners_claim",
    "test_concurrent_claimers_have_exactly_one_winner",
    "test_expiry_hands_the_session_over",
    "test_only_the_owner_releases",
    "test_only_the_owner_renews",
    "test_renewing_keeps_the_claim_alive",
    "test_sessions_are_independent",
    "test_unusable_arguments_are_refused",
]

pytestmark = pytest.mark.anyio
_counter = itertools.count()
MINUTE = timedelta(minutes=1)


def _unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}-{id(_counter)}"


async def _store(claim_stores: Any) -> sessions.SessionClaims:
    store: sessions.SessionClaims = await claim_stores.claims()
    return store


async def test_concurrent_claimers_have_exactly_one_winner(claim_stores: Any) -> None:
    store = await _store(claim_stores)
    session = _unique("session")
    owners = [_unique("worker") for _ in range(20)]
    results = await asyncio.gather(*(store.claim(session, owner, MINUTE) for owner in owners))
    winners = [owner for owner, won in zip(owners, results, strict=True) if won]
    assert len(winners) == 1
    assert await store.owner(session) == winners[0]


async def test_only_the_owner_renews(claim_stores: Any) -> None:
    store = await _store(claim_stores)
    session, owner, rival = _unique("session"), _unique("owner"), _unique("rival")
    assert await store.claim(session, owner, MINUTE)
    assert not await store.renew(session, rival, MINUTE)
    assert not await store.claim(session, rival, MINUTE)
    assert await store.renew(session, owner, MINUTE)
    assert await store.owner(session) == owner
    assert not await store.renew(_unique("session"), owner, MINUTE)  # nothing to renew


async def test_only_the_owner_releases(claim_stores: Any) -> None:
    store = await _store(claim_stores)
    session, owner, rival = _unique("session"), _unique("owner"), _unique("rival")
    assert await store.claim(session, owner, MINUTE)
    assert not await store.release(session, rival)
    assert await store.owner(session) == owner
    assert await store.release(session, owner)
    assert await store.owner(session) is None
    assert not await store.release(session, owner)  # released once only
    assert await store.claim(session, rival, MINUTE)
    assert await store.owner(session) == rival


async def test_claiming_again_extends_the_owners_claim(claim_stores: Any) -> None:
    store = await _store(claim_stores)
    session, owner = _unique("session"), _unique("owner")
    assert await store.claim(session, owner, timedelta(milliseconds=200))
    await asyncio.sleep(0.13)
    assert await store.claim(session, owner, timedelta(milliseconds=200))
    await asyncio.sleep(0.13)  # past the first claim's expiry, within the second's
    assert await store.owner(session) == owner


async def test_expiry_hands_the_session_over(claim_stores: Any) -> None:
    store = await _store(claim_stores)
    session, owner, heir = _unique("session"), _unique("owner"), _unique("heir")
    assert await store.claim(session, owner, timedelta(milliseconds=100))
    assert not await store.claim(session, heir, MINUTE)
    await asyncio.sleep(0.2)
    assert await store.owner(session) is None
    assert await store.claim(session, heir, MINUTE)
    assert await store.owner(session) == heir
    assert not await store.release(session, owner)  # the old owner cannot free the heir's
    assert await store.owner(session) == heir


async def test_renewing_keeps_the_claim_alive(claim_stores: Any) -> None:
    store = await _store(claim_stores)
    session, owner, rival = _unique("session"), _unique("owner"), _unique("rival")
    ttl = timedelta(milliseconds=200)
    assert await store.claim(session, owner, ttl)
    for _ in range(6):  # 0.4 s in all: twice the TTL
        await asyncio.sleep(sessions.heartbeat_interval(ttl).total_seconds())
        assert await store.renew(session, owner, ttl)
        assert not await store.claim(session, rival, ttl)
    assert await store.owner(session) == owner
    await asyncio.sleep(0.3)  # heartbeats stopped: the claim lapses
    assert await store.owner(session) is None


async def test_a_lost_claim_is_not_renewed(claim_stores: Any) -> None:
    store = await _store(claim_stores)
    session, owner = _unique("session"), _unique("owner")
    assert await store.claim(session, owner, timedelta(milliseconds=100))
    await asyncio.sleep(0.2)
    assert not await store.renew(session, owner, MINUTE)
    assert await store.owner(session) is None


async def test_sessions_are_independent(claim_stores: Any) -> None:
    store = await _store(claim_stores)
    first, second = _unique("session"), _unique("session")
    one, other = _unique("owner"), _unique("owner")
    assert await store.claim(first, one, MINUTE)
    assert await store.claim(second, other, MINUTE)
    assert (await store.owner(first), await store.owner(second)) == (one, other)
    assert await store.release(first, one)
    assert await store.owner(second) == other


@pytest.mark.parametrize(
    ("session", "owner", "ttl", "code"),
    [
        ("", "w", MINUTE, "session_claim.bad_key"),
        ("has space", "w", MINUTE, "session_claim.bad_key"),
        ("s" * 201, "w", MINUTE, "session_claim.bad_key"),
        ("s", "", MINUTE, "session_claim.bad_owner"),
        ("s", "w\n", MINUTE, "session_claim.bad_owner"),
        ("s", "w", timedelta(0), "session_claim.bad_ttl"),
        ("s", "w", timedelta(hours=2), "session_claim.bad_ttl"),
    ],
)
async def test_unusable_arguments_are_refused(
    claim_stores: Any, session: str, owner: str, ttl: timedelta, code: str
) -> None:
    store = await _store(claim_stores)
    with pytest.raises(errors.InvalidInput) as raised:
        await store.claim(session, owner, ttl)
    assert raised.value.code == code
    if code == "session_claim.bad_ttl":
        with pytest.raises(errors.InvalidInput):
            await store.renew(session, owner, ttl)
