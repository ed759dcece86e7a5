"""Tables of the billing context: plans, coupons, subscriptions, manual payments, event ids.

``plans``, ``coupons`` and ``processed_events`` are platform-wide (no tenant column);
``subscriptions`` (one row per tenant) and ``manual_payments`` are tenant tables under
row-level security on PostgreSQL. A unique key on ``(method, reference)`` of manual payments
spans every tenant (unique indexes ignore row-level security), so two racing submissions of
one reference cannot both be stored.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from b2adapters.sql.schema.base import metadata
from b2adapters.sql.types import UtcDateTime, id_type

plans = Table(
    "plans",
    metadata,
    Column("id", id_type(), primary_key=True),
    Column("name", String(120), nullable=False),
    # name.casefold(): unique among plans not deleted (checked by the repository).
    Column("name_key", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("ai_plan", String(32), nullable=False),
    Column("daily_limit", Integer, nullable=False),
    Column("monthly_limit", Integer, nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("interval", String(8), nullable=False),
    Column("stripe_product_id", String(220), nullable=True),
    Column("stripe_price_id", String(220), nullable=True),
    Column("display_order", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("deleted_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)

coupons = Table(
    "coupons",
    metadata,
    Column("id", id_type(), primary_key=True),
    # The canonical (upper case) code: unique, and the list's sort key.
    Column("code", String(40), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("percent", Integer, nullable=True),
    Column("amount_off_minor", BigInteger, nullable=True),
    Column("amount_off_currency", String(3), nullable=True),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("active", Boolean, nullable=False),
    Column("stripe_coupon_id", String(200), nullable=True),
    Column("max_redemptions", Integer, nullable=True),
    Column("redemptions", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("code"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("tenant_id", id_type(), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("source", String(16), nullable=False),
    Column("plan_id", id_type(), nullable=True),
    Column("stripe_customer_id", String(255), nullable=True),
    Column("stripe_subscription_id", String(255), nullable=True),
    Column("current_period_start", UtcDateTime, nullable=True),
    Column("current_period_end", UtcDateTime, nullable=True),
    Column("cancel_at_period_end", Boolean, nullable=False),
    Column("last_event_at", UtcDateTime, nullable=True),
    # ["evt_...", ...], oldest first, at most model.RECENT_EVENTS
    Column("recent_event_ids", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    # The webhook's tenant look-up.
    Index("ix_subscriptions_stripe_subscription_id", "stripe_subscription_id"),
    Index("ix_subscriptions_stripe_customer_id", "stripe_customer_id"),
)

manual_payments = Table(
    "manual_payments",
    metadata,
    Column("id", id_type(), primary_key=True),
    Column("tenant_id", id_type(), nullable=False),
    Column("method", String(16), nullable=False),
    Column("sender_name", String(120), nullable=False),
    Column("sender_number", String(64), nullable=False),
    # payments.normalize_reference(...): unique per method across every tenant.
    Column("reference", String(64), nullable=False),
    Column("plan_id", id_type(), nullable=False),
    Column("list_price_minor", BigInteger, nullable=False),
    Column("discount_minor", BigInteger, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("coupon_code", String(40), nullable=True),
    Column("screenshot_key", String(500), nullable=False),
    Column("submitted_by", id_type(), nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("decided_by", id_type(), nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("rejection_reason", Text, nullable=True),
    Column("version", Integer, nullable=False),
    UniqueConstraint("method", "reference"),
    # The lists: a tenant's newest first, and every tenant's by status for the review queue.
    Index("ix_manual_payments_tenant_id_submitted_at", "tenant_id", "submitted_at", "id"),
    Index("ix_manual_payments_status_submitted_at", "status", "submitted_at", "id"),
)

processed_events = Table(
    "processed_events",
    metadata,
    Column("event_id", String(255), primary_key=True),
    Column("processed_at", UtcDateTime, nullable=False),
)
