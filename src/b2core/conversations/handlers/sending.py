"""Sending one queued outbound message: exactly once, whatever the number of retries."""

from __future__ import annotations

import attrs

from b2core.conversations import channel, commands, delivery, messages, ports
from b2core.shared import errors, time


@attrs.frozen
class SendOutboundMessageHandler:
    """Loads the message, checks the switches, sends with its idempotency key, records it.

    A message already past QUEUED is not sent again (a redelivered job). Transient channel
    errors propagate so the job is retried; a refused recipient marks the message FAILED.
    """

    uow: ports.ConversationsUoW
    channels: ports.ChannelDirectory
    switches: ports.SendingSwitches
    clock: time.Clock

    async def __call__(self, cmd: commands.SendOutboundMessage) -> messages.Message:
        async with self.uow.tenant(cmd.tenant_id) as tx:
            message = await tx.messages.get(cmd.message_id)
            conversation = await tx.conversations.get(message.conversation_id) if message else None
        if message is None or conversation is None:
            raise errors.NotFound("no such message", code="message.not_found")
        if message.delivery_state is not delivery.DeliveryState.QUEUED:
            return message
        if not await self.switches.may_send(cmd.tenant_id):
            return await self._fail(cmd, "sending is switched off")
        target = await self.channels.channel_for(cmd.tenant_id, message.channel_id)
        try:
            provider_id = await target.send_text(
                conversation.customer_id,
                message.text or "",
                idempotency_key=message.idempotency_key,
            )
        except channel.InvalidRecipient as refused:
            return await self._fail(cmd, refused.message)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            sent = await tx.messages.mark_sent(cmd.message_id, provider_id, self.clock.now())
            await tx.commit()
        return sent

    async def _fail(self, cmd: commands.SendOutboundMessage, reason: str) -> messages.Message:
        async with self.uow.tenant(cmd.tenant_id) as tx:
            failed = await tx.messages.mark_failed(cmd.message_id, reason, self.clock.now())
            await tx.commit()
        return failed
