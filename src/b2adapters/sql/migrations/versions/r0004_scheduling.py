"""Scheduling: message templates, scheduled messages and per-tenant scheduling settings.

Template names are unique per (tenant, case-folded name). The dispatcher scans PENDING rows by
``due_at`` across tenants from a platform transaction; on PostgreSQL every table gets the
tenant row-level security policy.

Revision ID: 0004_scheduling
Revises: 0003_conversations
Create Date: 2026-01-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from b2adapters.sql.migrations import rls

revision: str = "0004_scheduling"
down_revision: str | Sequence[str] | None = "0003_conversations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported from the schema, so this revision stays as it was written.
_ID = sa.String(36)
_AT = sa.DateTime(timezone=True)
_TABLES = ("message_templates", "scheduled_messages", "scheduling_settings")


def upgrade() -> None:
    """Create the tables, then grant them to ``b2_app`` under tenant policies (PostgreSQL)."""
    op.create_table(
        "message_templates",
        sa.Column("id", _ID, nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("whatsapp", sa.JSON(), nullable=True),
        sa.Column("created_by", _ID, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_templates")),
        sa.UniqueConstraint(
            "tenant_id", "name_key", name=op.f("uq_message_templates_tenant_id_name_key")
        ),
    )
    _create_scheduled_messages()
    op.create_table(
        "scheduling_settings",
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("quiet_start", sa.String(5), nullable=True),
        sa.Column("quiet_end", sa.String(5), nullable=True),
        sa.Column("updated_at", _AT, nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_scheduling_settings")),
    )
    rls.execute_on_postgresql(
        [
            *rls.grant_app_role(_TABLES),
            *(sql for table in _TABLES for sql in rls.tenant_isolation(table)),
        ]
    )


def _create_scheduled_messages() -> None:
    op.create_table(
        "scheduled_messages",
        sa.Column("id", _ID, nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("recipient", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("send_at", _AT, nullable=False),
        sa.Column("due_at", _AT, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("template_id", _ID, nullable=True),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("whatsapp", sa.JSON(), nullable=True),
        sa.Column("retry_count", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", _AT, nullable=True),
        sa.Column("finished_at", _AT, nullable=True),
        sa.Column("provider_message_id", sa.String(200), nullable=True),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("claim_expires_at", _AT, nullable=True),
        sa.Column("created_by", _ID, nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_messages")),
    )
    op.create_index(
        "ix_scheduled_messages_status_due_at", "scheduled_messages", ["status", "due_at"]
    )
    op.create_index(
        "ix_scheduled_messages_tenant_id_send_at",
        "scheduled_messages",
        ["tenant_id", "send_at", "id"],
    )


def downgrade() -> None:
    """Drop the tables (their policies go with them)."""
    op.drop_index("ix_scheduled_messages_tenant_id_send_at", table_name="scheduled_messages")
    op.drop_index("ix_scheduled_messages_status_due_at", table_name="scheduled_messages")
    for table in reversed(_TABLES):
        op.drop_table(table)
