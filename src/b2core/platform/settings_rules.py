"""Which settings fields an operator may change, and what values each accepts."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime

from b2core.shared import errors

Check = Callable[[str, object], object]

MAX_COUNT = 10_000_000
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$")
_TRACKING_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_PIXEL_ID = re.compile(r"^[0-9]{1,32}$")
_COUPON = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_BANNER_MESSAGE = 500


def _bad(field: str, expected: str) -> errors.InvalidInput:
    return errors.InvalidInput(f"{field} must be {expected}", code="settings.bad_value")


def _flag(field: str, value: object) -> object:
    if not isinstance(value, bool):
        raise _bad(field, "true or false")
    return value


def _count(field: str, value: object) -> object:
    # bool is an int in Python; a switch value where a count belongs is a client mistake.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise _bad(field, f"an integer between 0 and {MAX_COUNT}")
    return value


def _name(field: str, value: object) -> object:
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        raise _bad(field, "a name of 1-100 letters, digits or . _ : / -")
    return value


def _optional(pattern: re.Pattern[str], expected: str) -> Check:
    def check(field: str, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, str) or not pattern.match(value):
            raise _bad(field, f"null or {expected}")
        return value

    return check


def _message(field: str, value: object) -> object:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_BANNER_MESSAGE:
        raise _bad(field, f"null or a text of 1-{MAX_BANNER_MESSAGE} characters")
    return value.strip()


def _instant(field: str, value: object) -> object:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise _bad(field, "null or a date-time with a UTC offset")
    return value


SYSTEM_FIELDS: Mapping[str, Check] = {
    "global_ai_enabled": _flag,
    "global_whatsapp_enabled": _flag,
    "default_llm_provider": _name,
    "default_llm_model": _name,
    "max_tenants": _count,
    "max_messages_per_hour": _count,
    "email_enabled": _flag,
    "email_verification_required": _flag,
    "password_reset_enabled": _flag,
    "payment_emails_enabled": _flag,
}

GROWTH_FIELDS: Mapping[str, Check] = {
    "google_analytics_id": _optional(_TRACKING_ID, "letters, digits and dashes (up to 64)"),
    "facebook_pixel_id": _optional(_PIXEL_ID, "digits (up to 32)"),
    "banner_coupon_code": _optional(_COUPON, "letters, digits, _ and - (up to 64)"),
    "banner_message": _message,
    "banner_expires_at": _instant,
}


def checked(changes: Mapping[str, object], fields: Mapping[str, Check]) -> dict[str, object]:
    """``changes`` with every value checked (and normalized) by its field's rule.

    Raises ``errors.InvalidInput``: ``settings.empty_update`` when nothing is given,
    ``settings.unknown_field`` for a field nobody may change, ``settings.bad_value`` for a value
    the field does not take (the message names the field and what it takes).
    """
    if not changes:
        raise errors.InvalidInput(
            "name at least one setting to change", code="settings.empty_update"
        )
    unknown = sorted(set(changes) - set(fields))
    if unknown:
        raise errors.InvalidInput(
            f"unknown settings: {', '.join(unknown)}", code="settings.unknown_field"
        )
    return {name: fields[name](name, value) for name, value in changes.items()}
