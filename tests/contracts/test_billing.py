"""Runs the billing contract suite (b2core.testing.contracts.billing) on every shipped adapter:
memory, SQLite and the real PostgreSQL (the ``uow_factory`` fixture of this package)."""

from __future__ import annotations

from b2core.testing.contracts.billing import *  # noqa: F403
