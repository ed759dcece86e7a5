"""Redis session claims: one key per session, compare-and-set in Lua, always expiring."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from b2adapters.redis import connection
from b2adapters.redis.keys import KeySpace, digest
from b2adapters.redis.scripts import Arg, LuaScript, ScriptRunner
from b2core.conversations import sessions

# Take a free session, or extend the caller's own claim; every write sets an expiry, so a
# crashed owner frees its session after one TTL.
_CLAIM = LuaScript(
    "session_claim",
    """
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
""",
)

# Only the owner may extend: a claim that expired (or was taken over) is not brought back.
_RENEW = LuaScript(
    "session_renew",
    """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
""",
)

# Only the owner may let go; a late release never frees the session of the next owner.
_RELEASE = LuaScript(
    "session_release",
    """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
""",
)


def _ms(ttl: timedelta) -> int:
    return max(int(sessions.check_ttl(ttl) / timedelta(milliseconds=1)), 1)


class RedisSessionClaims:
    """Claims shared by every process on one Redis (standalone, Sentinel or Cluster).

    Expiry runs on the Redis server's clock, so workers with skewed clocks still agree. A
    session key is digested into the Redis key: it may hold any printable text.
    """

    def __init__(self, client: connection.RedisLike, keys: KeySpace) -> None:
        self._client = client
        self._keys = keys
        self._scripts = ScriptRunner(client)

    def _key(self, session_key: str) -> str:
        return self._keys.plain("claim", digest(sessions.check_key(session_key)))

    async def claim(self, session_key: str, owner: str, ttl: timedelta) -> bool:
        """Take ``session_key`` for ``ttl`` if it is free or already ``owner``'s."""
        args: list[Arg] = [sessions.check_owner(owner), _ms(ttl)]
        return int(await self._scripts.run(_CLAIM, [self._key(session_key)], args)) == 1

    async def renew(self, session_key: str, owner: str, ttl: timedelta) -> bool:
        """Extend ``owner``'s live claim; False when ``owner`` does not hold it."""
        args: list[Arg] = [sessions.check_owner(owner), _ms(ttl)]
        return int(await self._scripts.run(_RENEW, [self._key(session_key)], args)) == 1

    async def release(self, session_key: str, owner: str) -> bool:
        """Give the session up; False when ``owner`` does not hold it."""
        args = [sessions.check_owner(owner)]
        return int(await self._scripts.run(_RELEASE, [self._key(session_key)], args)) == 1

    async def owner(self, session_key: str) -> str | None:
        """Who holds ``session_key`` now, or None."""
        key = self._key(session_key)
        with connection.unavailable_on_failure():
            value = await self._client.get(key)
        if value is None:
            return None
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)


if TYPE_CHECKING:
    _c: type[sessions.SessionClaims] = RedisSessionClaims
