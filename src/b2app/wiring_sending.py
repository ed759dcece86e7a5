"""Composition of the outbound send path: the shared send rate, the sleeper, channel kinds.

Part of the composition root (``b2app.bootstrap`` calls it). The send rate lives in Redis when
one is configured, so every worker shares each channel number's bucket; otherwise in memory.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from b2adapters.memory import send_rate as memory_send_rate
from b2core.conversations import connections
from b2core.conversations import ports as conversation_ports
from b2core.conversations.handlers import sending
from b2core.shared import time

if TYPE_CHECKING:
    from b2app.bootstrap import Wiring


class AsyncioSleeper:
    """The Sleeper port over ``asyncio.sleep``."""

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` on the event loop (nothing for zero or less)."""
        if seconds > 0:
            await asyncio.sleep(seconds)


class _LateClock:
    """Reads the container's clock at each call, so test overrides of the clock apply."""

    def __init__(self, container: Any) -> None:
        self._container = container

    def now(self) -> Any:
        return self._container.resolve(time.Clock).now()


def register(wiring: Wiring) -> None:
    """Register the SendRate adapter, the Sleeper and the ChannelKinds lookup."""
    container = wiring.container
    if wiring.redis is not None:
        from b2adapters.redis import send_rate as redis_send_rate
        from b2adapters.redis.keys import KeySpace

        rate: Any = redis_send_rate.RedisSendRate(
            wiring.redis, KeySpace(wiring.config.redis_prefix)
        )
    else:
        rate = memory_send_rate.InMemorySendRate(_LateClock(container))
    container.register(conversation_ports.SendRate, instance=rate)
    container.register(conversation_ports.Sleeper, instance=AsyncioSleeper())
    wiring.singleton(
        conversation_ports.ChannelKinds,
        lambda: sending.StoredChannelKinds(container.resolve(connections.ChannelsUoW)),
    )
