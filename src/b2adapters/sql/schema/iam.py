"""Tables of the iam context."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, String, Table, Text

from b2adapters.sql.schema.base import metadata
from b2adapters.sql.types import UtcDateTime, id_type

users = Table(
    "users",
    metadata,
    Column("id", id_type(), primary_key=True),
    Column(
        "tenant_id",
        id_type(),
        ForeignKey("tenants.id", ondelete="RESTRICT"),
        nullable=True,
        index=True,
    ),
    # Emails are stored normalized (trimmed, lower-case) and compared exactly.
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(32), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("email_verified", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=True),
    # The same rule as iam.model.User: platform admins have no tenant, everyone else has one.
    CheckConstraint(
        "(role = 'SUPER_ADMIN') = (tenant_id IS NULL)",
        name="super_admin_has_no_tenant",
    ),
)

# Password-reset and verification tokens, stored by hash only; used_at marks the single use.
one_time_tokens = Table(
    "one_time_tokens",
    metadata,
    Column("token_hash", String(128), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column(
        "user_id",
        id_type(),
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
)
