"""The in-memory store: named tables of frozen domain objects, guarded by one lock."""

from __future__ import annotations

import asyncio
from typing import Any


class InMemoryStore:
    """Holds committed state. Transactions copy the tables they touch and swap them in on
    commit; the lock serializes transactions, which makes them trivially isolated."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[Any, Any]] = {}
        self.lock = asyncio.Lock()
