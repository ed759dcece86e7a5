"""The database schema: one MetaData, one module of tables per bounded context."""

from __future__ import annotations

from b2adapters.sql.schema import iam, platform, tenants
from b2adapters.sql.schema.base import metadata

__all__ = ["iam", "metadata", "platform", "tenants"]
