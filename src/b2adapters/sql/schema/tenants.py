"""Tables of the tenants context."""

from __future__ import annotations

from sqlalchemy import JSON, Column, String, Table, Text, text

from b2adapters.sql.schema.base import metadata
from b2adapters.sql.types import UtcDateTime, id_type

tenants = Table(
    "tenants",
    metadata,
    Column("id", id_type(), primary_key=True),
    Column("name", String(200), nullable=False),
    # The name case-folded by the adapter: searches compare it the same way on every database
    # (SQLite's lower() knows ASCII only; PostgreSQL's depends on the database's locale).
    Column("name_key", Text, nullable=False, server_default=""),
    Column("status", String(16), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("phone", String(32), nullable=True),
    Column("address", String(500), nullable=True),
    Column("description", Text, nullable=True),
    # {"<weekday 0-6>": [["HH:MM", "HH:MM"], ...]}, spans in the order the tenant gave them.
    Column("working_hours", JSON, nullable=False, server_default=text("'{}'")),
)
