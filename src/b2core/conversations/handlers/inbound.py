"""Storing what a customer sent: once per provider message, in the customer's live conversation.

:func:`record_inbound` runs inside the caller's transaction (the inbound pipeline's), so that
the message, the conversation and whatever the pipeline decides next commit together.
"""

from __future__ import annotations

import attrs

from b2core.conversations import channel, media_jobs, messages, model, ports
from b2core.shared import errors, ids


@attrs.frozen
class Received:
    """The outcome of recording an inbound message.

    ``is_new`` is False for a repeat delivery of a message already stored (nothing changed);
    ``opened`` says the conversation was opened by this message.
    """

    conversation: model.Conversation
    message: messages.Message
    is_new: bool
    opened: bool


async def record_inbound(
    tx: ports.ConversationsTx, inbound: channel.InboundMessage, id_generator: ids.IdGenerator
) -> Received:
    """Store ``inbound`` in the customer's conversation (opened if none is live) and count it.

    A RESOLVED conversation reopens; a repeat of the same provider message changes nothing.
    """
    repeat = await _repeat(tx, inbound, opened=False)
    if repeat is not None:
        return repeat
    candidate = model.Conversation.open(
        ids.ConversationId(id_generator.new()),
        inbound.tenant_id,
        inbound.channel_id,
        inbound.customer_id,
        inbound.timestamp,
    )
    conversation, opened = await tx.conversations.get_or_open_for_customer(candidate)
    message = messages.Message.from_inbound(
        ids.MessageId(id_generator.new()), conversation.id, inbound
    )
    if not await tx.messages.add(message):
        # Another delivery of the same message got in between our look-up and our insert.
        raced = await _repeat(tx, inbound, opened=opened)
        if raced is None:
            raise errors.Conflict("this message is already stored", code="message.already_exists")
        return raced
    if message.media is not None:
        # The download happens in the background; the job exists exactly when the message does.
        await tx.outbox.add(
            media_jobs.fetch_entry(inbound.tenant_id, message.id, inbound.timestamp)
        )
    received = conversation.receive(
        inbound.timestamp,
        channel_id=inbound.channel_id,
        customer_name=inbound.customer_name,
        customer_phone=inbound.customer_phone,
    )
    saved = await tx.conversations.save(received)
    return Received(saved, message, is_new=True, opened=opened)


async def _repeat(
    tx: ports.ConversationsTx, inbound: channel.InboundMessage, *, opened: bool
) -> Received | None:
    stored = await tx.messages.find_by_provider_id(inbound.channel_id, inbound.provider_message_id)
    if stored is None:
        return None
    conversation = await tx.conversations.get(stored.conversation_id)
    if conversation is None:  # a message always belongs to a conversation of its tenant
        raise errors.NotFound("no such conversation", code="conversation.not_found")
    return Received(conversation, stored, is_new=False, opened=opened)
