"""In-memory send rate: token buckets of one process, atomic under a lock, expiring by the clock."""

from __future__ import annotations

import math
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from b2core.conversations.handlers import sending

if TYPE_CHECKING:
    from b2core.conversations import ports
    from b2core.shared import time

_SWEEP_AT = 1024
_ONE_US = timedelta(microseconds=1)


@attrs.frozen
class _Bucket:
    tokens: float
    at: datetime
    expires_at: datetime  # when it would be full again: from then on, no entry means the same


def _micros(seconds: float) -> timedelta:
    # Rounded up, so that sleeping the wait is enough, but forgiving float noise (1/(1/6) is 6).
    return timedelta(microseconds=math.ceil(seconds * 1_000_000 - 1e-6))


class InMemorySendRate:
    """Token buckets for the workers of one process (the embedded mode).

    The lock is a thread lock, held without awaiting, so callers in threads share it too.
    A bucket is dropped once it would have refilled, exactly like the Redis key's expiry.
    """

    def __init__(self, clock: time.Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        self._sweep_at = _SWEEP_AT

    def __len__(self) -> int:
        """How many buckets are live now (expired ones are not counted)."""
        now = self._clock.now()
        with self._lock:
            return sum(1 for bucket in self._buckets.values() if bucket.expires_at > now)

    async def acquire(self, channel_key: str, rate_per_s: float, burst: int) -> timedelta:
        """Take a token now (zero), or say how long until one is there (nothing taken)."""
        sending.check_bucket(channel_key, rate_per_s, burst)
        with self._lock:
            now = self._clock.now()
            tokens = self._tokens(channel_key, now, rate_per_s, burst)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / rate_per_s
            refilled = now + _micros((burst - tokens) / rate_per_s)
            self._buckets[channel_key] = _Bucket(tokens, now, refilled)
            self._sweep(now)
        if wait == 0:
            return timedelta(0)
        return max(_micros(wait), _ONE_US)  # never zero: zero means a token was taken

    def _tokens(self, key: str, now: datetime, rate_per_s: float, burst: int) -> float:
        bucket = self._buckets.get(key)
        if bucket is None or bucket.expires_at <= now:
            return float(burst)
        # A clock that went back adds nothing (and takes nothing away).
        gained = max(0.0, (now - bucket.at).total_seconds()) * rate_per_s
        return min(float(burst), bucket.tokens + gained)

    def _sweep(self, now: datetime) -> None:
        if len(self._buckets) < self._sweep_at:
            return
        # Amortized: memory stays bounded by the live buckets however many keys come and go.
        self._buckets = {k: b for k, b in self._buckets.items() if b.expires_at > now}
        self._sweep_at = max(_SWEEP_AT, 2 * len(self._buckets))


if TYPE_CHECKING:
    _port: type[ports.SendRate] = InMemorySendRate
