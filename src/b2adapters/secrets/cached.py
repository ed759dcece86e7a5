"""A caching wrapper for any SecretsProvider: one back-end call per name per TTL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from b2core.platform import secrets
from b2core.shared import errors, time

if TYPE_CHECKING:
    from b2core.platform.secrets import SecretsProvider


@attrs.frozen
class _Entry:
    value: str | None
    loaded_at: datetime


class CachedSecrets:
    """Keeps each answer (a miss too) for ``ttl``; ``invalidate`` forgets one name or all.

    With ``serve_stale_for`` above zero, a back-end outage (``errors.Unavailable``) answers
    with the last known value while it is younger than ``ttl + serve_stale_for``, so that a
    short Vault or cloud hiccup does not take the application down. A rotated secret is
    seen by every process within ``ttl`` of the change.
    """

    def __init__(
        self,
        inner: SecretsProvider,
        clock: time.Clock,
        ttl: timedelta = timedelta(minutes=5),
        *,
        serve_stale_for: timedelta = timedelta(0),
    ) -> None:
        if ttl < timedelta(0) or serve_stale_for < timedelta(0):
            raise errors.InvalidInput(
                "secret cache durations cannot be negative", code="secrets.bad_ttl"
            )
        self._inner = inner
        self._clock = clock
        self._ttl = ttl
        self._stale = serve_stale_for
        self._entries: dict[str, _Entry] = {}

    async def get(self, name: str) -> str | None:
        secrets.check_name(name)
        now = self._clock.now()
        entry = self._entries.get(name)
        age = None if entry is None else now - entry.loaded_at
        if entry is not None and age is not None and timedelta(0) <= age < self._ttl:
            return entry.value
        try:
            value = await self._inner.get(name)
        except errors.Unavailable:
            if (
                entry is not None
                and age is not None
                and timedelta(0) <= age < self._ttl + self._stale
            ):
                return entry.value
            raise
        self._entries[name] = _Entry(value, now)
        return value

    def invalidate(self, name: str | None = None) -> None:
        """Forget ``name`` (or every name): the next read asks the back-end."""
        if name is None:
            self._entries.clear()
        else:
            self._entries.pop(name, None)


if TYPE_CHECKING:
    _: type[SecretsProvider] = CachedSecrets
