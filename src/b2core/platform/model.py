"""Platform-wide settings: the system settings and growth settings singletons."""

from __future__ import annotations

from datetime import datetime

import attrs


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


@attrs.frozen
class EmailMessage:
    """One plain-text email."""

    to: str
    subject: str
    text: str
