"""Tables of the scheduling context: message templates, scheduled messages, settings."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text, UniqueConstraint

from b2adapters.sql.schema.base import metadata
from b2adapters.sql.types import UtcDateTime, id_type

message_templates = Table(
    "message_templates",
    metadata,
    Column("id", id_type(), primary_key=True),
    Column("tenant_id", id_type(), nullable=False),
    Column("name", String(100), nullable=False),
    # MessageTemplate.key (case-folded name): unique per tenant, and the list's sort key.
    Column("name_key", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("variables", JSON, nullable=False),
    # {"name", "language", "parameters": [...]} or NULL
    Column("whatsapp", JSON, nullable=True),
    Column("created_by", id_type(), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("tenant_id", "name_key"),
)

scheduled_messages = Table(
    "scheduled_messages",
    metadata,
    Column("id", id_type(), primary_key=True),
    Column("tenant_id", id_type(), nullable=False),
    Column("recipient", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("send_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("template_id", id_type(), nullable=True),
    Column("variables", JSON, nullable=False),
    Column("whatsapp", JSON, nullable=True),
    Column("retry_count", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("provider_message_id", String(200), nullable=True),
    Column("claimed_by", String(200), nullable=True),
    Column("claim_expires_at", UtcDateTime, nullable=True),
    Column("created_by", id_type(), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    # The dispatcher's scan: PENDING rows by due time.
    Index("ix_scheduled_messages_status_due_at", "status", "due_at"),
    Index("ix_scheduled_messages_tenant_id_send_at", "tenant_id", "send_at", "id"),
)

scheduling_settings = Table(
    "scheduling_settings",
    metadata,
    Column("tenant_id", id_type(), primary_key=True),
    Column("quiet_start", String(5), nullable=True),
    Column("quiet_end", String(5), nullable=True),
    Column("updated_at", UtcDateTime, nullable=True),
)
