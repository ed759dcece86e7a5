"""Redis token revocations and login throttle: shared by every process, always expiring."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from b2adapters.redis import connection
from b2adapters.redis.keys import KeySpace, digest
from b2adapters.redis.scripts import LuaScript, ScriptRunner
from b2core.iam import ports, tokens
from b2core.shared import ids

# Keep the later of the stored and the given "sessions ended at" mark; always set an expiry.
_END_SESSIONS = LuaScript(
    "end_sessions",
    """
local current = redis.call('GET', KEYS[1])
if (not current) or tonumber(current) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
""",
)

# Count an attempt BEFORE the password is checked. The first attempt opens the window; the
# attempt that reaches the limit restarts the expiry as the lock; later ones are refused
# until the key expires. Every path leaves an expiry (a key without one is given one), so no
# crash can lock anyone out forever, and the whole decision is one atomic script.
_ATTEMPT = LuaScript(
    "login_attempt",
    """
local n = redis.call('INCR', KEYS[1])
local limit = tonumber(ARGV[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif n == limit then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
elseif redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
if n > limit then
  return {0, redis.call('PTTL', KEYS[1])}
end
return {1, 0}
""",
)


def _ms(delta: timedelta) -> int:
    return max(int(delta.total_seconds() * 1000), 1)


class RedisTokenRevocations:
    """One tenant's marks share its hash tag, so ``is_revoked`` is one MGET in one slot."""

    def __init__(self, client: connection.RedisLike, keys: KeySpace) -> None:
        self._client = client
        self._keys = keys
        self._scripts = ScriptRunner(client)

    def _key(self, tenant_id: ids.TenantId | None, *parts: str) -> str:
        if tenant_id is None:
            return self._keys.platform("auth", *parts)
        return self._keys.tenant(tenant_id, "auth", *parts)

    async def revoke(self, tenant_id: ids.TenantId | None, jti: str, ttl: timedelta) -> None:
        with connection.unavailable_on_failure():
            await self._client.set(self._key(tenant_id, "jti", jti), 1, px=_ms(ttl))

    async def revoke_family(
        self, tenant_id: ids.TenantId | None, family: str, ttl: timedelta
    ) -> None:
        with connection.unavailable_on_failure():
            await self._client.set(self._key(tenant_id, "fam", family), 1, px=_ms(ttl))

    async def end_sessions(
        self,
        tenant_id: ids.TenantId | None,
        user_id: ids.UserId | None,
        at: datetime,
        ttl: timedelta,
    ) -> None:
        key = self._key(tenant_id, "nbf", f"user-{user_id}" if user_id else "tenant")
        await self._scripts.run(_END_SESSIONS, [key], [repr(at.timestamp()), _ms(ttl)])

    async def is_revoked(self, claims: tokens.Claims) -> bool:
        keys = [
            self._key(claims.tid, "jti", claims.jti),
            self._key(claims.tid, "fam", claims.family),
            self._key(claims.tid, "nbf", f"user-{claims.sub}"),
            self._key(claims.tid, "nbf", "tenant"),
        ]
        with connection.unavailable_on_failure():
            jti, family, user_mark, tenant_mark = await self._client.mget(keys)
        if jti is not None or family is not None:
            return True
        issued = claims.iat.timestamp()
        return any(mark is not None and issued < float(mark) for mark in (user_mark, tenant_mark))

    async def consume_refresh(
        self, tenant_id: ids.TenantId | None, jti: str, ttl: timedelta
    ) -> bool:
        key = self._key(tenant_id, "used", jti)
        with connection.unavailable_on_failure():
            return bool(await self._client.set(key, 1, nx=True, px=_ms(ttl)))


class RedisLoginThrottle:
    """``limit`` attempts per ``window``; reaching the limit locks for ``lock``. One script."""

    def __init__(
        self,
        client: connection.RedisLike,
        keys: KeySpace,
        *,
        limit: int = 5,
        window: timedelta = timedelta(minutes=15),
        lock: timedelta = timedelta(minutes=15),
    ) -> None:
        self._client = client
        self._keys = keys
        self._scripts = ScriptRunner(client)
        self._limit, self._window, self._lock = limit, window, lock

    def _key(self, key: str) -> str:
        return self._keys.plain("throttle", digest(key))

    async def attempt(self, key: str) -> ports.ThrottleDecision:
        allowed, ttl_ms = await self._scripts.run(
            _ATTEMPT, [self._key(key)], [self._limit, _ms(self._window), _ms(self._lock)]
        )
        if int(allowed) == 1:
            return ports.ThrottleDecision(ports.LockState.ALLOWED)
        return ports.ThrottleDecision(ports.LockState.LOCKED, max(int(ttl_ms) // 1000, 1))

    async def succeeded(self, key: str) -> None:
        with connection.unavailable_on_failure():
            await self._client.delete(self._key(key))


if TYPE_CHECKING:
    _r: type[ports.TokenRevocations] = RedisTokenRevocations
    _t: type[ports.LoginThrottle] = RedisLoginThrottle
