"""The transactional outbox: jobs written with the change they follow, until enqueued."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, String, Table

from b2adapters.sql.schema.base import metadata
from b2adapters.sql.types import UtcDateTime, id_type

outbox = Table(
    "outbox",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("tenant_id", id_type(), nullable=False),
    Column("actor_name", String(100), nullable=False),
    Column("queue_name", String(100), nullable=False),
    Column("args", JSON, nullable=False),
    Column("idempotency_key", String(200), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_outbox_created_at", "created_at"),
)
