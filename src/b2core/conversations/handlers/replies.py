"""A person answers the customer: the reply is recorded, then its send is queued."""

from __future__ import annotations

import attrs

from b2core.conversations import commands, messages, policy, ports
from b2core.conversations import outbound as outbound_jobs
from b2core.conversations.handlers import common
from b2core.shared import ids, time


@attrs.frozen
class ReplyAsHumanHandler:
    """Record a person's reply QUEUED with a fresh idempotency key, then queue its send.

    Replying takes the conversation over (ASSIGNED to the replier unless someone holds it) and
    counts as reading it. The send is queued only after the commit, so the job always finds
    the message; if queueing fails, the message stays QUEUED for a sweeper to pick up.
    """

    uow: ports.ConversationsUoW
    outbound: ports.OutboundQueue
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.ReplyAsHuman) -> messages.Message:
        common.check_staff(cmd)
        now = self.clock.now()
        message_id = ids.MessageId(self.id_generator.new())
        async with self.uow.tenant(cmd.tenant_id) as tx:
            conversation = await common.load_conversation(tx, cmd.conversation_id)
            taken = conversation.reply_by_human(cmd.user_id, now)
            # The reply is its own cause: a fresh key that a retried send job keeps.
            key = policy.outbound_key(cmd.tenant_id, conversation.id, message_id)
            message = messages.Message.outbound_text(
                message_id, taken, cmd.text, now, key, sender_user_id=cmd.user_id
            )
            await tx.messages.add(message)
            await tx.outbox.add(outbound_jobs.send_entry(cmd.tenant_id, message.id, now))
            saved = await tx.conversations.save(taken)
            metadata = {
                "message_id": message.id,
                "from": conversation.status.value,
                "to": saved.status.value,
            }
            await tx.audit.append(
                common.entry(
                    self.id_generator,
                    self.clock,
                    cmd,
                    "conversation.human_replied",
                    conversation.id,
                    metadata,
                )
            )
            await tx.commit()
        await self.outbound.enqueue_send(cmd.tenant_id, message.id)
        return message
