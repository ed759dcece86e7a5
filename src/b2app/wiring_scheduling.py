"""Composition of scheduling: its unit of work, tenant states, service windows, the sender.

Part of the composition root (``b2app.bootstrap`` calls it). The adapters here are built over
ports other contexts already serve, so they work on every backend:

* tenant states read the tenant (status, time zone), the platform's WhatsApp switch and the
  tenant's own switch (its AI settings) through the unit of work;
* a tenant without a connected WhatsApp Cloud number talks to customers through the simulator,
  whose "service window" is always open; with one, the window comes from its conversations;
* the sender hands messages to the tenant's channel through the conversations context's
  ``ChannelDirectory`` with the message's idempotency key, and remembers the keys it sent.
"""

from __future__ import annotations

import collections
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from b2adapters.memory import scheduling as memory_scheduling
from b2adapters.simulator.channel import CHANNEL_ID as SIMULATOR_CHANNEL
from b2app.workers import broker as worker_broker
from b2app.workers import scheduling as scheduling_jobs
from b2core.conversations import channel, connections
from b2core.conversations import ports as conversation_ports
from b2core.scheduling import dispatching, ports
from b2core.shared import ids, pagination, tasks, time

if TYPE_CHECKING:
    from b2app.bootstrap import Wiring

#: How many idempotency keys one process remembers (a scheduled message is sent once; the
#: memory only has to outlive a claim).
REMEMBERED_KEYS = 100_000


@attrs.frozen
class StoredTenantStates:
    """Tenant status and time zone, platform and tenant WhatsApp switches, from the store."""

    uow: Any

    async def get(self, tenant_id: ids.TenantId) -> dispatching.TenantState | None:
        async with self.uow.platform() as tx:
            tenant = await tx.tenants.get(tenant_id)
            system = await tx.settings.system()
        if tenant is None:
            return None
        async with self.uow.tenant(tenant_id) as tx:
            ai = await tx.ai_settings.get()
        enabled = getattr(system, "global_whatsapp_enabled", True) and getattr(
            ai, "whatsapp_enabled", True
        )
        return dispatching.TenantState(tenant.status, bool(enabled), tenant.timezone)


@attrs.frozen
class WhatsAppNumbers:
    """Which connected WhatsApp Cloud channel a tenant sends from, if any."""

    uow: connections.ChannelsUoW

    async def channel_of(self, tenant_id: ids.TenantId) -> ids.ChannelId | None:
        """The tenant's oldest Cloud API channel, or None (then the simulator serves it)."""
        async with self.uow.tenant(tenant_id) as tx:
            page = await tx.channels.list(pagination.PageRequest(limit=100))
        cloud = [c for c in page.items if c.kind is connections.ChannelKind.WHATSAPP_CLOUD]
        return cloud[0].id if cloud else None


@attrs.frozen
class ChannelServiceWindows:
    """The simulator's window is always open; a WhatsApp number's comes from ``stored``."""

    numbers: WhatsAppNumbers
    stored: ports.ServiceWindows
    clock: time.Clock

    async def last_customer_message_at(
        self, tenant_id: ids.TenantId, phone: str
    ) -> datetime | None:
        if await self.numbers.channel_of(tenant_id) is None:
            return self.clock.now()
        return await self.stored.last_customer_message_at(tenant_id, phone)


class ChannelMessageSender:
    """Sends through the tenant's channel, passing the message's idempotency key.

    The simulator outbox already counts a key once; the keys this process sent are also
    remembered here, so a retry in this process never reaches a real channel twice.
    """

    def __init__(
        self, numbers: WhatsAppNumbers, directory: conversation_ports.ChannelDirectory
    ) -> None:
        self._numbers = numbers
        self._directory = directory
        self._lock = threading.Lock()
        self._sent: collections.OrderedDict[str, str] = collections.OrderedDict()

    async def send(self, outbound: dispatching.OutboundMessage) -> str:
        key = outbound.idempotency_key
        with self._lock:
            known = self._sent.get(key)
        if known is not None:
            return known
        channel_id = await self._numbers.channel_of(outbound.tenant_id) or SIMULATOR_CHANNEL
        target = await self._directory.channel_for(outbound.tenant_id, channel_id)
        if outbound.whatsapp is not None:
            payload = outbound.whatsapp
            template = channel.Template(payload.name, payload.language, payload.parameters)
            provider_id = await target.send_template(
                outbound.recipient, template, idempotency_key=key
            )
        else:
            provider_id = await target.send_text(
                outbound.recipient, outbound.text or "", idempotency_key=key
            )
        with self._lock:
            self._sent[key] = provider_id
            while len(self._sent) > REMEMBERED_KEYS:
                self._sent.popitem(last=False)
        return provider_id


def register(wiring: Wiring) -> None:
    """Register the scheduling ports, and start the dispatcher chain in embedded mode."""
    container, config = wiring.container, wiring.config

    def resolve(key: Any) -> Any:
        return container.resolve(key)

    wiring.singleton(ports.SchedulingUoW, lambda: resolve(conversation_ports.ConversationsUoW))
    wiring.singleton(ports.TenantStates, lambda: StoredTenantStates(resolve(ports.SchedulingUoW)))
    wiring.singleton(WhatsAppNumbers, lambda: WhatsAppNumbers(resolve(connections.ChannelsUoW)))
    wiring.singleton(
        ports.ServiceWindows,
        lambda: ChannelServiceWindows(
            resolve(WhatsAppNumbers),
            _stored_windows(resolve(ports.SchedulingUoW)),
            _late(container),
        ),
    )
    wiring.singleton(
        ports.MessageSender,
        lambda: ChannelMessageSender(
            resolve(WhatsAppNumbers), resolve(conversation_ports.ChannelDirectory)
        ),
    )
    _register_chains(wiring)
    if config.broker_url is None and config.in_process_worker:

        async def start() -> None:
            await scheduling_jobs.start_chains(resolve(tasks.TaskQueue))

        async def stop() -> None:
            scheduling_jobs.stop_chains()

        async def flush() -> None:
            scheduling_jobs.flush_leftovers(worker_broker.configure(config))

        wiring.lifecycle.on_startup(start)
        wiring.lifecycle.on_shutdown(stop)  # before the worker stops: no run re-enqueues
        # Shutdown hooks run last-registered first; this one must run after the in-process
        # worker (registered earlier) has stopped and handed its delayed messages back.
        wiring.lifecycle.shutdown_hooks.insert(0, flush)


def _register_chains(wiring: Wiring) -> None:
    """Where the periodic chains are recorded: in memory, or in Redis with a shared broker."""
    config = wiring.config
    if config.broker_url is None:
        wiring.container.register(
            scheduling_jobs.ChainRegistry, instance=scheduling_jobs.InProcessChains()
        )
        return
    from b2adapters.redis import connection as redis_connection
    from b2adapters.redis.keys import KeySpace

    client = wiring.redis
    if client is None:  # a shared broker is a Redis; its URL serves when no B2_REDIS_URL is set
        client = redis_connection.connect(config.broker_url)

        async def close() -> None:
            await redis_connection.close(client)

        wiring.lifecycle.on_shutdown(close)
    keys = KeySpace(config.redis_prefix)
    wiring.container.register(
        scheduling_jobs.ChainRegistry,
        instance=scheduling_jobs.RedisChains(client, lambda actor: keys.plain("chains", actor)),
    )


def _stored_windows(uow: Any) -> ports.ServiceWindows:
    if hasattr(uow, "engine"):
        from b2adapters.sql import scheduling_dispatch

        return scheduling_dispatch.SqlServiceWindows(uow)
    return memory_scheduling.InMemoryServiceWindows()


def _late(container: Any) -> time.Clock:
    class LateClock:
        """Reads the container's clock at each call, so test overrides apply."""

        def now(self) -> datetime:
            found: datetime = container.resolve(time.Clock).now()
            return found

    return LateClock()
