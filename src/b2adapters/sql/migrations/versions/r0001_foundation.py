"""Foundation: platform settings singletons, tenants and users.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_foundation"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types are spelled out here, not imported from the schema, so this revision stays as it was
# written when the schema moves on. UtcDateTime stores as DateTime(timezone=True).
_ID = sa.String(36)
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the tables of the foundation."""
    _create_settings()
    op.create_table(
        "tenants",
        sa.Column("id", _ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
    )
    op.create_table(
        "users",
        sa.Column("id", _ID, nullable=False),
        sa.Column("tenant_id", _ID, nullable=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("email_verified", sa.Boolean(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_users_tenant_id_tenants"),
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.CheckConstraint(
            "(role = 'SUPER_ADMIN') = (tenant_id IS NULL)",
            name=op.f("ck_users_super_admin_has_no_tenant"),
        ),
    )
    op.create_index(op.f("ix_users_tenant_id"), "users", ["tenant_id"])


def _create_settings() -> None:
    flag = sa.Boolean()
    op.create_table(
        "system_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("global_ai_enabled", flag, nullable=False),
        sa.Column("global_whatsapp_enabled", flag, nullable=False),
        sa.Column("default_llm_provider", sa.Text(), nullable=False),
        sa.Column("default_llm_model", sa.Text(), nullable=False),
        sa.Column("max_tenants", sa.Integer(), nullable=False),
        sa.Column("max_messages_per_hour", sa.Integer(), nullable=False),
        sa.Column("email_enabled", flag, nullable=False),
        sa.Column("email_verification_required", flag, nullable=False),
        sa.Column("password_reset_enabled", flag, nullable=False),
        sa.Column("payment_emails_enabled", flag, nullable=False),
        sa.Column("updated_at", _AT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_settings")),
        sa.CheckConstraint("id = 1", name=op.f("ck_system_settings_singleton")),
    )
    op.create_table(
        "growth_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("google_analytics_id", sa.Text(), nullable=True),
        sa.Column("facebook_pixel_id", sa.Text(), nullable=True),
        sa.Column("banner_coupon_code", sa.Text(), nullable=True),
        sa.Column("banner_message", sa.Text(), nullable=True),
        sa.Column("banner_expires_at", _AT, nullable=True),
        sa.Column("updated_at", _AT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_growth_settings")),
        sa.CheckConstraint("id = 1", name=op.f("ck_growth_settings_singleton")),
    )


def downgrade() -> None:
    """Drop the tables of the foundation."""
    op.drop_index(op.f("ix_users_tenant_id"), table_name="users")
    op.drop_table("users")
    op.drop_table("tenants")
    op.drop_table("growth_settings")
    op.drop_table("system_settings")
