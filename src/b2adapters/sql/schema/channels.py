"""Tables of connected channels: each tenant's WhatsApp numbers and bridge sessions."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, String, Table, UniqueConstraint

from b2adapters.sql.schema.base import metadata
from b2adapters.sql.types import UtcDateTime, id_type

# ``sealed`` holds {secret name: ciphertext} (the FieldCipher's), never a secret in clear;
# ``hints`` what clients may see of each. A phone number id is unique across the platform:
# a Cloud API number delivers to one webhook, so to one tenant.
connected_channels = Table(
    "connected_channels",
    metadata,
    Column("id", id_type(), primary_key=True),
    Column("tenant_id", id_type(), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("phone_number_id", String(32), nullable=True),
    Column("provider", String(16), nullable=True),
    Column("base_url", String(500), nullable=True),
    Column("session", String(100), nullable=True),
    Column("sealed", JSON, nullable=False),
    Column("hints", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("phone_number_id"),
    Index("ix_connected_channels_tenant_id_created_at", "tenant_id", "created_at", "id"),
)
