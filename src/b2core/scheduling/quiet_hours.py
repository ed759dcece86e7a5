"""Quiet hours: a daily span of the tenant's local time in which no scheduled message goes out.

A message due inside quiet hours is deferred to the span's end, never dropped. The span may
cross midnight (``22:00`` to ``08:00``); ``start`` is inside it, ``end`` is not. Times are the
tenant's wall clock. On the night the clocks go back, a repeated end time is taken at its first
occurrence after the message was due; on the night they go forward, an end time the clock skips
maps past the gap by the skipped amount (an end of 02:30 becomes 03:30), still outside the span.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time

import attrs

from b2core.shared import errors, ids

_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def _minutes(value: str) -> int:
    found = _HHMM.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        raise errors.InvalidInput(
            "quiet hours are given as HH:MM (24-hour clock)", code="schedule.bad_quiet_hours"
        )
    return int(found.group(1)) * 60 + int(found.group(2))


def _zone(timezone: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise errors.InvalidInput(
            f"unknown time zone {timezone!r}", code="schedule.bad_timezone"
        ) from exc


@attrs.frozen
class QuietHours:
    """From ``start`` (included) to ``end`` (excluded), ``HH:MM`` on the tenant's clock."""

    start: str
    end: str

    def __attrs_post_init__(self) -> None:
        if _minutes(self.start) == _minutes(self.end):
            raise errors.InvalidInput(
                "quiet hours must start and end at different times",
                code="schedule.bad_quiet_hours",
            )

    def _quiet_minute(self, minute: int) -> bool:
        start, end = _minutes(self.start), _minutes(self.end)
        if start < end:
            return start <= minute < end
        return minute >= start or minute < end

    def is_quiet(self, at: datetime, timezone: str) -> bool:
        """Whether ``at`` falls inside quiet hours in ``timezone``."""
        local = at.astimezone(_zone(timezone))
        return self._quiet_minute(local.hour * 60 + local.minute)

    def next_allowed(self, at: datetime, timezone: str) -> datetime:
        """``at`` itself outside quiet hours, else the (UTC) instant they end."""
        if not self.is_quiet(at, timezone):
            return at
        zone = _zone(timezone)
        local = at.astimezone(zone)
        end = _minutes(self.end)
        day = local.date()
        if local.hour * 60 + local.minute >= end:
            day += timedelta(days=1)  # inside a span that crosses midnight, before midnight
        wall = datetime.combine(day, wall_time(end // 60, end % 60))
        # A repeated wall time (clocks going back) exists twice: take the first one after ``at``.
        for fold in (0, 1):
            candidate = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
            if candidate > at:
                return candidate
        return at + timedelta(minutes=1)  # unreachable with real zones; never loop on it


@attrs.frozen
class SchedulingSettings:
    """A tenant's scheduling preferences: for now, its optional quiet hours."""

    tenant_id: ids.TenantId
    quiet_hours: QuietHours | None = None
    updated_at: datetime | None = None
