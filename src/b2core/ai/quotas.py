"""Quota windows (daily, monthly at the billing anchor) and the reserve-or-refuse rule.

Every ``QuotaLedger`` adapter (Redis, SQL, memory) applies :func:`decide_reservation`
atomically and keys its counters by ``tenant`` plus :attr:`Window.id`, expiring them at
:attr:`Window.end`; the tests of this module pin down the rule they all share.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta

import attrs

from b2core.ai import model
from b2core.shared import errors, ids
from b2core.shared import time as shared_time

DAY = timedelta(days=1)


@attrs.frozen
class Window:
    """A half-open interval ``[start, end)`` of UTC time with a stable id (a key suffix)."""

    id: str
    start: datetime
    end: datetime

    def contains(self, at: datetime) -> bool:
        """Whether ``at`` falls inside this window."""
        return self.start <= shared_time.ensure_utc(at) < self.end

    def time_left(self, at: datetime) -> timedelta:
        """How long until the window ends, seen from ``at``: the counter key's expiry."""
        return max(self.end - shared_time.ensure_utc(at), timedelta(0))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def daily_window(at: datetime) -> Window:
    """The UTC calendar day holding ``at``; it rolls at 00:00 UTC. Id: ``d:YYYY-MM-DD``."""
    day = shared_time.ensure_utc(at).date()
    return Window(id=f"d:{day.isoformat()}", start=_midnight(day), end=_midnight(day) + DAY)


def _check_anchor(anchor_day: int | None) -> int:
    if anchor_day is None:
        return 1
    if isinstance(anchor_day, bool) or not 1 <= anchor_day <= 31:
        raise errors.InvalidInput("anchor day must be 1 to 31", code="quota.bad_anchor")
    return anchor_day


def _period_start(year: int, month: int, anchor_day: int) -> date:
    # An anchor past the month's end (the 31st in April) is clamped to its last day; the next
    # period starts on the anchor day again, because each month is clamped independently.
    return date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def monthly_window(at: datetime, anchor_day: int | None = None) -> Window:
    """The billing period holding ``at``. Id: ``m:YYYY-MM-DD`` of the period's first day.

    Periods start at 00:00 UTC on ``anchor_day`` of each month (clamped to the month's last
    day); without an anchor they are calendar months. Every period lasts 28 to 31 days.
    """
    anchor = _check_anchor(anchor_day)
    day = shared_time.ensure_utc(at).date()
    start = _period_start(day.year, day.month, anchor)
    if day < start:
        start = _period_start(*_add_months(day.year, day.month, -1), anchor)
    end = _period_start(*_add_months(start.year, start.month, 1), anchor)
    return Window(id=f"m:{start.isoformat()}", start=_midnight(start), end=_midnight(end))


def anchor_day_of(billing_anchor: datetime) -> int:
    """The UTC day of month of a subscription's billing-cycle anchor."""
    return shared_time.ensure_utc(billing_anchor).day


@attrs.frozen
class QuotaWindows:
    """The daily and the monthly window that one instant falls in."""

    daily: Window
    monthly: Window

    @classmethod
    def at(cls, instant: datetime, anchor_day: int | None = None) -> QuotaWindows:
        """Windows of ``instant``; ``anchor_day`` is None when the tenant has no subscription."""
        return cls(daily=daily_window(instant), monthly=monthly_window(instant, anchor_day))


def _count(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.InvalidInput(
            f"{attribute.name} must be a non-negative integer", code="quota.bad_number"
        )


@attrs.frozen
class QuotaLimits:
    """How many AI replies a tenant may have per daily and per monthly window (0: none)."""

    daily: int = attrs.field(validator=_count)
    monthly: int = attrs.field(validator=_count)


@attrs.frozen
class QuotaUsage:
    """Units counted so far in the current daily and monthly windows."""

    daily: int = attrs.field(default=0, validator=_count)
    monthly: int = attrs.field(default=0, validator=_count)

    def plus(self, units: int) -> QuotaUsage:
        """Usage after ``units`` more in both windows."""
        return QuotaUsage(self.daily + units, self.monthly + units)

    def minus(self, units: int) -> QuotaUsage:
        """Usage after giving ``units`` back in both windows; a counter never goes below 0."""
        return QuotaUsage(max(self.daily - units, 0), max(self.monthly - units, 0))


@attrs.frozen
class ReservationDecision:
    """The outcome of :func:`decide_reservation`: granted with new usage, or refused."""

    granted: bool
    reason: model.BlockReason | None
    usage: QuotaUsage


def decide_reservation(
    limits: QuotaLimits, usage: QuotaUsage, units: int = 1
) -> ReservationDecision:
    """Reserve ``units`` in both windows, or in none.

    Granted only when both counters stay within their limits afterwards. When refused the
    usage is unchanged and the reason is MONTHLY_LIMIT if the monthly window is full (a new
    day would not help), else DAILY_LIMIT.
    """
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise errors.InvalidInput("units must be a positive integer", code="quota.bad_number")
    if usage.monthly + units > limits.monthly:
        return ReservationDecision(False, model.BlockReason.MONTHLY_LIMIT, usage)
    if usage.daily + units > limits.daily:
        return ReservationDecision(False, model.BlockReason.DAILY_LIMIT, usage)
    return ReservationDecision(True, None, usage.plus(units))


@attrs.frozen
class Reservation:
    """Units held in both windows for one AI call, as a ledger granted them.

    Refunding gives back exactly ``units`` in exactly these ``windows`` (not the current ones,
    should the clock have moved on), and at most once however often it is asked.
    """

    id: str
    tenant_id: ids.TenantId
    windows: QuotaWindows
    units: int = attrs.field(default=1, validator=_count)
