"""Connected channels: a tenant's WhatsApp numbers and bridge sessions, secrets sealed.

A phone number id is unique across the platform. On PostgreSQL the table gets the tenant
row-level security policy; webhooks find a channel by id through a platform transaction.

Revision ID: 0004_channels
Revises: 0003_orders_ai
Create Date: 2026-01-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from b2adapters.sql.migrations import rls

revision: str = "0004_channels"
down_revision: str | Sequence[str] | None = "0003_orders_ai"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported from the schema, so this revision stays as it was written.
_ID = sa.String(36)
_AT = sa.DateTime(timezone=True)
_TABLE = "connected_channels"


def upgrade() -> None:
    """Create the table and its index, then its grant and policy (PostgreSQL)."""
    op.create_table(
        _TABLE,
        sa.Column("id", _ID, nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("phone_number_id", sa.String(32), nullable=True),
        sa.Column("provider", sa.String(16), nullable=True),
        sa.Column("base_url", sa.String(500), nullable=True),
        sa.Column("session", sa.String(100), nullable=True),
        sa.Column("sealed", sa.JSON(), nullable=False),
        sa.Column("hints", sa.JSON(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connected_channels")),
        sa.UniqueConstraint("phone_number_id", name=op.f("uq_connected_channels_phone_number_id")),
    )
    op.create_index(
        "ix_connected_channels_tenant_id_created_at", _TABLE, ["tenant_id", "created_at", "id"]
    )
    rls.execute_on_postgresql([*rls.grant_app_role([_TABLE]), *rls.tenant_isolation(_TABLE)])


def downgrade() -> None:
    """Drop the table (its policy, and every sealed secret, go with it)."""
    op.drop_index("ix_connected_channels_tenant_id_created_at", table_name=_TABLE)
    op.drop_table(_TABLE)
