"""The outbound queue over the task queue: one background job per message to send."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from b2core.shared import ids, tasks

if TYPE_CHECKING:
    from b2core.conversations import ports

SEND_ACTOR = "conversations.send"
SEND_QUEUE = "conversations"


def send_job(tenant_id: ids.TenantId, message_id: ids.MessageId) -> tasks.Job:
    """The job that sends ``message_id``; its idempotency key is the message itself."""
    return tasks.Job(
        actor_name=SEND_ACTOR,
        queue_name=SEND_QUEUE,
        args=(tenant_id, message_id),
        idempotency_key=f"send:{message_id}",
    )


@attrs.frozen
class TaskOutboundQueue:
    """Enqueues the send job; the worker runs ``SendOutboundMessage`` for it."""

    tasks: tasks.TaskQueue

    async def enqueue_send(self, tenant_id: ids.TenantId, message_id: ids.MessageId) -> None:
        await self.tasks.enqueue(send_job(tenant_id, message_id))


if TYPE_CHECKING:
    _: type[ports.OutboundQueue] = TaskOutboundQueue
