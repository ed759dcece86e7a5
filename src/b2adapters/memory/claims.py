"""In-memory session claims: exclusive, expiring ownership within one process, by the clock."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import TYPE_CHECKING

from b2core.conversations import sessions

if TYPE_CHECKING:
    from b2core.shared import time


class InMemorySessionClaims:
    """Claims of one process (the Redis adapter shares them between processes).

    Each method decides under one lock without awaiting, so concurrent callers on any thread or
    task see one another's claims atomically.
    """

    def __init__(self, clock: time.Clock) -> None:
        self._clock = clock
        self._claims: dict[str, sessions.Claim] = {}
        self._lock = threading.Lock()

    async def claim(self, session_key: str, owner: str, ttl: timedelta) -> bool:
        """Take ``session_key`` for ``ttl`` if it is free or already ``owner``'s."""
        key, ttl = sessions.check_key(session_key), sessions.check_ttl(ttl)
        sessions.check_owner(owner)
        with self._lock:
            taken = sessions.take(self._claims.get(key), key, owner, self._clock.now(), ttl)
            if taken is None:
                return False
            self._claims[key] = taken
            return True

    async def renew(self, session_key: str, owner: str, ttl: timedelta) -> bool:
        """Extend ``owner``'s live claim; False when ``owner`` does not hold it."""
        key, ttl = sessions.check_key(session_key), sessions.check_ttl(ttl)
        sessions.check_owner(owner)
        with self._lock:
            now = self._clock.now()
            current = self._claims.get(key)
            if current is None or not current.held_by(owner, now):
                return False
            self._claims[key] = current.renewed(now, ttl)
            return True

    async def release(self, session_key: str, owner: str) -> bool:
        """Give the session up; False when ``owner`` does not hold it."""
        key = sessions.check_key(session_key)
        sessions.check_owner(owner)
        with self._lock:
            current = self._claims.get(key)
            if current is None or not current.held_by(owner, self._clock.now()):
                return False
            del self._claims[key]
            return True

    async def owner(self, session_key: str) -> str | None:
        """Who holds ``session_key`` now, or None."""
        key = sessions.check_key(session_key)
        with self._lock:
            current = self._claims.get(key)
            if current is None:
                return None
            if not current.is_live(self._clock.now()):
                del self._claims[key]  # forget expired claims so the map does not grow
                return None
            return current.owner


if TYPE_CHECKING:
    _c: type[sessions.SessionClaims] = InMemorySessionClaims
