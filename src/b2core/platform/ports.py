"""Ports of the platform context."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from b2core.platform import model
from b2core.shared import uow


class SettingsRepository(Protocol):
    """The two settings singletons. ``ensure_*`` is safe under any number of racing callers."""

    async def system(self) -> model.SystemSettings | None:
        """The stored system settings, or None before bootstrap."""
        ...

    async def ensure_system(self, defaults: model.SystemSettings) -> bool:
        """Store ``defaults`` unless a row exists; True when this call created it."""
        ...

    async def save_system(self, settings: model.SystemSettings) -> None:
        """Replace the stored system settings."""
        ...

    async def growth(self) -> model.GrowthSettings | None:
        """The stored growth settings, or None before bootstrap."""
        ...

    async def ensure_growth(self, defaults: model.GrowthSettings) -> bool:
        """Store ``defaults`` unless a row exists; True when this call created it."""
        ...

    async def save_growth(self, settings: model.GrowthSettings) -> None:
        """Replace the stored growth settings."""
        ...


class PlatformTx(uow.Transaction, Protocol):
    """A platform-wide transaction of the platform context."""

    @property
    def settings(self) -> SettingsRepository: ...


class PlatformUoW(Protocol):
    """Opens platform transactions."""

    def platform(self) -> AbstractAsyncContextManager[PlatformTx]: ...


class Mailer(Protocol):
    """Sends email. Raises ``errors.Unavailable`` when the provider cannot take it now."""

    async def send(self, message: model.EmailMessage) -> None:
        """Deliver ``message`` (or hand it to the provider)."""
        ...
