"""In-memory session records, for an embedded app whose one process supervises everything."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from b2core.conversations import supervision
from b2core.shared import ids


class InMemorySessionRecords:
    """Records in this process's memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[tuple[str, str], supervision.SessionRecord] = {}

    async def get(
        self, tenant_id: ids.TenantId, channel_id: str
    ) -> supervision.SessionRecord | None:
        with self._lock:
            return self._records.get((tenant_id, channel_id))

    async def put(self, tenant_id: ids.TenantId, record: supervision.SessionRecord) -> None:
        with self._lock:
            self._records[(tenant_id, record.channel_id)] = record


if TYPE_CHECKING:
    _: type[supervision.SessionRecords] = InMemorySessionRecords
