"""Orders and AI: the service catalog, orders, AI settings, usage log and quota counters.

Every table holds tenant rows, so on PostgreSQL each gets the tenant row-level security
policy (see ``b2adapters.sql.migrations.rls``).

Revision ID: 0003_orders_ai
Revises: 0002_identity
Create Date: 2026-01-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from b2adapters.sql.migrations import rls

revision: str = "0003_orders_ai"
down_revision: str | Sequence[str] | None = "0002_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported from the schema, so this revision stays as it was written.
_ID = sa.String(36)
_AT = sa.DateTime(timezone=True)
_TABLES = ("services", "orders", "ai_settings", "ai_usage", "quota_counters", "quota_refunds")


def upgrade() -> None:
    """Create the tables, then grant them to ``b2_app`` under tenant policies (PostgreSQL)."""
    _create_services()
    _create_orders()
    _create_ai_settings()
    _create_ai_usage()
    _create_quota_tables()
    rls.execute_on_postgresql(
        [
            *rls.grant_app_role(_TABLES),
            *(sql for table in _TABLES for sql in rls.tenant_isolation(table)),
        ]
    )


def _create_services() -> None:
    op.create_table(
        "services",
        sa.Column("id", _ID, nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("tenant_id", "name_key", name=op.f("uq_services_tenant_id_name_key")),
    )


def _create_orders() -> None:
    op.create_table(
        "orders",
        sa.Column("id", _ID, nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("conversation_id", _ID, nullable=True),
        sa.Column("customer_id", sa.String(200), nullable=False),
        sa.Column("customer_name", sa.String(120), nullable=True),
        sa.Column("customer_phone", sa.String(32), nullable=True),
        sa.Column("customer_email", sa.String(254), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    op.create_index("ix_orders_tenant_id_created_at", "orders", ["tenant_id", "created_at"])
    op.create_index("ix_orders_tenant_id_customer_id", "orders", ["tenant_id", "customer_id"])


def _create_ai_settings() -> None:
    op.create_table(
        "ai_settings",
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("ai_enabled", sa.Boolean(), nullable=False),
        sa.Column("plan", sa.String(32), nullable=False),
        sa.Column("billing_anchor_day", sa.Integer(), nullable=True),
        sa.Column("confidence_threshold", sa.Integer(), nullable=False),
        sa.Column("prohibited_phrases", sa.JSON(), nullable=False),
        sa.Column("fallbacks", sa.JSON(), nullable=False),
        sa.Column("pinned_model", sa.JSON(), nullable=True),
        sa.Column("daily_limit", sa.Integer(), nullable=True),
        sa.Column("monthly_limit", sa.Integer(), nullable=True),
        sa.Column("updated_at", _AT, nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_ai_settings")),
    )


def _create_ai_usage() -> None:
    op.create_table(
        "ai_usage",
        sa.Column("id", _ID, nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cost_micro", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("latency_ms", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("conversation_id", _ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_usage")),
    )
    op.create_index("ix_ai_usage_tenant_id_at", "ai_usage", ["tenant_id", "at"])


def _create_quota_tables() -> None:
    op.create_table(
        "quota_counters",
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("window_id", sa.String(32), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "window_id", name=op.f("pk_quota_counters")),
    )
    op.create_index(op.f("ix_quota_counters_expires_at"), "quota_counters", ["expires_at"])
    op.create_table(
        "quota_refunds",
        sa.Column("reservation_id", sa.String(128), nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("expires_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("reservation_id", name=op.f("pk_quota_refunds")),
    )
    op.create_index(op.f("ix_quota_refunds_expires_at"), "quota_refunds", ["expires_at"])


def downgrade() -> None:
    """Drop the tables of this revision (their policies go with them)."""
    op.drop_index(op.f("ix_quota_refunds_expires_at"), table_name="quota_refunds")
    op.drop_table("quota_refunds")
    op.drop_index(op.f("ix_quota_counters_expires_at"), table_name="quota_counters")
    op.drop_table("quota_counters")
    op.drop_index("ix_ai_usage_tenant_id_at", table_name="ai_usage")
    op.drop_table("ai_usage")
    op.drop_table("ai_settings")
    op.drop_index("ix_orders_tenant_id_customer_id", table_name="orders")
    op.drop_index("ix_orders_tenant_id_created_at", table_name="orders")
    op.drop_table("orders")
    op.drop_table("services")
