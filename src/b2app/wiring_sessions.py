"""Composition of bridge session supervision: records, the supervisor and its loop.

The loop runs where the jobs run: in the API process of an embedded app (in-process worker),
in each ``b2 worker`` process otherwise (:func:`start_in_worker`). Every process supervises
the sessions it can claim; a claim lasts 30 s and is renewed at every tick (5 s), so a dead
process's sessions move to another after the TTL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from b2adapters.bridge.factory import BridgeAdapters
from b2adapters.memory.session_records import InMemorySessionRecords
from b2app.wiring_channels import SharedHttpClient
from b2app.workers import scheduling as periodic
from b2core.conversations import (
    connection_handlers,
    connections,
    ports,
    session_control,
    sessions,
    supervision,
)
from b2core.shared import ids, time

if TYPE_CHECKING:
    from b2app.bootstrap import Wiring

log = logging.getLogger(__name__)


@attrs.frozen
class StoredBridges:
    """Every tenant's bridge connections, from the store."""

    uow: connections.ChannelsUoW

    async def bridges(self) -> Sequence[connections.ConnectedChannel]:
        async with self.uow.platform() as tx:
            return await tx.channel_index.bridges()


@attrs.frozen
class StoredSessionsDirectory:
    """Session controls of a stored bridge connection, its API key opened with the cipher."""

    cipher: connections.FieldCipher
    http: SharedHttpClient = attrs.field(factory=SharedHttpClient)

    async def sessions_for(self, connection: connections.ConnectedChannel) -> ports.ChannelSessions:
        secrets = connection_handlers.open_secrets(self.cipher, connection)
        return BridgeAdapters(self.http.client).sessions(connection, secrets)

    async def aclose(self) -> None:
        await self.http.aclose()


class SupervisorLoop:
    """Runs :meth:`SessionSupervisor.tick` every few seconds until stopped."""

    def __init__(self, supervisor: supervision.SessionSupervisor) -> None:
        self.supervisor = supervisor
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start ticking on the running loop (once)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop ticking and give the held sessions up."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        try:
            await self.supervisor.release_all()
        except Exception:  # a store that is down frees the claims by their TTL instead
            log.warning("could not release the session claims", exc_info=True)

    async def _run(self) -> None:
        every = supervision.TICK_EVERY.total_seconds()
        while True:
            try:
                await self.supervisor.tick()
            except Exception:  # one bad tick must not end supervision
                log.exception("session supervision tick failed")
            await asyncio.sleep(every)


def register(wiring: Wiring) -> None:
    """Register the records, the supervisor and its loop; start it in an embedded app."""
    container, config = wiring.container, wiring.config

    def resolve(key: Any) -> Any:
        return container.resolve(key)

    if wiring.redis is not None:
        from b2adapters.redis.keys import KeySpace
        from b2adapters.redis.session_records import RedisSessionRecords

        records: Any = RedisSessionRecords(wiring.redis, KeySpace(config.redis_prefix))
    else:
        records = InMemorySessionRecords()
    container.register(supervision.SessionRecords, instance=records)
    directory = StoredSessionsDirectory(resolve(connections.FieldCipher))
    wiring.lifecycle.on_shutdown(directory.aclose)
    container.register(supervision.SessionsDirectory, instance=directory)
    wiring.singleton(
        session_control.SessionControl,
        lambda: session_control.SessionControl(
            resolve(connections.ChannelsUoW),
            directory,
            resolve(supervision.SessionRecords),
            resolve(time.Clock),
            resolve(ids.IdGenerator),
        ),
    )
    wiring.singleton(
        supervision.SessionSupervisor,
        lambda: supervision.SessionSupervisor(
            StoredBridges(resolve(connections.ChannelsUoW)),
            directory,
            resolve(sessions.SessionClaims),
            resolve(supervision.SessionRecords),
            resolve(ports.SendingSwitches),
            resolve(time.Clock),
            periodic.WORKER_ID,
        ),
    )
    wiring.singleton(SupervisorLoop, lambda: SupervisorLoop(resolve(supervision.SessionSupervisor)))
    if config.broker_url is None and config.in_process_worker:

        async def start() -> None:
            resolve(SupervisorLoop).start()

        async def stop() -> None:
            await resolve(SupervisorLoop).stop()

        wiring.lifecycle.on_startup(start)
        wiring.lifecycle.on_shutdown(stop)
