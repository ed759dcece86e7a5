"""The outbound queue over the outbox: one background job per message to send.

The transaction that stores an outbound message writes :func:`send_entry` to its outbox; after
the commit :class:`TaskOutboundQueue` delivers that entry at once, and the outbox sweep
delivers any entry whose fast path never ran.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from b2core.shared import errors, ids, outbox, tasks

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


def send_entry_id(message_id: ids.MessageId) -> str:
    """The outbox entry of a message's send: one per message, found again by its id."""
    return f"send:{message_id}"


def send_entry(
    tenant_id: ids.TenantId, message_id: ids.MessageId, now: datetime
) -> outbox.OutboxEntry:
    """The outbox entry that sends ``message_id``, to write in the transaction storing it."""
    return outbox.OutboxEntry(
        send_entry_id(message_id), tenant_id, send_job(tenant_id, message_id), now
    )


@attrs.frozen
class TaskOutboundQueue:
    """Delivers the message's outbox entry; the worker runs ``SendOutboundMessage`` for it."""

    relay: outbox.OutboxRelay

    async def enqueue_send(self, tenant_id: ids.TenantId, message_id: ids.MessageId) -> None:
        """Enqueue the send now; when the queue is unavailable, leave it to the outbox sweep.

        The message and its outbox entry are committed already, so a broker outage delays
        the send (by the sweep's grace) instead of failing a request that has succeeded.
        """
        try:
            await self.relay.deliver(send_entry_id(message_id))
        except errors.Unavailable:
            return


if TYPE_CHECKING:
    _: type[ports.OutboundQueue] = TaskOutboundQueue
