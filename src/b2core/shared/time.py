"""The Clock port and small helpers for aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Tells the current time. Always an aware datetime in UTC."""

    def now(self) -> datetime:
        """Return the current instant as an aware UTC datetime."""
        ...


def ensure_utc(moment: datetime) -> datetime:
    """Return ``moment`` in UTC; naive datetimes are refused because their zone is a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: an explicit time zone is required")
    return moment.astimezone(UTC)
