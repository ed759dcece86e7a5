"""The database schema: one MetaData, one module of tables per bounded context."""

from __future__ import annotations

from b2adapters.sql.schema import ai, iam, orders, platform, tenants
from b2adapters.sql.schema import billing as billing
from b2adapters.sql.schema import channels as channels
from b2adapters.sql.schema import conversations as conversations
from b2adapters.sql.schema import outbox as outbox
from b2adapters.sql.schema import scheduling as scheduling
from b2adapters.sql.schema.base import metadata

__all__ = ["ai", "iam", "metadata", "orders", "platform", "tenants"]
