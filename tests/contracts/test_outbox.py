"""Runs the outbox contract suite (b2core.testing.contracts.outbox) on memory, SQLite and the
real PostgreSQL."""

from __future__ import annotations

from b2core.testing.contracts.outbox import *  # noqa: F403
