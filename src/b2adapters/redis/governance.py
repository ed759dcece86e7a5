"""Redis quota ledger, rate limiter and governance gate: each decision is one Lua script call.

Time comes from the Redis server (``TIME`` inside the scripts), so every process sharing the
server agrees on it. Every key a script writes gets an expiry in the same script: counters at
their window's end plus :data:`EXPIRY_MARGIN` (never longer than the window plus the margin),
sliding logs one rule window after their last entry, refund marks when their counters go.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from b2adapters.redis import connection
from b2adapters.redis.keys import KeySpace, digest
from b2adapters.redis.scripts import Arg, LuaScript, ScriptRunner
from b2core.ai import limits, model, ports, quotas
from b2core.shared import errors, ids

# Covers clock skew between the callers that compute windows and the Redis server.
EXPIRY_MARGIN = timedelta(hours=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_US = timedelta(microseconds=1)
_CALL_CACHE_SIZE = 4096
_CallKey = tuple[str, tuple[limits.RateRule, ...], quotas.QuotaWindows, quotas.QuotaLimits]
_RULE_KEY = re.compile(
    r"^rate:(?P<rule>[a-z0-9_-]{1,40}):t:(?P<tenant>[^:{}\s]+)(?::c:(?P<customer>.+))?$"
)

_LIBRARY = """
local function now_us_ms()
  local t = redis.call('TIME')
  local s, us = tonumber(t[1]), tonumber(t[2])
  return s * 1000000 + us, s * 1000 + math.floor(us / 1000)
end
-- A counter lives until its window ends, never longer than the window, plus the margin.
local function window_ttl(now_ms, end_ms, len_ms, margin_ms)
  return math.min(math.max(tonumber(end_ms) - now_ms, 0), tonumber(len_ms)) + tonumber(margin_ms)
end
-- A sliding log is a list of hit times (us), newest first, trimmed to the rule's limit.
-- 0 when one more hit fits in (now - window, now]; else microseconds until it does: the
-- limit-th newest hit leaves the window then.
local function blocked_for(key, limit, window_us, now_us)
  local nth = redis.call('LINDEX', key, limit - 1)
  if not nth then
    return 0
  end
  return math.max(tonumber(nth) + window_us - now_us, 0)
end
local function record(key, now_us, limit, window_ms)
  redis.call('LPUSH', key, now_us)
  redis.call('LTRIM', key, 0, limit - 1)
  redis.call('PEXPIRE', key, window_ms)
end
-- A key found without an expiry (an old version, a hand edit) is given one, not trusted.
local function keep_expiring(key, ms)
  if redis.call('PTTL', key) == -1 then
    redis.call('PEXPIRE', key, ms)
  end
end
"""

# KEYS: daily counter, monthly counter, then one sliding log per burst rule.
# ARGV: reservation id, units, daily limit, monthly limit, daily end ms, daily length ms,
#       monthly end ms, monthly length ms, margin ms, then per rule: limit, window us, window ms.
# Returns {outcome, wait_1, ..., wait_n}; outcome '' when a rule refused (quota untouched).
# Without burst rules it is the quota reservation alone.
ADMIT = LuaScript(
    "governance_admit",
    _LIBRARY
    + """
local now_us, now_ms = now_us_ms()
local units, waits, refused = tonumber(ARGV[2]), {}, false
for i = 3, #KEYS do
  local at = 10 + (i - 3) * 3
  waits[i - 2] = blocked_for(KEYS[i], tonumber(ARGV[at]), tonumber(ARGV[at + 1]), now_us)
  refused = refused or waits[i - 2] > 0
end
local outcome = ''
if not refused then
  local daily = tonumber(redis.call('GET', KEYS[1]) or '0')
  local monthly = tonumber(redis.call('GET', KEYS[2]) or '0')
  if monthly + units > tonumber(ARGV[4]) then
    outcome = 'MONTHLY_LIMIT'
  elseif daily + units > tonumber(ARGV[3]) then
    outcome = 'DAILY_LIMIT'
  else
    outcome = 'OK'
    redis.call('INCRBY', KEYS[1], units)
    redis.call('INCRBY', KEYS[2], units)
    for i = 3, #KEYS do
      local at = 10 + (i - 3) * 3
      record(KEYS[i], now_us, tonumber(ARGV[at]), ARGV[at + 2])
    end
  end
  redis.call('PEXPIRE', KEYS[1], window_ttl(now_ms, ARGV[5], ARGV[6], ARGV[9]))
  redis.call('PEXPIRE', KEYS[2], window_ttl(now_ms, ARGV[7], ARGV[8], ARGV[9]))
end
if outcome ~= 'OK' then
  for i = 3, #KEYS do
    keep_expiring(KEYS[i], ARGV[10 + (i - 3) * 3 + 2])
  end
end
return {outcome, unpack(waits)}
""",
)

# KEYS: the sliding log. ARGV: limit, window us, window ms. Returns the wait in us.
_HIT = LuaScript(
    "rate_hit",
    _LIBRARY
    + """
local now_us = now_us_ms()
local limit = tonumber(ARGV[1])
local wait = blocked_for(KEYS[1], limit, tonumber(ARGV[2]), now_us)
if wait == 0 then
  record(KEYS[1], now_us, limit, ARGV[3])
else
  keep_expiring(KEYS[1], ARGV[3])
end
return wait
""",
)

# KEYS: refund mark, daily counter, monthly counter.
# ARGV: units, daily end ms, daily length ms, monthly end ms, monthly length ms, margin ms.
# The mark (SET NX) makes the refund happen once; a counter that is gone stays gone.
_REFUND = LuaScript(
    "quota_refund",
    _LIBRARY
    + """
local _, now_ms = now_us_ms()
local units = tonumber(ARGV[1])
local ttls = {window_ttl(now_ms, ARGV[2], ARGV[3], ARGV[6]),
              window_ttl(now_ms, ARGV[4], ARGV[5], ARGV[6])}
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', math.max(ttls[1], ttls[2])) then
  return 0
end
for i = 2, 3 do
  local current = tonumber(redis.call('GET', KEYS[i]) or '0')
  if current > 0 then
    redis.call('DECRBY', KEYS[i], math.min(units, current))
    redis.call('PEXPIRE', KEYS[i], ttls[i - 1])
  end
end
return 1
""",
)

SCRIPTS = (ADMIT, _HIT, _REFUND)
"""Every script of this module, e.g. for ``ScriptRunner.load`` at start-up."""


def _ms(moment: datetime) -> int:
    return (moment - _EPOCH) // _MS


def _window_args(windows: quotas.QuotaWindows) -> list[Arg]:
    daily, monthly = windows.daily, windows.monthly
    return [
        _ms(daily.end), (daily.end - daily.start) // _MS,
        _ms(monthly.end), (monthly.end - monthly.start) // _MS,
    ]  # fmt: skip


@functools.lru_cache(maxsize=256)
def _rule_args(rule: limits.RateRule) -> tuple[Arg, ...]:
    return (rule.limit, rule.window // _US, max(-(-rule.window // _MS), 1))


def _counter_keys(
    keys: KeySpace, tenant_id: ids.TenantId, windows: quotas.QuotaWindows
) -> list[str]:
    return [
        keys.tenant(tenant_id, "quota", windows.daily.id),
        keys.tenant(tenant_id, "quota", windows.monthly.id),
    ]


def admission_call(
    keys: KeySpace,
    tenant_id: ids.TenantId,
    burst: Sequence[limits.RateRule],
    windows: quotas.QuotaWindows,
    quota: quotas.QuotaLimits,
) -> tuple[list[str], list[Arg]]:
    """KEYS and ARGV of one admission, except ARGV's first item: the reservation id.

    Public so that a benchmark can call :data:`ADMIT` with exactly the adapter's arguments.
    """
    names = _counter_keys(keys, tenant_id, windows)
    names += [rate_key(keys, limits.tenant_key(tenant_id, rule)) for rule in burst]
    args: list[Arg] = [1, quota.daily, quota.monthly, *_window_args(windows)]
    args.append(EXPIRY_MARGIN // _MS)
    for rule in burst:
        args += _rule_args(rule)
    return names, args


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@functools.lru_cache(maxsize=_CALL_CACHE_SIZE)
def rate_key(keys: KeySpace, key: str) -> str:
    """The Redis key behind a limiter key such as ``limits.tenant_key(...)``.

    Tenant and customer keys get the tenant's hash tag, so one script may combine them with
    the tenant's counters (on a Cluster too); customers are digested, being free-form. Any
    other key becomes a plain, digested key.
    """
    match = _RULE_KEY.match(key)
    if match is None:
        return keys.plain("rate", digest(key))
    parts = ["rate", match["rule"]]
    if match["customer"] is not None:
        parts += ["c", digest(match["customer"])]
    return keys.tenant(match["tenant"], *parts)


class _Governed:
    """What the three adapters share: the client, the key space and the script runner."""

    def __init__(self, client: connection.RedisLike, keys: KeySpace) -> None:
        self._client = client
        self._keys = keys
        self._scripts = ScriptRunner(client)
        self._calls: dict[_CallKey, tuple[list[str], list[Arg]]] = {}

    def _call(
        self,
        tenant_id: ids.TenantId,
        burst: tuple[limits.RateRule, ...],
        windows: quotas.QuotaWindows,
        quota: quotas.QuotaLimits,
    ) -> tuple[list[str], list[Arg]]:
        # Building and checking the keys costs more than the script call itself in Python;
        # a tenant sends many messages in one window with the same rules, so remember them.
        # Dropping everything when full keeps memory bounded (windows roll daily anyway).
        key = (tenant_id, burst, windows, quota)
        call = self._calls.get(key)
        if call is None:
            if len(self._calls) >= _CALL_CACHE_SIZE:
                self._calls.clear()
            call = self._calls[key] = admission_call(self._keys, tenant_id, burst, windows, quota)
        return call

    async def _admit(
        self,
        tenant_id: ids.TenantId,
        burst: Sequence[limits.RateRule],
        windows: quotas.QuotaWindows,
        quota: quotas.QuotaLimits,
    ) -> ports.Admission:
        burst = tuple(burst)
        if len({rule.name for rule in burst}) != len(burst):
            raise errors.InvalidInput("burst rule names must be unique", code="limits.bad_rule")
        reservation_id = secrets.token_hex(16)
        names, args = self._call(tenant_id, burst, windows, quota)
        outcome, *waits = await self._scripts.run(ADMIT, names, [reservation_id, *args])
        verdicts = tuple(
            limits.RateVerdict(rule.name, int(wait) == 0, int(wait) * _US)
            for rule, wait in zip(burst, waits, strict=True)
        )
        status = _text(outcome)
        if status == "OK":
            reservation = quotas.Reservation(reservation_id, tenant_id, windows)
            return ports.Admission(verdicts, reservation)
        return ports.Admission(verdicts, model.BlockReason(status) if status else None)


class RedisQuotaLedger(_Governed):
    """Daily and monthly counters per tenant, both in the tenant's hash-tag slot.

    ``reserve`` is one script: it checks both counters and increments both or neither.
    """

    async def reserve(
        self, tenant_id: ids.TenantId, windows: quotas.QuotaWindows, limits: quotas.QuotaLimits
    ) -> quotas.Reservation | model.BlockReason:
        admission = await self._admit(tenant_id, (), windows, limits)
        if admission.quota is None:  # impossible without burst rules; kept for the type
            raise RuntimeError("the quota script returned no outcome")
        return admission.quota

    async def refund(self, reservation: quotas.Reservation) -> bool:
        tenant_id = reservation.tenant_id
        mark = self._keys.tenant(tenant_id, "quota", "refund", reservation.id)
        keys = [mark, *_counter_keys(self._keys, tenant_id, reservation.windows)]
        args = [reservation.units, *_window_args(reservation.windows), EXPIRY_MARGIN // _MS]
        return int(await self._scripts.run(_REFUND, keys, args)) == 1

    async def usage(
        self, tenant_id: ids.TenantId, windows: quotas.QuotaWindows
    ) -> quotas.QuotaUsage:
        # Both keys share the tenant's tag, so MGET is one call on a Cluster too.
        with connection.unavailable_on_failure():
            daily, monthly = await self._client.mget(_counter_keys(self._keys, tenant_id, windows))
        return quotas.QuotaUsage(int(daily or 0), int(monthly or 0))


class RedisRateLimiter(_Governed):
    """Sliding-window log per key (a list of the last ``limit`` hit times), one script per hit."""

    async def hit(self, key: str, rule: limits.RateRule) -> tuple[bool, timedelta]:
        wait = int(await self._scripts.run(_HIT, [rate_key(self._keys, key)], _rule_args(rule)))
        return wait == 0, wait * _US


class RedisGovernanceGate(_Governed):
    """Burst rules and quota reservation of one message in one script: one round trip."""

    async def admit(
        self,
        tenant_id: ids.TenantId,
        burst: Sequence[limits.RateRule],
        windows: quotas.QuotaWindows,
        quota: quotas.QuotaLimits,
    ) -> ports.Admission:
        return await self._admit(tenant_id, burst, windows, quota)


if TYPE_CHECKING:
    _q: type[ports.QuotaLedger] = RedisQuotaLedger
    _r: type[ports.RateLimiter] = RedisRateLimiter
    _g: type[ports.GovernanceGate] = RedisGovernanceGate
