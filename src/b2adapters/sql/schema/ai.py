"""Tables of the ai context: tenant AI settings, the usage log and the quota counters."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, Index, Integer, String, Table

from b2adapters.sql.schema.base import metadata
from b2adapters.sql.types import UtcDateTime, id_type

ai_settings = Table(
    "ai_settings",
    metadata,
    Column("tenant_id", id_type(), primary_key=True),
    Column("ai_enabled", Boolean, nullable=False),
    Column("plan", String(32), nullable=False),
    Column("billing_anchor_day", Integer, nullable=True),
    Column("confidence_threshold", Integer, nullable=False),
    # ["phrase", ...] in the tenant's order.
    Column("prohibited_phrases", JSON, nullable=False),
    # {"<BlockReason>": "text", ...}
    Column("fallbacks", JSON, nullable=False),
    # {"name", "tier", "input_price_micro_per_1k", "output_price_micro_per_1k", "currency"}
    Column("pinned_model", JSON, nullable=True),
    Column("daily_limit", Integer, nullable=True),
    Column("monthly_limit", Integer, nullable=True),
    Column("updated_at", UtcDateTime, nullable=True),
)

ai_usage = Table(
    "ai_usage",
    metadata,
    Column("id", id_type(), primary_key=True),
    Column("tenant_id", id_type(), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("model", String(200), nullable=False),
    Column("tier", String(16), nullable=False),
    Column("input_tokens", BigInteger, nullable=False),
    Column("output_tokens", BigInteger, nullable=False),
    Column("cost_micro", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("latency_ms", BigInteger, nullable=False),
    Column("reason", String(32), nullable=True),
    Column("conversation_id", id_type(), nullable=True),
    Index("ix_ai_usage_tenant_id_at", "tenant_id", "at"),
)

# One row per tenant and quota window (quotas.Window.id); rows past expires_at are garbage.
quota_counters = Table(
    "quota_counters",
    metadata,
    Column("tenant_id", id_type(), primary_key=True),
    Column("window_id", String(32), primary_key=True),
    Column("used", Integer, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)

# The mark of a reservation given back: its primary key makes a refund happen once.
quota_refunds = Table(
    "quota_refunds",
    metadata,
    Column("reservation_id", String(128), primary_key=True),
    Column("tenant_id", id_type(), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)
