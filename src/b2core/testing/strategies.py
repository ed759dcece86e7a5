"""Hypothesis strategies for the domain: ids, emails, money, instants, settings and users."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import strategies as st

from b2core.iam import model as iam_model
from b2core.platform import model as platform_model
from b2core.shared import ids, money

# Bounds every database can hold: 32-bit counters, instants with microseconds.
MAX_INT32 = 2**31 - 1
_EARLIEST = datetime(1970, 1, 2)
_LATEST = datetime(2200, 1, 1)
_ZONES = (UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8)))


def id_strings() -> st.SearchStrategy[str]:
    """Opaque ids as the IdGenerator makes them: 36-character UUID strings."""
    return st.uuids().map(str)


def user_ids() -> st.SearchStrategy[ids.UserId]:
    """User ids."""
    return id_strings().map(ids.UserId)


def tenant_ids() -> st.SearchStrategy[ids.TenantId]:
    """Tenant ids."""
    return id_strings().map(ids.TenantId)


def emails() -> st.SearchStrategy[str]:
    """Email addresses already in normalized form (what ``iam.model.normalize_email`` returns)."""
    local = st.text(string.ascii_lowercase + string.digits + "._+-", min_size=1, max_size=30)
    label = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=15)
    tld = st.text(string.ascii_lowercase, min_size=2, max_size=6)
    return st.builds(lambda a, b, c: f"{a}@{b}.{c}", local, label, tld)


def currencies() -> st.SearchStrategy[str]:
    """ISO 4217-shaped currency codes (three capital letters)."""
    return st.text(string.ascii_uppercase, min_size=3, max_size=3)


def money_amounts(
    currency: str | None = None, *, min_minor: int = -(10**12), max_minor: int = 10**12
) -> st.SearchStrategy[money.Money]:
    """Money in one given currency, or in any currency when ``currency`` is None."""
    codes = st.just(currency) if currency is not None else currencies()
    return st.builds(money.Money, st.integers(min_minor, max_minor), codes)


def instants() -> st.SearchStrategy[datetime]:
    """Aware datetimes (in UTC and in a few other offsets), to the microsecond."""
    return st.datetimes(_EARLIEST, _LATEST, timezones=st.sampled_from(_ZONES))


def texts(max_size: int = 200) -> st.SearchStrategy[str]:
    """Free text every database stores as given: any encodable character but NUL."""
    return st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=max_size)


def system_settings() -> st.SearchStrategy[platform_model.SystemSettings]:
    """Any valid system settings."""
    return st.builds(
        platform_model.SystemSettings,
        global_ai_enabled=st.booleans(),
        global_whatsapp_enabled=st.booleans(),
        default_llm_provider=texts(60),
        default_llm_model=texts(),
        max_tenants=st.integers(0, MAX_INT32),
        max_messages_per_hour=st.integers(0, MAX_INT32),
        email_enabled=st.booleans(),
        email_verification_required=st.booleans(),
        password_reset_enabled=st.booleans(),
        payment_emails_enabled=st.booleans(),
        email_provider=st.sampled_from(list(platform_model.EmailProvider)),
        smtp_host=st.none() | texts(),
        smtp_port=st.integers(1, 65535),
        smtp_username=st.none() | texts(),
        smtp_password_sealed=st.none() | texts(),
        smtp_security=st.sampled_from(list(platform_model.SmtpSecurity)),
        email_from=st.none() | texts(),
        updated_at=st.none() | instants(),
    )


def growth_settings() -> st.SearchStrategy[platform_model.GrowthSettings]:
    """Any valid growth settings."""
    optional_text = st.none() | texts()
    return st.builds(
        platform_model.GrowthSettings,
        google_analytics_id=optional_text,
        facebook_pixel_id=optional_text,
        banner_coupon_code=optional_text,
        banner_message=optional_text,
        banner_expires_at=st.none() | instants(),
        updated_at=st.none() | instants(),
    )


def super_admins() -> st.SearchStrategy[iam_model.User]:
    """Platform administrators: users that belong to no tenant."""
    return st.builds(
        iam_model.User,
        id=user_ids(),
        tenant_id=st.none(),
        email=emails(),
        password_hash=texts(120).filter(bool),
        role=st.just(iam_model.Role.SUPER_ADMIN),
        created_at=instants(),
        active=st.booleans(),
        email_verified=st.booleans(),
        updated_at=st.none() | instants(),
    )
