"""The actor registry: every job b2 runs in the background, and how it is bound to a broker.

Actors are thin translators: they take ids, resolve a port or use case from the process's
container (:mod:`b2app.workers.runtime`) and call it. They are declared on a broker explicitly
by :func:`register` (``b2app.workers.broker.configure`` does it right after ``set_broker``), so
importing this module never binds anything to dramatiq's global broker by accident.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
import dramatiq

from b2app.workers import inbound, runtime
from b2app.workers import scheduling as scheduling_jobs
from b2core.conversations import commands as conversation_commands
from b2core.conversations import media_jobs, outbound
from b2core.conversations.handlers import sending
from b2core.messagebus import MessageBus
from b2core.pipeline import commands as pipeline_commands
from b2core.shared import ids, tasks

PLATFORM_QUEUE = "platform"
PING = "platform.ping"


async def ping(token: str) -> None:
    """Note that a worker ran: the smallest job that crosses queue, worker and container."""
    recorder: tasks.PingRecorder = runtime.resolve(tasks.PingRecorder)
    await recorder.record_ping(token)


def ping_job(token: str) -> tasks.Job:
    """The job that runs :func:`ping` with ``token``."""
    return tasks.Job(actor_name=PING, queue_name=PLATFORM_QUEUE, args=(token,))


@attrs.frozen
class ActorSpec:
    """One background job: its function, its stable name and queue, and dramatiq options."""

    fn: Callable[..., Awaitable[None]]
    actor_name: str
    queue_name: str
    options: Mapping[str, Any] = attrs.field(factory=dict)


async def handle_inbound(payload: str) -> None:
    """Run the inbound pipeline for one customer message."""
    bus: MessageBus = runtime.resolve(MessageBus)
    await bus.handle(pipeline_commands.HandleInboundMessage(inbound.from_payload(payload)))


async def send_outbound(tenant_id: str, message_id: str) -> None:
    """Send one queued outbound message through its channel.

    A deferred send (a rate bucket is empty, or the provider said "slow down") is not a
    failure: the job is enqueued again after the wait it was given, without using one of its
    attempts, and this run ends successfully.
    """
    bus: MessageBus = runtime.resolve(MessageBus)
    tenant, message = ids.TenantId(tenant_id), ids.MessageId(message_id)
    try:
        await bus.handle(conversation_commands.SendOutboundMessage(tenant, message))
    except sending.SendDeferred as deferred:
        queue: tasks.TaskQueue = runtime.resolve(tasks.TaskQueue)
        await queue.enqueue(outbound.send_job(tenant, message), delay=deferred.retry_after)


async def fetch_media(tenant_id: str, message_id: str) -> None:
    """Fetch one inbound message's media into storage (idempotent; outages are retried)."""
    job: media_jobs.FetchInboundMedia = runtime.resolve(media_jobs.FetchInboundMedia)
    await job(ids.TenantId(tenant_id), ids.MessageId(message_id))


REGISTRY: tuple[ActorSpec, ...] = (
    ActorSpec(ping, PING, PLATFORM_QUEUE),
    ActorSpec(fetch_media, media_jobs.FETCH_ACTOR, media_jobs.FETCH_QUEUE),
    ActorSpec(handle_inbound, inbound.INBOUND_ACTOR, inbound.INBOUND_QUEUE),
    ActorSpec(send_outbound, outbound.SEND_ACTOR, outbound.SEND_QUEUE),
    ActorSpec(
        scheduling_jobs.dispatch_due,
        scheduling_jobs.DISPATCH_ACTOR,
        scheduling_jobs.QUEUE,
        scheduling_jobs.OPTIONS,
    ),
    ActorSpec(
        scheduling_jobs.expire_grants,
        scheduling_jobs.EXPIRE_ACTOR,
        "billing",
        scheduling_jobs.OPTIONS,
    ),
    ActorSpec(
        scheduling_jobs.sweep_outbox,
        scheduling_jobs.SWEEP_ACTOR,
        scheduling_jobs.QUEUE,
        scheduling_jobs.OPTIONS,
    ),
    ActorSpec(
        scheduling_jobs.purge_old,
        scheduling_jobs.PURGE_ACTOR,
        scheduling_jobs.QUEUE,
        scheduling_jobs.OPTIONS,
    ),
)


def register(broker: dramatiq.Broker) -> dict[str, dramatiq.Actor[Any, Any]]:
    """Declare every actor of :data:`REGISTRY` on ``broker``; returns them by name."""
    return {
        spec.actor_name: dramatiq.actor(
            broker=broker, actor_name=spec.actor_name, queue_name=spec.queue_name, **spec.options
        )(spec.fn)
        for spec in REGISTRY
    }
