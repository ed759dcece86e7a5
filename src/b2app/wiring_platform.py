"""Composition of platform operations: the settings cache and the audit and settings stores.

Part of the composition root (``b2app.bootstrap`` calls it). The unit of work chosen by the
database wiring serves the platform's narrow protocols too.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from b2core.platform import cache, ports, settings_handlers
from b2core.shared import time

if TYPE_CHECKING:
    from b2app.bootstrap import Wiring


class _LateClock:
    """Reads the container's clock at each call, so that test overrides apply."""

    def __init__(self, container: Any) -> None:
        self._container = container

    def now(self) -> datetime:
        clock: time.Clock = self._container.resolve(time.Clock)
        return clock.now()


def register(wiring: Wiring) -> None:
    """Register the settings cache (one per process) and the platform's storage ports."""
    container = wiring.container

    def uow() -> Any:
        return container.resolve(ports.PlatformUoW)

    container.register(settings_handlers.SettingsUoW, factory=uow)
    container.register(ports.AuditUoW, factory=uow)
    wiring.singleton(cache.SettingsCache, lambda: cache.SettingsCache(uow(), _LateClock(container)))
    container.register(
        ports.SystemSettingsReader, factory=lambda: container.resolve(cache.SettingsCache)
    )
