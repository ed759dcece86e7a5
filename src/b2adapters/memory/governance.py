"""In-memory quota ledger, rate limiter and governance gate: one process, expiring by the clock.

They apply the core's pure rules (``quotas.decide_reservation``, ``limits.hit``) under a lock,
and expire entries exactly as the Redis adapters do: counters at their window's end plus
:data:`EXPIRY_MARGIN`, logs one rule window after their last entry.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Hashable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Generic, TypeVar

from b2core.ai import limits, model, ports, quotas
from b2core.shared import errors, ids

if TYPE_CHECKING:
    from b2core.shared import time

EXPIRY_MARGIN = timedelta(hours=1)
_V = TypeVar("_V")


class _Expiring(Generic[_V]):
    """Values that vanish at their deadline; expired ones are swept as the map grows."""

    def __init__(self) -> None:
        self._items: dict[Hashable, tuple[_V, datetime]] = {}
        self._sweep_at = 1024

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable, now: datetime) -> _V | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[1] <= now:
            del self._items[key]
            return None
        return item[0]

    def put(self, key: Hashable, value: _V, until: datetime, now: datetime) -> None:
        self._items[key] = (value, until)
        if len(self._items) >= self._sweep_at:
            # Amortized: memory stays bounded by the live entries however many keys come and go.
            self._items = {k: item for k, item in self._items.items() if item[1] > now}
            self._sweep_at = max(1024, 2 * len(self._items))


def _deadline(window: quotas.Window, now: datetime) -> datetime:
    """When a counter of ``window`` written at ``now`` expires (never later than a window on)."""
    return now + min(window.time_left(now), window.end - window.start) + EXPIRY_MARGIN


class InMemoryQuotaLedger:
    """Daily and monthly counters per tenant; every operation is atomic under one lock.

    The lock is a thread lock, held without awaiting, so it also serves callers in threads.
    """

    def __init__(self, clock: time.Clock) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self._counters: _Expiring[int] = _Expiring()
        self._refunds: _Expiring[bool] = _Expiring()

    def __len__(self) -> int:
        """How many counters and refund marks are held (expired ones may linger until swept)."""
        return len(self._counters) + len(self._refunds)

    @staticmethod
    def _keys(
        tenant_id: ids.TenantId, windows: quotas.QuotaWindows
    ) -> tuple[tuple[str, str], tuple[str, str]]:
        return (tenant_id, windows.daily.id), (tenant_id, windows.monthly.id)

    def current(
        self, tenant_id: ids.TenantId, windows: quotas.QuotaWindows, now: datetime
    ) -> quotas.QuotaUsage:
        """Usage at ``now``; the caller holds :attr:`lock`."""
        daily, monthly = (
            self._counters.get(key, now) or 0 for key in self._keys(tenant_id, windows)
        )
        return quotas.QuotaUsage(daily, monthly)

    def take(
        self,
        tenant_id: ids.TenantId,
        windows: quotas.QuotaWindows,
        quota: quotas.QuotaLimits,
        now: datetime,
    ) -> quotas.Reservation | model.BlockReason:
        """Apply ``decide_reservation`` at ``now``; the caller holds :attr:`lock`."""
        decision = quotas.decide_reservation(quota, self.current(tenant_id, windows, now))
        if not decision.granted:
            return decision.reason or model.BlockReason.DAILY_LIMIT
        daily_key, monthly_key = self._keys(tenant_id, windows)
        usage = decision.usage
        self._counters.put(daily_key, usage.daily, _deadline(windows.daily, now), now)
        self._counters.put(monthly_key, usage.monthly, _deadline(windows.monthly, now), now)
        return quotas.Reservation(uuid.uuid4().hex, tenant_id, windows)

    async def reserve(
        self, tenant_id: ids.TenantId, windows: quotas.QuotaWindows, limits: quotas.QuotaLimits
    ) -> quotas.Reservation | model.BlockReason:
        with self.lock:
            return self.take(tenant_id, windows, limits, self.clock.now())

    async def refund(self, reservation: quotas.Reservation) -> bool:
        windows = reservation.windows
        with self.lock:
            now = self.clock.now()
            mark = (reservation.tenant_id, reservation.id)
            if self._refunds.get(mark, now):
                return False
            until = max(_deadline(windows.daily, now), _deadline(windows.monthly, now))
            self._refunds.put(mark, True, until, now)
            keys = self._keys(reservation.tenant_id, windows)
            for key, window in zip(keys, (windows.daily, windows.monthly), strict=True):
                current = self._counters.get(key, now)
                if current:  # a counter that is gone stays gone
                    left = max(current - reservation.units, 0)
                    self._counters.put(key, left, _deadline(window, now), now)
            return True

    async def usage(
        self, tenant_id: ids.TenantId, windows: quotas.QuotaWindows
    ) -> quotas.QuotaUsage:
        with self.lock:
            return self.current(tenant_id, windows, self.clock.now())


class InMemoryRateLimiter:
    """Sliding-window log per key (the instants of allowed hits), one locked step per hit."""

    def __init__(self, clock: time.Clock) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self._logs: _Expiring[tuple[datetime, ...]] = _Expiring()

    def __len__(self) -> int:
        """How many logs are held (expired ones may linger until swept)."""
        return len(self._logs)

    def verdict(self, key: str, rule: limits.RateRule, now: datetime) -> limits.RateVerdict:
        """What a hit at ``now`` would get, recording nothing; the caller holds :attr:`lock`."""
        allowed, wait = limits.sliding_window_allows(self._logs.get(key, now) or (), now, rule)
        return limits.RateVerdict(rule.name, allowed, wait)

    def record(self, key: str, rule: limits.RateRule, now: datetime) -> limits.RateVerdict:
        """Apply a hit at ``now``, keeping it if allowed; the caller holds :attr:`lock`."""
        kept, verdict = limits.hit(self._logs.get(key, now) or (), now, rule)
        if verdict.allowed:
            self._logs.put(key, kept, now + rule.window, now)
        return verdict

    async def hit(self, key: str, rule: limits.RateRule) -> tuple[bool, timedelta]:
        with self.lock:
            verdict = self.record(key, rule, self.clock.now())
        return verdict.allowed, verdict.retry_after


class InMemoryGovernanceGate:
    """Burst rules and quota reservation in one step, over the state of a ledger and a limiter.

    It holds both their locks (always the ledger's first) and reads the ledger's clock.
    """

    def __init__(self, ledger: InMemoryQuotaLedger, limiter: InMemoryRateLimiter) -> None:
        self._ledger = ledger
        self._limiter = limiter

    async def admit(
        self,
        tenant_id: ids.TenantId,
        burst: Sequence[limits.RateRule],
        windows: quotas.QuotaWindows,
        quota: quotas.QuotaLimits,
    ) -> ports.Admission:
        if len({rule.name for rule in burst}) != len(burst):
            raise errors.InvalidInput("burst rule names must be unique", code="limits.bad_rule")
        keys = [limits.tenant_key(tenant_id, rule) for rule in burst]
        with self._ledger.lock, self._limiter.lock:
            now = self._ledger.clock.now()
            verdicts = tuple(
                self._limiter.verdict(key, rule, now) for key, rule in zip(keys, burst, strict=True)
            )
            if not all(verdict.allowed for verdict in verdicts):
                return ports.Admission(verdicts, None)
            outcome = self._ledger.take(tenant_id, windows, quota, now)
            if isinstance(outcome, quotas.Reservation):
                for key, rule in zip(keys, burst, strict=True):
                    self._limiter.record(key, rule, now)
            return ports.Admission(verdicts, outcome)


if TYPE_CHECKING:
    _q: type[ports.QuotaLedger] = InMemoryQuotaLedger
    _r: type[ports.RateLimiter] = InMemoryRateLimiter
    _g: type[ports.GovernanceGate] = InMemoryGovernanceGate
