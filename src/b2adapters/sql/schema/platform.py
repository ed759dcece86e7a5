"""Tables of the platform context: the settings singletons and the audit trail."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, CheckConstraint, Column, Index, Integer, String, Table, Text

from b2adapters.sql.schema.base import metadata
from b2adapters.sql.types import UtcDateTime, id_type

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
    Column("email_provider", String(16), nullable=False, server_default="none"),
    Column("smtp_host", Text, nullable=True),
    Column("smtp_port", Integer, nullable=False, server_default="587"),
    Column("smtp_username", Text, nullable=True),
    Column("smtp_password_sealed", Text, nullable=True),  # field cipher token, never clear
    Column("smtp_security", String(16), nullable=False, server_default="starttls"),
    Column("email_from", Text, nullable=True),
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

# Append-only. No foreign keys on purpose: the trail outlives the users and tenants it names.
audit_logs = Table(
    "audit_logs",
    metadata,
    Column("id", id_type(), primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_kind", String(16), nullable=False),
    Column("actor_user_id", id_type(), nullable=True),
    Column("actor_role", String(32), nullable=True),
    Column("action", String(100), nullable=False),
    Column("tenant_id", id_type(), nullable=True),
    Column("target_type", String(64), nullable=True),
    Column("target_id", String(255), nullable=True),
    Column("metadata", JSON, nullable=False),
    Column("ip", String(64), nullable=True),
    Index("ix_audit_logs_tenant_id_at", "tenant_id", "at"),
    Index("ix_audit_logs_action", "action"),
)
