"""RecentPings: an in-memory PingRecorder that remembers the last few pings a worker ran."""

from __future__ import annotations

import collections
import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from b2core.shared import tasks

log = logging.getLogger(__name__)


class RecentPings:
    """Keeps the last ``size`` ping tokens of this process and logs each one."""

    def __init__(self, size: int = 100) -> None:
        self._tokens: collections.deque[str] = collections.deque(maxlen=size)
        self._lock = threading.Lock()

    async def record_ping(self, token: str) -> None:
        """Remember that the ping carrying ``token`` ran."""
        log.info("worker ping %s", token)
        with self._lock:
            self._tokens.append(token)

    def has_seen(self, token: str) -> bool:
        """True when a ping with ``token`` ran in this process (and is still remembered)."""
        with self._lock:
            return token in self._tokens


if TYPE_CHECKING:
    _recorder: type[tasks.PingRecorder] = RecentPings
