"""In-memory repositories of the platform context."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from b2core.platform import model

if TYPE_CHECKING:
    from b2core.platform import ports


class _Tx(Protocol):
    def table(self, name: str) -> dict[Any, Any]: ...


class InMemorySettingsRepository:
    """The settings singletons, stored under fixed keys."""

    def __init__(self, tx: _Tx) -> None:
        self._rows: dict[str, Any] = tx.table("settings")

    async def system(self) -> model.SystemSettings | None:
        return self._rows.get("system")

    async def ensure_system(self, defaults: model.SystemSettings) -> bool:
        return self._ensure("system", defaults)

    async def save_system(self, settings: model.SystemSettings) -> None:
        self._rows["system"] = settings

    async def growth(self) -> model.GrowthSettings | None:
        return self._rows.get("growth")

    async def ensure_growth(self, defaults: model.GrowthSettings) -> bool:
        return self._ensure("growth", defaults)

    async def save_growth(self, settings: model.GrowthSettings) -> None:
        self._rows["growth"] = settings

    def _ensure(self, key: str, value: object) -> bool:
        if key in self._rows:
            return False
        self._rows[key] = value
        return True


if TYPE_CHECKING:
    _: type[ports.SettingsRepository] = InMemorySettingsRepository
