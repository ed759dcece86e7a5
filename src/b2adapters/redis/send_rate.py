"""Redis send rate: one token bucket per key, refilled and taken in one Lua script, expiring."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from b2adapters.redis import connection
from b2adapters.redis.keys import KeySpace, digest
from b2adapters.redis.scripts import Arg, LuaScript, ScriptRunner
from b2core.conversations.handlers import sending

if TYPE_CHECKING:
    from b2core.conversations import ports

# KEYS: the bucket (a hash: tokens, at). ARGV: rate per second, burst.
# Returns 0 when a token was taken, else the microseconds until one is there (nothing taken).
# Rounding up forgives float noise (1e-6 of a unit), so 1 / (1/6) s is 6 s, not 6.000001.
# Time is the server's (TIME), so workers with skewed clocks share one bucket correctly. The
# key expires when the bucket would be full again: a missing bucket is a full one.
ACQUIRE = LuaScript(
    "send_rate_acquire",
    """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local per_us = tonumber(ARGV[1]) / 1000000
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if not tokens or not at then
  tokens, at = burst, now
end
if now > at then
  tokens = tokens + (now - at) * per_us
  at = now
end
tokens = math.min(burst, tokens)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.max(1, math.ceil((1 - tokens) / per_us - 1e-6))
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
  'at', string.format('%.0f', at))
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((burst - tokens) / per_us / 1000 - 1e-6)))
return wait
""",
)

SCRIPTS = (ACQUIRE,)
"""Every script of this module, e.g. for ``ScriptRunner.load`` at start-up."""


class RedisSendRate:
    """Token buckets shared by every worker on one Redis (standalone, Sentinel or Cluster).

    One key per bucket (the digest of the bucket's key), so each call is one EVALSHA on one
    slot. Keys live under ``<prefix>sendrate:``.
    """

    def __init__(self, client: connection.RedisLike, keys: KeySpace) -> None:
        self._keys = keys
        self._scripts = ScriptRunner(client)

    def key(self, channel_key: str) -> str:
        """The Redis key of the bucket ``channel_key``."""
        return self._keys.plain("sendrate", digest(channel_key))

    async def acquire(self, channel_key: str, rate_per_s: float, burst: int) -> timedelta:
        """Take a token now (zero), or say how long until one is there (nothing taken)."""
        sending.check_bucket(channel_key, rate_per_s, burst)
        args: list[Arg] = [repr(float(rate_per_s)), burst]
        wait = await self._scripts.run(ACQUIRE, [self.key(channel_key)], args)
        return timedelta(microseconds=int(wait))


if TYPE_CHECKING:
    _port: type[ports.SendRate] = RedisSendRate
