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
MAX_PORT = 65535
MAX_SECRET = 512
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*$")
_USERNAME = re.compile(r"^[!-~]{1,254}$")
_ADDRESS = re.compile(r"^(?=.{3,254}$)[^@\s<>\"(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")


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


def _choice(*allowed: str) -> Check:
    def check(field: str, value: object) -> object:
        if not isinstance(value, str) or value not in allowed:
            raise _bad(field, f"one of {', '.join(allowed)}")
        return value

    return check


def _port(field: str, value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PORT:
        raise _bad(field, f"a port number between 1 and {MAX_PORT}")
    return value


def _text(pattern: re.Pattern[str], expected: str) -> Check:
    # Like _optional, but surrounding blanks are forgiven: these are typed into a form.
    def check(field: str, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, str) or not pattern.match(value.strip()):
            raise _bad(field, f"null or {expected}")
        return value.strip()

    return check


def _secret(field: str, value: object) -> object:
    # Passwords are taken as typed (blanks included); only what no SMTP AUTH can carry is refused.
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= MAX_SECRET
        or any(ord(c) < 32 or ord(c) == 127 for c in value)
    ):
        raise _bad(field, f"null or 1-{MAX_SECRET} characters without control characters")
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
    "email_provider": _choice("none", "smtp"),
    "smtp_host": _text(_HOST, "a host name or IPv4 address"),
    "smtp_port": _port,
    "smtp_username": _text(_USERNAME, "a user name of 1-254 visible characters"),
    "smtp_password": _secret,
    "smtp_security": _choice("none", "starttls", "tls"),
    "email_from": _text(_ADDRESS, "an email address such as no-reply@example.com"),
}

# Write-only: the handler seals it; it is stored, compared and shown only as "set or not".
SECRET_FIELDS = frozenset({"smtp_password"})

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
