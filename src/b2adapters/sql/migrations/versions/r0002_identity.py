"""Identity: tenant profiles, one-time tokens, the audit trail, and row-level security.

On PostgreSQL this revision also creates the ``b2_app`` role and puts ``users`` and
``audit_logs`` under tenant row-level security (see ``b2adapters.sql.migrations.rls``).
Downgrading removes the policies but keeps the role: other databases may be using it.

Revision ID: 0002_identity
Revises: 0001_foundation
Create Date: 2026-01-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from b2adapters.sql.migrations import rls

revision: str = "0002_identity"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported from the schema, so this revision stays as it was written.
_ID = sa.String(36)
_AT = sa.DateTime(timezone=True)
_TENANT_ROWS = ("users", "audit_logs")
_APP_TABLES = (
    "tenants",
    "users",
    "system_settings",
    "growth_settings",
    "one_time_tokens",
    "audit_logs",
)


def upgrade() -> None:
    """Add the profile columns, the token and audit tables, and the PostgreSQL policies."""
    _add_tenant_profile()
    op.create_table(
        "one_time_tokens",
        sa.Column("token_hash", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.Column("used_at", _AT, nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_one_time_tokens")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_one_time_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(op.f("ix_one_time_tokens_user_id"), "one_time_tokens", ["user_id"])
    _create_audit_logs()
    rls.execute_on_postgresql(
        [
            *rls.create_app_role(),
            *rls.grant_app_role(_APP_TABLES),
            *(sql for table in _TENANT_ROWS for sql in rls.tenant_isolation(table)),
        ]
    )


def _add_tenant_profile() -> None:
    # Server defaults let SQLite add NOT NULL columns to a table that may have rows.
    op.add_column("tenants", sa.Column("name_key", sa.Text(), nullable=False, server_default=""))
    op.add_column("tenants", sa.Column("phone", sa.String(32), nullable=True))
    op.add_column("tenants", sa.Column("address", sa.String(500), nullable=True))
    op.add_column("tenants", sa.Column("description", sa.Text(), nullable=True))
    op.add_column(
        "tenants",
        sa.Column("working_hours", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )
    connection = op.get_bind()
    named = connection.execute(sa.text("SELECT id, name FROM tenants")).all()
    for tenant_id, name in named:
        connection.execute(
            sa.text("UPDATE tenants SET name_key = :key WHERE id = :id"),
            {"key": name.casefold(), "id": tenant_id},
        )


def _create_audit_logs() -> None:
    op.create_table(
        "audit_logs",
        sa.Column("id", _ID, nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_user_id", _ID, nullable=True),
        sa.Column("actor_role", sa.String(32), nullable=True),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("tenant_id", _ID, nullable=True),
        sa.Column("target_type", sa.String(64), nullable=True),
        sa.Column("target_id", sa.String(255), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_logs")),
    )
    op.create_index("ix_audit_logs_tenant_id_at", "audit_logs", ["tenant_id", "at"])
    op.create_index("ix_audit_logs_action", "audit_logs", ["action"])


def downgrade() -> None:
    """Drop the policies, the new tables and the profile columns."""
    rls.execute_on_postgresql(rls.drop_tenant_isolation("users"))
    op.drop_index("ix_audit_logs_action", table_name="audit_logs")
    op.drop_index("ix_audit_logs_tenant_id_at", table_name="audit_logs")
    op.drop_table("audit_logs")
    op.drop_index(op.f("ix_one_time_tokens_user_id"), table_name="one_time_tokens")
    op.drop_table("one_time_tokens")
    for column in ("working_hours", "description", "address", "phone", "name_key"):
        op.drop_column("tenants", column)
