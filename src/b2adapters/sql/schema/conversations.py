"""Tables of the conversations context: conversations and their messages."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

from b2adapters.sql.schema.base import metadata
from b2adapters.sql.types import UtcDateTime, id_type

# Channel-given ids (customer, channel, provider message) are at most 200 characters
# (b2core.conversations.channel.MAX_ID); ids b2 generates are 36.
CHANNEL_ID_LENGTH = 200

# No foreign key to tenants: the tenant comes from a verified token, and the conversations
# store stays usable (and erasable) on its own, like the audit trail.
conversations = Table(
    "conversations",
    metadata,
    Column("id", id_type(), primary_key=True),
    Column("tenant_id", id_type(), nullable=False),
    Column("channel_id", String(CHANNEL_ID_LENGTH), nullable=False),
    Column("customer_id", String(CHANNEL_ID_LENGTH), nullable=False),
    Column("status", String(16), nullable=False),
    Column("assignee_id", id_type(), nullable=True),
    Column("contact_name", String(200), nullable=True),
    Column("contact_phone", String(32), nullable=True),
    Column("contact_email", String(254), nullable=True),
    Column("unread_count", Integer, nullable=False),
    Column("needs_human", Boolean, nullable=False, server_default=false()),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("last_message_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("last_inbound_at", UtcDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    # What messages reference: a message's conversation is always of the message's tenant.
    UniqueConstraint("tenant_id", "id"),
    # The same rule as model.Conversation: ASSIGNED has an assignee, nothing else has one.
    CheckConstraint("(status = 'ASSIGNED') = (assignee_id IS NOT NULL)", name="assignee"),
    CheckConstraint("unread_count >= 0 AND version >= 0", name="counts"),
    # One conversation that is not CLOSED per customer: racing openers meet here.
    Index(
        "uq_conversations_live_customer",
        "tenant_id",
        "customer_id",
        unique=True,
        postgresql_where=text("status <> 'CLOSED'"),
        sqlite_where=text("status <> 'CLOSED'"),
    ),
    # The inbox lists a tenant's conversations by latest activity.
    Index("ix_conversations_tenant_id_last_message_at", "tenant_id", "last_message_at", "id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", id_type(), primary_key=True),
    Column("tenant_id", id_type(), nullable=False),
    Column("conversation_id", id_type(), nullable=False),
    Column("channel_id", String(CHANNEL_ID_LENGTH), nullable=False),
    Column("direction", String(16), nullable=False),
    Column("type", String(16), nullable=False),
    Column("text", Text, nullable=True),
    # {"type", "media_id", "mime_type", "caption", "filename"}
    Column("media", JSON, nullable=True),
    # {"name", "language", "parameters": [...]}
    Column("template", JSON, nullable=True),
    Column("from_ai", Boolean, nullable=False),
    Column("ai_confidence", Float, nullable=True),
    Column("sender_user_id", id_type(), nullable=True),
    Column("delivery_state", String(16), nullable=True),
    Column("delivery_error", Text, nullable=True),
    Column("delivery_updated_at", UtcDateTime, nullable=True),
    Column("provider_message_id", String(CHANNEL_ID_LENGTH), nullable=True),
    Column("idempotency_key", Text, nullable=True),
    # The text or caption case-folded by the adapter, so that searching is the same
    # case-insensitive substring match on every database (and as in memory).
    Column("search_key", Text, nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(
        ["tenant_id", "conversation_id"],
        ["conversations.tenant_id", "conversations.id"],
        ondelete="CASCADE",
    ),
    # A channel's delivery repeated (webhook retries) or an outbound job retried meets these.
    Index(
        "uq_messages_provider_message_id",
        "tenant_id",
        "channel_id",
        "provider_message_id",
        unique=True,
        postgresql_where=text("provider_message_id IS NOT NULL"),
        sqlite_where=text("provider_message_id IS NOT NULL"),
    ),
    Index(
        "uq_messages_idempotency_key",
        "tenant_id",
        "idempotency_key",
        unique=True,
        postgresql_where=text("idempotency_key IS NOT NULL"),
        sqlite_where=text("idempotency_key IS NOT NULL"),
    ),
    Index(
        "ix_messages_tenant_id_conversation_id_created_at",
        "tenant_id",
        "conversation_id",
        "created_at",
        "id",
    ),
    # Search walks the tenant's messages newest first and stops once a page is full. A GIN
    # index (trigram or full-text) would not help: under row-level security PostgreSQL keeps
    # operators that are not LEAKPROOF (LIKE, @@) out of index conditions, so the b2_app role
    # never gets to use one.
    Index("ix_messages_tenant_id_created_at", "tenant_id", "created_at", "id"),
)
