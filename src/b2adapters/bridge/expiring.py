"""Small in-process memories that forget: QR codes kept 60 s, idempotency keys kept a day."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import attrs

V = TypeVar("V")
QR_TTL_S = 60.0
SENT_KEYS_TTL_S = 24 * 3600.0
MAX_ENTRIES = 10_000


@attrs.define
class ExpiringMap(Generic[V]):
    """Values by key, each forgotten ``ttl_s`` seconds after it was put; at most ``max_entries``.

    ``now`` is a monotonic clock in seconds (tests pass their own). When full, the oldest entry
    goes first, so the map never grows without bound.
    """

    ttl_s: float
    max_entries: int = MAX_ENTRIES
    now: Callable[[], float] = time.monotonic
    _items: collections.OrderedDict[str, tuple[float, V]] = attrs.field(
        factory=collections.OrderedDict, init=False
    )

    def get(self, key: str) -> V | None:
        """The value, or None when it was never put or has expired."""
        found = self._items.get(key)
        if found is None:
            return None
        expires, value = found
        if expires <= self.now():
            del self._items[key]
            return None
        return value

    def put(self, key: str, value: V) -> None:
        """Remember ``value`` for ``ttl_s`` seconds from now."""
        self._items.pop(key, None)
        self._items[key] = (self.now() + self.ttl_s, value)
        while len(self._items) > self.max_entries:
            self._items.popitem(last=False)

    def drop(self, key: str) -> None:
        """Forget ``key`` now."""
        self._items.pop(key, None)


@attrs.define
class SentKeys:
    """Idempotency for providers that have none: one send per key, its provider id remembered.

    HTTP bridges take no idempotency key, so a retried send would reach the customer twice.
    Sends under the same key are serialized and the first success is replayed to the others.
    The memory is per process and lasts a day: the send job's own check (the message store)
    stays the first line of defence; this one covers a retry inside the same worker.
    """

    ids: ExpiringMap[str] = attrs.field(factory=lambda: ExpiringMap[str](SENT_KEYS_TTL_S))
    _locks: dict[str, asyncio.Lock] = attrs.field(factory=dict, init=False)
    _users: collections.Counter[str] = attrs.field(factory=collections.Counter, init=False)

    async def once(self, key: str | None, send: Callable[[], Awaitable[str]]) -> str:
        """``send()``'s provider id, or the id an earlier send under ``key`` returned."""
        if key is None:
            return await send()
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with lock:
                known = self.ids.get(key)
                if known is not None:
                    return known
                provider_id = await send()
                self.ids.put(key, provider_id)
                return provider_id
        finally:
            # The lock goes when its last user leaves, so the dict holds only keys in flight.
            self._users[key] -= 1
            if self._users[key] <= 0:
                del self._users[key]
                self._locks.pop(key, None)
