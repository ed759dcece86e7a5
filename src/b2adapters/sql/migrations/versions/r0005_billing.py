"""Billing: plans, coupons, subscriptions, manual payments and processed provider events.

Plans, coupons and processed event ids are platform-wide. ``subscriptions`` (one row per
tenant) and ``manual_payments`` are tenant tables: on PostgreSQL they get the tenant
row-level security policy. The unique key on ``manual_payments (method, reference)`` spans
every tenant; ``processed_events`` is keyed by the provider's event id, inserted in the same
transaction as the event's effects.

Revision ID: 0005_billing
Revises: 0004_channels
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from b2adapters.sql.migrations import rls

revision: str = "0005_billing"
down_revision: str | Sequence[str] | None = "0004_channels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported from the schema, so this revision stays as it was written.
_ID = sa.String(36)
_AT = sa.DateTime(timezone=True)
_PLATFORM_TABLES = ("plans", "coupons", "processed_events")
_TENANT_TABLES = ("subscriptions", "manual_payments")


def upgrade() -> None:
    """Create the tables, grant them to ``b2_app``, tenant policies on tenant tables."""
    _create_plans()
    _create_coupons()
    _create_subscriptions()
    _create_manual_payments()
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("processed_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processed_events")),
    )
    rls.execute_on_postgresql(
        [
            *rls.grant_app_role((*_PLATFORM_TABLES, *_TENANT_TABLES)),
            *(sql for table in _TENANT_TABLES for sql in rls.tenant_isolation(table)),
        ]
    )


def _create_plans() -> None:
    op.create_table(
        "plans",
        sa.Column("id", _ID, nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("ai_plan", sa.String(32), nullable=False),
        sa.Column("daily_limit", sa.Integer(), nullable=False),
        sa.Column("monthly_limit", sa.Integer(), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("interval", sa.String(8), nullable=False),
        sa.Column("stripe_product_id", sa.String(220), nullable=True),
        sa.Column("stripe_price_id", sa.String(220), nullable=True),
        sa.Column("display_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", _AT, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )


def _create_coupons() -> None:
    op.create_table(
        "coupons",
        sa.Column("id", _ID, nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column("amount_off_minor", sa.BigInteger(), nullable=True),
        sa.Column("amount_off_currency", sa.String(3), nullable=True),
        sa.Column("expires_at", _AT, nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("stripe_coupon_id", sa.String(200), nullable=True),
        sa.Column("max_redemptions", sa.Integer(), nullable=True),
        sa.Column("redemptions", sa.Integer(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupons")),
        sa.UniqueConstraint("code", name=op.f("uq_coupons_code")),
    )


def _create_subscriptions() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("plan_id", _ID, nullable=True),
        sa.Column("stripe_customer_id", sa.String(255), nullable=True),
        sa.Column("stripe_subscription_id", sa.String(255), nullable=True),
        sa.Column("current_period_start", _AT, nullable=True),
        sa.Column("current_period_end", _AT, nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("last_event_at", _AT, nullable=True),
        sa.Column("recent_event_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_subscriptions")),
    )
    op.create_index(
        "ix_subscriptions_stripe_subscription_id", "subscriptions", ["stripe_subscription_id"]
    )
    op.create_index("ix_subscriptions_stripe_customer_id", "subscriptions", ["stripe_customer_id"])


def _create_manual_payments() -> None:
    op.create_table(
        "manual_payments",
        sa.Column("id", _ID, nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("sender_name", sa.String(120), nullable=False),
        sa.Column("sender_number", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("plan_id", _ID, nullable=False),
        sa.Column("list_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("discount_minor", sa.BigInteger(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("coupon_code", sa.String(40), nullable=True),
        sa.Column("screenshot_key", sa.String(500), nullable=False),
        sa.Column("submitted_by", _ID, nullable=False),
        sa.Column("submitted_at", _AT, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", _ID, nullable=True),
        sa.Column("decided_at", _AT, nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manual_payments")),
        sa.UniqueConstraint(
            "method", "reference", name=op.f("uq_manual_payments_method_reference")
        ),
    )
    op.create_index(
        "ix_manual_payments_tenant_id_submitted_at",
        "manual_payments",
        ["tenant_id", "submitted_at", "id"],
    )
    op.create_index(
        "ix_manual_payments_status_submitted_at",
        "manual_payments",
        ["status", "submitted_at", "id"],
    )


def downgrade() -> None:
    """Drop the tables (their policies go with them)."""
    op.drop_index("ix_manual_payments_status_submitted_at", table_name="manual_payments")
    op.drop_index("ix_manual_payments_tenant_id_submitted_at", table_name="manual_payments")
    op.drop_index("ix_subscriptions_stripe_customer_id", table_name="subscriptions")
    op.drop_index("ix_subscriptions_stripe_subscription_id", table_name="subscriptions")
    for table in ("processed_events", "manual_payments", "subscriptions", "coupons", "plans"):
        op.drop_table(table)
