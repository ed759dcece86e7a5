"""Rules of scheduling: recipients' phone numbers, when a message may be scheduled, retries and
the customer's 24-hour service window. Pure functions, no I/O.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, timedelta

from b2core.shared import errors

#: A send time this far in the past still counts as "now" (clock skew, slow networks).
PAST_GRACE = timedelta(minutes=1)
#: How far ahead a message may be scheduled.
MAX_AHEAD = timedelta(days=366)
#: WhatsApp's customer service window: free-form messages only within this time after the
#: customer's last message; outside it, only an approved template.
SERVICE_WINDOW = timedelta(hours=24)
#: Attempts of one message before it is FAILED for good.
MAX_ATTEMPTS = 3
#: Delay before the second attempt; each further attempt waits four times longer.
FIRST_RETRY_DELAY = timedelta(minutes=1)

_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_SEPARATORS = re.compile(r"[\s().-]")
_MAX_TIME_TEXT = 64


def is_e164(value: object) -> bool:
    """Whether ``value`` is already an E.164 number: ``+`` and 8 to 15 digits, no leading 0."""
    return isinstance(value, str) and _E164.fullmatch(value) is not None


def normalize_phone(raw: object) -> str:
    """``raw`` as an E.164 number; spaces, dots, dashes and parentheses are dropped first.

    Raises:
        errors.InvalidInput: ``schedule.bad_phone``.
    """
    phone = _SEPARATORS.sub("", raw) if isinstance(raw, str) and len(raw) <= 40 else None
    if phone is None or not is_e164(phone):
        raise errors.InvalidInput(
            "a recipient phone number is '+' and 8 to 15 digits (E.164), e.g. +5511987654321",
            code="schedule.bad_phone",
        )
    return phone


def _bad_time(message: str) -> errors.InvalidInput:
    return errors.InvalidInput(message, code="schedule.bad_time")


def parse_send_at(value: str | datetime, timezone: str) -> datetime:
    """The instant ``value`` names, in UTC.

    ``value`` is an ISO 8601 date and time, normally with an offset (``2026-03-01T09:30-03:00``,
    ``...Z``). Without an offset it is a wall-clock time in the tenant's ``timezone``; a wall
    time that the zone skips (a clock change) is refused, an ambiguous one is the earlier.

    Raises:
        errors.InvalidInput: ``schedule.bad_time``.
    """
    if isinstance(value, str):
        text = value.strip()
        if len(text) > _MAX_TIME_TEXT or len(text) <= len("YYYY-MM-DD"):
            raise _bad_time("the send time must be an ISO 8601 date and time with an offset")
        try:
            value = datetime.fromisoformat(text)
        except ValueError as exc:
            raise _bad_time("the send time must be an ISO 8601 date and time") from exc
    if not isinstance(value, datetime):
        raise _bad_time("the send time must be a date and time")
    if value.utcoffset() is not None:
        return value.astimezone(UTC)
    return _from_wall_clock(value, timezone)


def _from_wall_clock(wall: datetime, timezone: str) -> datetime:
    try:
        zone = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise _bad_time(f"unknown time zone {timezone!r}") from exc
    moment = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != wall:
        raise _bad_time(f"{wall.isoformat()} does not exist in {timezone} (a clock change)")
    return moment


def check_send_at(send_at: datetime, now: datetime) -> None:
    """Refuse a time in the past (``schedule.in_past``) or too far ahead (``schedule.too_far``)."""
    if send_at < now - PAST_GRACE:
        raise errors.InvalidInput("the send time is in the past", code="schedule.in_past")
    if send_at > now + MAX_AHEAD:
        raise errors.InvalidInput(
            f"messages are scheduled at most {MAX_AHEAD.days} days ahead", code="schedule.too_far"
        )


def retry_delay(failures: int) -> timedelta:
    """How long to wait after the ``failures``-th failed attempt (1 min, 4 min, ...)."""
    return FIRST_RETRY_DELAY * (1 << 2 * max(failures - 1, 0))  # 4 ** (failures - 1)


def window_open(last_customer_message_at: datetime | None, now: datetime) -> bool:
    """Whether the customer wrote within the last 24 hours, so free-form text may be sent."""
    return last_customer_message_at is not None and now - last_customer_message_at < SERVICE_WINDOW
