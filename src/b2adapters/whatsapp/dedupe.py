"""Replay protection for webhooks: each message id and status report is taken once a week.

Meta's signature covers the body but no timestamp, so a captured delivery stays valid forever
and Meta itself redelivers on timeouts. Remembering ids for 7 days drops both.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

import attrs

from b2adapters.redis import connection, keys
from b2core.shared import time

REMEMBER_FOR = timedelta(days=7)


class WebhookDeduper(Protocol):
    """Remembers which provider events of a tenant were already taken."""

    async def first_seen(self, tenant_id: str, event_key: str) -> bool:
        """True the first time ``event_key`` is seen for the tenant (and remember it)."""
        ...

    async def forget(self, tenant_id: str, event_key: str) -> None:
        """Let ``event_key`` through again (its handling failed before taking effect)."""
        ...


@attrs.define
class InMemoryWebhookDeduper:
    """Seen keys in a dict with their expiry, read from the clock."""

    clock: time.Clock
    _seen: dict[tuple[str, str], datetime] = attrs.field(factory=dict, init=False)

    async def first_seen(self, tenant_id: str, event_key: str) -> bool:
        """True unless the key was seen in the last 7 days."""
        now = self.clock.now()
        expires = self._seen.get((tenant_id, event_key))
        if expires is not None and expires > now:
            return False
        self._seen[(tenant_id, event_key)] = now + REMEMBER_FOR
        return True

    async def forget(self, tenant_id: str, event_key: str) -> None:
        """Drop the key."""
        self._seen.pop((tenant_id, event_key), None)


@attrs.frozen
class RedisWebhookDeduper:
    """``SET key 1 NX EX 604800``: one atomic round trip, and the key always expires."""

    redis: connection.RedisLike
    key_space: keys.KeySpace

    def _key(self, tenant_id: str, event_key: str) -> str:
        # Provider ids are free-form: the digest keeps them from shaping the key.
        return self.key_space.tenant(tenant_id, "wa-seen", keys.digest(event_key))

    async def first_seen(self, tenant_id: str, event_key: str) -> bool:
        """True when this call stored the key."""
        key = self._key(tenant_id, event_key)
        with connection.unavailable_on_failure():
            stored = await self.redis.set(key, 1, nx=True, ex=int(REMEMBER_FOR.total_seconds()))
        return bool(stored)

    async def forget(self, tenant_id: str, event_key: str) -> None:
        """Delete the key."""
        with connection.unavailable_on_failure():
            await self.redis.delete(self._key(tenant_id, event_key))
