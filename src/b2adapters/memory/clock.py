"""A clock that moves only when told to: for tests, demos and simulations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from b2core.shared import time


class ManualClock:
    """Starts at a given instant and advances by explicit steps."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move time forward by ``delta``."""
        self._now += delta

    def set(self, moment: datetime) -> None:
        """Jump to ``moment``."""
        self._now = moment


class SequentialIds:
    """Predictable, sortable ids (``prefix-000001``) for tests and examples."""

    def __init__(self, prefix: str = "id") -> None:
        self._prefix = prefix
        self._next = 0

    def new(self) -> str:
        self._next += 1
        return f"{self._prefix}-{self._next:06d}"


if TYPE_CHECKING:
    from b2core.shared import ids

    _clock: type[time.Clock] = ManualClock
    _ids: type[ids.IdGenerator] = SequentialIds
