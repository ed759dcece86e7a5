"""Tables of the platform context: the system and growth settings singletons."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, Integer, Table, Text

from b2adapters.sql.schema.base import metadata
from b2adapters.sql.types import UtcDateTime

# The settings tables hold exactly one row each: id is pinned to 1 by a CHECK.
SINGLETON_ID = 1

system_settings = Table(
    "system_settings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("global_ai_enabled", Boolean, nullable=False),
    Column("global_whatsapp_enabled", Boolean, nullable=False),
    Column("default_llm_provider", Text, nullable=False),
    Column("default_llm_model", Text, nullable=False),
    Column("max_tenants", Integer, nullable=False),
    Column("max_messages_per_hour", Integer, nullable=False),
    Column("email_enabled", Boolean, nullable=False),
    Column("email_verification_required", Boolean, nullable=False),
    Column("password_reset_enabled", Boolean, nullable=False),
    Column("payment_emails_enabled", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=True),
    CheckConstraint(f"id = {SINGLETON_ID}", name="singleton"),
)

growth_settings = Table(
    "growth_settings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("google_analytics_id", Text, nullable=True),
    Column("facebook_pixel_id", Text, nullable=True),
    Column("banner_coupon_code", Text, nullable=True),
    Column("banner_message", Text, nullable=True),
    Column("banner_expires_at", UtcDateTime, nullable=True),
    Column("updated_at", UtcDateTime, nullable=True),
    CheckConstraint(f"id = {SINGLETON_ID}", name="singleton"),
)
