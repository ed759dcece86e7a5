"""Session claims: which worker owns a tenant's bridge session now, and the rules of owning it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

import attrs

from b2core.shared import errors

#: The longest a claim may last without a renewal; a dead owner blocks its session that long.
MAX_TTL = timedelta(hours=1)
#: Claims are kept with millisecond precision (Redis PX); anything shorter cannot be kept.
MIN_TTL = timedelta(milliseconds=1)
MAX_KEY_LENGTH = 200
MAX_OWNER_LENGTH = 200
# An owner renews three times per TTL, so two late heartbeats in a row still keep the claim.
_BEATS_PER_TTL = 3


def _check_text(what: str, value: object, longest: int) -> str:
    if not isinstance(value, str) or not value or len(value) > longest:
        raise errors.InvalidInput(
            f"a session claim {what} must be 1-{longest} characters",
            code=f"session_claim.bad_{what}",
        )
    if not value.isprintable() or any(c.isspace() for c in value):
        raise errors.InvalidInput(
            f"a session claim {what} must not contain whitespace or control characters",
            code=f"session_claim.bad_{what}",
        )
    return value


def check_key(session_key: object) -> str:
    """``session_key`` if it may name a session (``session_claim.bad_key`` otherwise)."""
    return _check_text("key", session_key, MAX_KEY_LENGTH)


def check_owner(owner: object) -> str:
    """``owner`` if it may name a worker (``session_claim.bad_owner`` otherwise)."""
    return _check_text("owner", owner, MAX_OWNER_LENGTH)


def check_ttl(ttl: object) -> timedelta:
    """``ttl`` if it is between :data:`MIN_TTL` and :data:`MAX_TTL` (``session_claim.bad_ttl``)."""
    if not isinstance(ttl, timedelta) or not MIN_TTL <= ttl <= MAX_TTL:
        raise errors.InvalidInput(
            f"a session claim lasts between 1 ms and {MAX_TTL}", code="session_claim.bad_ttl"
        )
    return ttl


def heartbeat_interval(ttl: timedelta) -> timedelta:
    """How often an owner should renew a claim of ``ttl`` so that a late beat never loses it."""
    return check_ttl(ttl) / _BEATS_PER_TTL


@attrs.frozen
class Claim:
    """``owner`` holds ``session_key`` until ``expires_at`` unless it renews first."""

    session_key: str = attrs.field(validator=lambda _, __, v: check_key(v))
    owner: str = attrs.field(validator=lambda _, __, v: check_owner(v))
    expires_at: datetime

    def is_live(self, now: datetime) -> bool:
        """True while the claim has not expired at ``now``."""
        return now < self.expires_at

    def held_by(self, owner: str, now: datetime) -> bool:
        """True when ``owner`` holds this claim at ``now``."""
        return self.owner == owner and self.is_live(now)

    def renewed(self, now: datetime, ttl: timedelta) -> Claim:
        """The same claim, now lasting ``ttl`` from ``now``."""
        return attrs.evolve(self, expires_at=now + check_ttl(ttl))


def take(
    current: Claim | None, session_key: str, owner: str, now: datetime, ttl: timedelta
) -> Claim | None:
    """The claim ``owner`` holds after asking for ``session_key`` at ``now``, or None if refused.

    A free or expired session goes to ``owner``; its own live claim is extended (claiming is
    idempotent); another owner's live claim is refused.
    """
    if current is not None and current.is_live(now):
        return current.renewed(now, ttl) if current.owner == owner else None
    return Claim(session_key, owner, now + check_ttl(ttl))


class SessionClaims(Protocol):
    """Exclusive, expiring ownership of sessions (a tenant's bridge session) among workers.

    At most one owner holds a session at any time. Every claim expires after its TTL unless its
    owner renews it, so a crashed owner blocks the session for one TTL at most and never for
    ever. Raises ``errors.InvalidInput`` (``session_claim.bad_key``, ``.bad_owner``,
    ``.bad_ttl``) for unusable arguments and ``errors.Unavailable`` when the store is down.
    """

    async def claim(self, session_key: str, owner: str, ttl: timedelta) -> bool:
        """Take ``session_key`` for ``ttl`` if it is free (or already ``owner``'s); atomic."""
        ...

    async def renew(self, session_key: str, owner: str, ttl: timedelta) -> bool:
        """Extend ``owner``'s live claim to ``ttl`` from now; False if it does not hold it."""
        ...

    async def release(self, session_key: str, owner: str) -> bool:
        """Give the session up; False (and no change) if ``owner`` does not hold it."""
        ...

    async def owner(self, session_key: str) -> str | None:
        """Who holds ``session_key`` now, or None when nobody does."""
        ...
