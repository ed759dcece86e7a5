"""Runs the conversations and messages contract suites (b2core.testing.contracts.conversations,
.messages) on every shipped adapter: memory, SQLite and the real PostgreSQL."""

from __future__ import annotations

from b2core.testing.contracts.conversations import *  # noqa: F403
from b2core.testing.contracts.messages import *  # noqa: F403
