"""Conversations: the conversations and messages tables, with row-level security.

At most one conversation that is not CLOSED per (tenant, customer), a partial unique index;
messages are unique per (tenant, channel, provider message id) and per (tenant, idempotency
key). On PostgreSQL both tables get tenant row-level security.

Message search has no GIN index (full-text or trigram): under row-level security PostgreSQL
keeps operators that are not LEAKPROOF (``LIKE``, ``@@``) out of index conditions, so the
``b2_app`` role could never use one. Search walks the tenant's messages newest first on
(tenant_id, created_at, id) instead, and stops once a page is full.

Revision ID: 0003_conversations
Revises: 0002_identity
Create Date: 2026-01-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from b2adapters.sql.migrations import rls

revision: str = "0003_conversations"
down_revision: str | Sequence[str] | None = "0002_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported from the schema, so this revision stays as it was written.
_ID = sa.String(36)
_AT = sa.DateTime(timezone=True)
_CHANNEL_ID = sa.String(200)
_TABLES = ("conversations", "messages")


def upgrade() -> None:
    """Create both tables, their indexes and (on PostgreSQL) their policies."""
    _create_conversations()
    _create_messages()
    rls.execute_on_postgresql(
        [
            *rls.grant_app_role(_TABLES),
            *(sql for table in _TABLES for sql in rls.tenant_isolation(table)),
        ]
    )


def _create_conversations() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", _ID, nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("channel_id", _CHANNEL_ID, nullable=False),
        sa.Column("customer_id", _CHANNEL_ID, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee_id", _ID, nullable=True),
        sa.Column("contact_name", sa.String(200), nullable=True),
        sa.Column("contact_phone", sa.String(32), nullable=True),
        sa.Column("contact_email", sa.String(254), nullable=True),
        sa.Column("unread_count", sa.Integer(), nullable=False),
        sa.Column("needs_human", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("opened_at", _AT, nullable=False),
        sa.Column("last_message_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.Column("last_inbound_at", _AT, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_conversations_tenant_id_id")),
        sa.CheckConstraint(
            "(status = 'ASSIGNED') = (assignee_id IS NOT NULL)",
            name=op.f("ck_conversations_assignee"),
        ),
        sa.CheckConstraint(
            "unread_count >= 0 AND version >= 0", name=op.f("ck_conversations_counts")
        ),
    )
    op.create_index(
        "uq_conversations_live_customer",
        "conversations",
        ["tenant_id", "customer_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'CLOSED'"),
        sqlite_where=sa.text("status <> 'CLOSED'"),
    )
    op.create_index(
        "ix_conversations_tenant_id_last_message_at",
        "conversations",
        ["tenant_id", "last_message_at", "id"],
    )


def _create_messages() -> None:
    op.create_table(
        "messages",
        sa.Column("id", _ID, nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("conversation_id", _ID, nullable=False),
        sa.Column("channel_id", _CHANNEL_ID, nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("media", sa.JSON(), nullable=True),
        sa.Column("template", sa.JSON(), nullable=True),
        sa.Column("from_ai", sa.Boolean(), nullable=False),
        sa.Column("ai_confidence", sa.Float(), nullable=True),
        sa.Column("sender_user_id", _ID, nullable=True),
        sa.Column("delivery_state", sa.String(16), nullable=True),
        sa.Column("delivery_error", sa.Text(), nullable=True),
        sa.Column("delivery_updated_at", _AT, nullable=True),
        sa.Column("provider_message_id", _CHANNEL_ID, nullable=True),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("search_key", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "conversation_id"],
            ["conversations.tenant_id", "conversations.id"],
            name=op.f("fk_messages_tenant_id_conversations"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "uq_messages_provider_message_id",
        "messages",
        ["tenant_id", "channel_id", "provider_message_id"],
        unique=True,
        postgresql_where=sa.text("provider_message_id IS NOT NULL"),
        sqlite_where=sa.text("provider_message_id IS NOT NULL"),
    )
    op.create_index(
        "uq_messages_idempotency_key",
        "messages",
        ["tenant_id", "idempotency_key"],
        unique=True,
        postgresql_where=sa.text("idempotency_key IS NOT NULL"),
        sqlite_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.create_index(
        "ix_messages_tenant_id_conversation_id_created_at",
        "messages",
        ["tenant_id", "conversation_id", "created_at", "id"],
    )
    op.create_index(
        "ix_messages_tenant_id_created_at", "messages", ["tenant_id", "created_at", "id"]
    )


def downgrade() -> None:
    """Drop both tables; their indexes, grants and policies go with them."""
    op.drop_table("messages")
    op.drop_table("conversations")
