"""In-memory token revocations and login throttle: one process, entries expire by the clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from b2core.iam import ports, tokens
from b2core.shared import ids

if TYPE_CHECKING:
    from b2core.shared import time


class _ExpiringDict:
    """Keys that vanish once their deadline has passed."""

    def __init__(self, clock: time.Clock) -> None:
        self._clock = clock
        self._items: dict[str, tuple[object, datetime]] = {}

    def get(self, key: str) -> object | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[1] <= self._clock.now():
            del self._items[key]
            return None
        return item[0]

    def put(self, key: str, value: object, ttl: timedelta) -> None:
        self._items[key] = (value, self._clock.now() + ttl)

    def ttl(self, key: str) -> timedelta:
        item = self._items.get(key)
        return max(item[1] - self._clock.now(), timedelta(0)) if item else timedelta(0)

    def delete(self, key: str) -> None:
        self._items.pop(key, None)


class InMemoryTokenRevocations:
    """Revocation marks for one process (the Redis adapter shares them across processes)."""

    def __init__(self, clock: time.Clock) -> None:
        self._marks = _ExpiringDict(clock)

    async def revoke(self, tenant_id: ids.TenantId | None, jti: str, ttl: timedelta) -> None:
        self._marks.put(f"jti:{jti}", True, ttl)

    async def revoke_family(
        self, tenant_id: ids.TenantId | None, family: str, ttl: timedelta
    ) -> None:
        self._marks.put(f"fam:{family}", True, ttl)

    async def end_sessions(
        self,
        tenant_id: ids.TenantId | None,
        user_id: ids.UserId | None,
        at: datetime,
        ttl: timedelta,
    ) -> None:
        key = f"nbf:user:{user_id}" if user_id else f"nbf:tenant:{tenant_id}"
        current = self._marks.get(key)
        if not isinstance(current, datetime) or current < at:
            self._marks.put(key, at, ttl)

    async def is_revoked(self, claims: tokens.Claims) -> bool:
        if self._marks.get(f"jti:{claims.jti}") or self._marks.get(f"fam:{claims.family}"):
            return True
        keys = [f"nbf:user:{claims.sub}"] + ([f"nbf:tenant:{claims.tid}"] if claims.tid else [])
        for key in keys:
            mark = self._marks.get(key)
            if isinstance(mark, datetime) and claims.iat < mark:
                return True
        return False

    async def consume_refresh(
        self, tenant_id: ids.TenantId | None, jti: str, ttl: timedelta
    ) -> bool:
        if self._marks.get(f"used:{jti}"):
            return False
        self._marks.put(f"used:{jti}", True, ttl)
        return True


class InMemoryLoginThrottle:
    """``limit`` attempts per ``window``; reaching the limit starts a ``lock`` of that length."""

    def __init__(
        self,
        clock: time.Clock,
        *,
        limit: int = 5,
        window: timedelta = timedelta(minutes=15),
        lock: timedelta = timedelta(minutes=15),
    ) -> None:
        self._counts = _ExpiringDict(clock)
        self._limit, self._window, self._lock = limit, window, lock

    async def attempt(self, key: str) -> ports.ThrottleDecision:
        current = self._counts.get(key)
        count = (current if isinstance(current, int) else 0) + 1
        if count == 1:
            self._counts.put(key, count, self._window)
        elif count == self._limit:
            self._counts.put(key, count, self._lock)
        elif count < self._limit:
            self._counts.put(key, count, self._counts.ttl(key))
        if count > self._limit:
            retry = max(int(self._counts.ttl(key).total_seconds()), 1)
            return ports.ThrottleDecision(ports.LockState.LOCKED, retry)
        return ports.ThrottleDecision(ports.LockState.ALLOWED)

    async def succeeded(self, key: str) -> None:
        self._counts.delete(key)


if TYPE_CHECKING:
    _r: type[ports.TokenRevocations] = InMemoryTokenRevocations
    _t: type[ports.LoginThrottle] = InMemoryLoginThrottle
