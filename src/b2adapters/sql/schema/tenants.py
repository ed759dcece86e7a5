"""Tables of the tenants context."""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from b2adapters.sql.schema.base import metadata
from b2adapters.sql.types import UtcDateTime, id_type

tenants = Table(
    "tenants",
    metadata,
    Column("id", id_type(), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
