"""Tables of the orders context: the tenant's service catalog and its orders."""

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

# No foreign key to tenants: tenant rows are isolated by tenant_id (and row-level security on
# PostgreSQL), and erasing a tenant removes its catalog and orders explicitly.
services = Table(
    "services",
    metadata,
    Column("id", id_type(), primary_key=True),
    Column("tenant_id", id_type(), nullable=False),
    Column("name", String(200), nullable=False),
    # " ".join(catalog.name_key(name)): unique per tenant, and the catalog's sort key
    # (compared by code point).
    Column("name_key", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("tenant_id", "name_key"),
)

# Items are snapshots (service id, name and price at drafting time), so no foreign key to
# services: a service may be deleted while its orders stay.
orders = Table(
    "orders",
    metadata,
    Column("id", id_type(), primary_key=True),
    Column("tenant_id", id_type(), nullable=False),
    Column("conversation_id", id_type(), nullable=True),
    Column("customer_id", String(200), nullable=False),
    Column("customer_name", String(120), nullable=True),
    Column("customer_phone", String(32), nullable=True),
    Column("customer_email", String(254), nullable=True),
    Column("status", String(32), nullable=False),
    # [{"service_id", "name", "unit_price_minor", "currency", "quantity"}, ...]
    Column("items", JSON, nullable=False),
    # [{"from", "to", "by": {"kind", "user_id", "role"}, "at": ISO 8601, "reason"}, ...]
    Column("history", JSON, nullable=False),
    Column("created_by", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # Lists go newest first; both databases read a btree backwards for DESC.
    Index("ix_orders_tenant_id_created_at", "tenant_id", "created_at"),
    Index("ix_orders_tenant_id_customer_id", "tenant_id", "customer_id"),
)
