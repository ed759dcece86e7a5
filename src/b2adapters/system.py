"""The real clock and id generator."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from b2core.shared import ids
    from b2core.shared import time as core_time


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class Uuid7Generator:
    """UUIDv7 strings (RFC 9562): time-ordered, so ids sort by creation like cursors expect."""

    def new(self) -> str:
        millis = time.time_ns() // 1_000_000
        rand = int.from_bytes(os.urandom(10), "big")
        value = (millis & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76  # version 7
        value |= (rand >> 68) << 64  # 12 random bits (rand_a)
        value |= 0b10 << 62  # RFC 4122 variant
        value |= rand & ((1 << 62) - 1)  # 62 random bits (rand_b)
        return str(uuid.UUID(int=value))


if TYPE_CHECKING:
    _clock: type[core_time.Clock] = SystemClock
    _ids: type[ids.IdGenerator] = Uuid7Generator
