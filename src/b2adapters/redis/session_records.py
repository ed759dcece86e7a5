"""Redis session records: one JSON value per bridge session, in its tenant's key slot."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING

from b2adapters.redis import connection
from b2adapters.redis.keys import KeySpace, digest
from b2core.conversations import supervision
from b2core.shared import ids

#: A record outlives any pause of the supervisors; a session nobody supervises for a week
#: starts over from a fresh record.
RECORD_TTL = timedelta(days=7)


class RedisSessionRecords:
    """Records shared by every worker, so that whichever owns a session next resumes it."""

    def __init__(self, client: connection.RedisLike, keys: KeySpace) -> None:
        self._client = client
        self._keys = keys

    def _key(self, tenant_id: ids.TenantId, channel_id: str) -> str:
        return self._keys.tenant(tenant_id, "bridge-session", digest(channel_id))

    async def get(
        self, tenant_id: ids.TenantId, channel_id: str
    ) -> supervision.SessionRecord | None:
        with connection.unavailable_on_failure():
            raw = await self._client.get(self._key(tenant_id, channel_id))
        if raw is None:
            return None
        return supervision.SessionRecord.from_json(json.loads(raw))

    async def put(self, tenant_id: ids.TenantId, record: supervision.SessionRecord) -> None:
        value = json.dumps(record.to_json(), separators=(",", ":"))
        ttl_ms = int(RECORD_TTL.total_seconds() * 1000)
        with connection.unavailable_on_failure():
            await self._client.set(self._key(tenant_id, record.channel_id), value, px=ttl_ms)


if TYPE_CHECKING:
    _: type[supervision.SessionRecords] = RedisSessionRecords
