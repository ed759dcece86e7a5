"""A short-lived cache of the system settings for hot paths, with explicit invalidation.

Why a TTL and not only invalidation: other processes (API replicas, workers) cannot hear this
process's ``invalidate()``; their entries simply expire. With a TTL of at most one second, a
change made anywhere is seen everywhere within one second, and each process reads the settings
row at most about once a second however many messages it handles.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from b2core.platform import model
from b2core.shared import errors, time, uow

if TYPE_CHECKING:
    from b2core.platform import ports

MAX_TTL = timedelta(seconds=1)


class _SettingsTx(uow.Transaction, Protocol):
    @property
    def settings(self) -> ports.SettingsRepository: ...


class SettingsSource(Protocol):
    """Opens platform transactions whose ``settings`` repository the cache reads."""

    def platform(self) -> AbstractAsyncContextManager[_SettingsTx]: ...


class SettingsCache:
    """The system settings, reloaded when older than ``ttl`` or after ``invalidate()``.

    A load that was under way when ``invalidate()`` ran does not store its (possibly older)
    result: the next reader loads again.
    """

    def __init__(self, source: SettingsSource, clock: time.Clock, ttl: timedelta = MAX_TTL) -> None:
        if not timedelta(0) <= ttl <= MAX_TTL:
            raise errors.InvalidInput(
                "the settings cache keeps entries for at most one second", code="settings.bad_ttl"
            )
        self._source = source
        self._clock = clock
        self._ttl = ttl
        self._value: model.SystemSettings | None = None
        self._loaded_at: datetime | None = None
        self._generation = 0

    async def current(self) -> model.SystemSettings:
        """The cached settings while fresh, else the stored ones (defaults before bootstrap)."""
        now = self._clock.now()
        if self._value is not None and self._fresh(now):
            return self._value
        generation = self._generation
        async with self._source.platform() as tx:
            stored = await tx.settings.system()
        value = stored or model.SystemSettings()
        if generation == self._generation:
            self._value, self._loaded_at = value, now
        return value

    def _fresh(self, now: datetime) -> bool:
        # A clock that went backwards counts as expired too.
        return self._loaded_at is not None and timedelta(0) <= now - self._loaded_at < self._ttl

    def invalidate(self) -> None:
        """Forget the cached settings: the next read loads them (call after a change)."""
        self._generation += 1
        self._value = None
        self._loaded_at = None


if TYPE_CHECKING:
    _: type[ports.SystemSettingsReader] = SettingsCache
