"""The transactional outbox: jobs written in the transaction of the change they follow.

Tenant transactions write rows (the tenant policy checks ``tenant_id``); the relay reads and
deletes them in platform transactions.

Revision ID: 0005_outbox
Revises: 0004_scheduling
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from b2adapters.sql.migrations import rls

revision: str = "0005_outbox"
down_revision: str | Sequence[str] | None = "0004_scheduling"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the table, then grant it to ``b2_app`` under the tenant policy (PostgreSQL)."""
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("actor_name", sa.String(100), nullable=False),
        sa.Column("queue_name", sa.String(100), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_created_at", "outbox", ["created_at"])
    rls.execute_on_postgresql([*rls.grant_app_role(["outbox"]), *rls.tenant_isolation("outbox")])


def downgrade() -> None:
    """Drop the table (its policy goes with it)."""
    op.drop_index("ix_outbox_created_at", table_name="outbox")
    op.drop_table("outbox")
