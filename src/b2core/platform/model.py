"""Platform-wide settings: the system settings and growth settings singletons."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from b2core.shared import errors

# Bound into the sealed SMTP password: a token sealed for anything else does not open as it.
SMTP_PASSWORD_CONTEXT = "system_settings.smtp_password"


class EmailProvider(enum.StrEnum):
    """Who sends the platform's email."""

    NONE = "none"
    SMTP = "smtp"


class SmtpSecurity(enum.StrEnum):
    """How the SMTP connection is protected: not at all, upgraded (STARTTLS) or TLS throughout."""

    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


@attrs.frozen
class SystemSettings:
    """Switches and limits for the whole platform. Defaults are safe: optional features off."""

    global_ai_enabled: bool = True
    global_whatsapp_enabled: bool = True
    default_llm_provider: str = "offline"
    default_llm_model: str = "catalog-responder"
    max_tenants: int = attrs.field(default=1000, validator=attrs.validators.ge(0))
    max_messages_per_hour: int = attrs.field(default=1000, validator=attrs.validators.ge(0))
    email_enabled: bool = False
    email_verification_required: bool = False
    password_reset_enabled: bool = False
    payment_emails_enabled: bool = False
    # How email leaves: "none" (the deployment's default mailer) or "smtp" with these fields.
    # The SMTP password is kept only sealed (the field cipher's token), never in clear.
    email_provider: str = EmailProvider.NONE
    smtp_host: str | None = None
    smtp_port: int = attrs.field(
        default=587, validator=[attrs.validators.ge(1), attrs.validators.le(65535)]
    )
    smtp_username: str | None = None
    smtp_password_sealed: str | None = None
    smtp_security: str = SmtpSecurity.STARTTLS
    email_from: str | None = None
    updated_at: datetime | None = None


@attrs.frozen
class GrowthSettings:
    """What a public front end may show for marketing; everything empty by default."""

    google_analytics_id: str | None = None
    facebook_pixel_id: str | None = None
    banner_coupon_code: str | None = None
    banner_message: str | None = None
    banner_expires_at: datetime | None = None
    updated_at: datetime | None = None


def _one_header_line(value: str) -> None:
    # A line break in a header would let a value add headers or recipients of its own.
    if "\r" in value or "\n" in value:
        raise errors.InvalidInput("an email header holds a line break", code="email.bad_header")


def _check_line(_: object, __: object, value: str) -> None:
    _one_header_line(value)


def _check_headers(_: object, __: object, headers: tuple[tuple[str, str], ...]) -> None:
    for name, value in headers:
        if not name or not all(33 <= ord(c) <= 126 and c != ":" for c in name):
            raise errors.InvalidInput(f"{name!r} is not a header name", code="email.bad_header")
        _one_header_line(value)


@attrs.frozen
class EmailMessage:
    """One email: a plain-text body, optionally an HTML alternative and extra headers."""

    to: str = attrs.field(validator=_check_line)
    subject: str = attrs.field(validator=_check_line)
    text: str
    html: str | None = None
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), validator=_check_headers)
