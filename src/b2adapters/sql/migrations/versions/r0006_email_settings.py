"""Email settings: the SMTP provider, server, credentials and sender in ``system_settings``.

The password column holds only the field cipher's sealed token. Server defaults let SQLite add
the NOT NULL columns to a table that already has its row, and give that row the safe defaults
(provider ``none``, port 587, STARTTLS).

Revision ID: 0006_email_settings
Revises: 0005_billing
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_email_settings"
down_revision: str | Sequence[str] | None = "0005_billing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "system_settings"
# Spelled out, not imported from the schema, so this revision stays as it was written.
_COLUMNS = (
    ("email_provider", sa.String(16), False, "none"),
    ("smtp_host", sa.Text(), True, None),
    ("smtp_port", sa.Integer(), False, "587"),
    ("smtp_username", sa.Text(), True, None),
    ("smtp_password_sealed", sa.Text(), True, None),
    ("smtp_security", sa.String(16), False, "starttls"),
    ("email_from", sa.Text(), True, None),
)


def upgrade() -> None:
    """Add the email columns to the settings singleton (the table's grants cover them)."""
    for name, type_, nullable, default in _COLUMNS:
        op.add_column(_TABLE, sa.Column(name, type_, nullable=nullable, server_default=default))


def downgrade() -> None:
    """Drop the email columns (SQLite rebuilds the table in batch mode)."""
    with op.batch_alter_table(_TABLE) as batch:
        for name, *_ in reversed(_COLUMNS):
            batch.drop_column(name)
