"""Sending one queued outbound message: exactly once, at a pace WhatsApp accepts, like a person.

Before the message goes out the handler, in this order:

1. shows the typing indicator and waits the human-like typing delay for the text's length
   (skipped for a reply a person wrote: that person already took their time);
2. takes a token from the channel number's bucket (80 messages/s for a Cloud API number, 1/s
   for a bridge, the Cloud API rate when the kind is unknown);
3. takes a token from the recipient's bucket: one token every ``policy.RECIPIENT_GAP`` with
   no burst, which is exactly :func:`policy.earliest_send` counted from the last message taken.

The buckets come last so that the pace holds between the sends themselves, whatever typing
delays ran before them. The built-in simulator skips steps 1 and 3: no phone shows its typing
and no provider limits its pace (demos and tests stay fast).

A short wait (under :data:`MAX_INLINE_WAIT`) is slept through; a longer one, and a rate limit
the provider answers with, raise :class:`SendDeferred`, which the job runner retries after its
``retry_after`` instead of failing the message.
"""

from __future__ import annotations

import contextlib
import math
import random
from datetime import timedelta

import attrs

from b2core.conversations import channel, commands, connections, delivery, messages, policy, ports
from b2core.conversations import model as conversation_model
from b2core.shared import errors, ids, pagination, time

#: Waits shorter than this are slept through in the job; longer ones retry the job later.
MAX_INLINE_WAIT = timedelta(seconds=2)
#: How many short waits one attempt sleeps through before it gives the slot back to the queue.
INLINE_TRIES = 3
#: How far back the typing indicator looks for the customer's message it answers.
RECENT_MESSAGES = 10
MAX_BUCKET_KEY = 1000  # room for a tenant, a channel and a customer id of 200 each


@attrs.frozen
class SendRatePlan:
    """The bucket of one channel number: ``rate_per_s`` tokens a second, at most ``burst``."""

    rate_per_s: float
    burst: int


#: The Cloud API's default throughput per business number.
CLOUD_API_RATE = SendRatePlan(rate_per_s=80.0, burst=80)
#: Bridges drive a phone's WhatsApp Web session: send slowly, as a person would.
BRIDGE_RATE = SendRatePlan(rate_per_s=1.0, burst=1)
RATES_BY_KIND = {
    connections.ChannelKind.WHATSAPP_CLOUD.value: CLOUD_API_RATE,
    connections.ChannelKind.WHATSAPP_BRIDGE.value: BRIDGE_RATE,
}
#: The kind :class:`StoredChannelKinds` gives the built-in simulator.
SIMULATOR_KIND = "simulator"
#: One message per recipient every RECIPIENT_GAP, no burst (WhatsApp error 131056).
RECIPIENT_PACE = SendRatePlan(rate_per_s=1 / policy.RECIPIENT_GAP.total_seconds(), burst=1)


def rate_for(kind: str | None) -> SendRatePlan:
    """The send rate of a channel of ``kind``; the Cloud API's when the kind is unknown."""
    return RATES_BY_KIND.get(kind or "", CLOUD_API_RATE)


def check_bucket(channel_key: object, rate_per_s: object, burst: object) -> None:
    """Refuse what no bucket can be (the :class:`ports.SendRate` argument rule)."""
    valid = (
        isinstance(channel_key, str)
        and 0 < len(channel_key) <= MAX_BUCKET_KEY
        and isinstance(rate_per_s, int | float)
        and not isinstance(rate_per_s, bool)
        and math.isfinite(rate_per_s)
        and rate_per_s > 0
        and isinstance(burst, int)
        and not isinstance(burst, bool)
        and burst >= 1
    )
    if not valid:
        raise errors.InvalidInput(
            "a send bucket needs a key, a positive finite rate and a burst of at least 1",
            code="send_rate.bad_bucket",
        )


class SendDeferred(errors.Unavailable):
    """Not now: retry the send after ``retry_after`` (a bucket is empty, or the provider said so).

    The message stays QUEUED; the job runner retries it rather than marking it failed.
    """

    code = "message.send_deferred"

    def __init__(self, message: str, *, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@attrs.frozen
class StoredChannelKinds:
    """Channel kinds from the tenant's stored connections, and the simulator's own."""

    uow: connections.ChannelsUoW

    async def kind_of(self, tenant_id: ids.TenantId, channel_id: ids.ChannelId) -> str | None:
        """The stored connection's kind, ``simulator``, or None for an unknown channel."""
        if channel_id == connections.SIMULATOR:
            return SIMULATOR_KIND
        async with self.uow.tenant(tenant_id) as tx:
            found = await tx.channels.get(channel_id)
        return None if found is None else found.kind.value


@attrs.frozen
class SendOutboundMessageHandler:
    """Loads the message, checks the switches, paces, sends with its idempotency key, records it.

    A message already past QUEUED is not sent again (a redelivered job). Transient channel
    errors propagate so the job is retried; provider rate limits and long waits for a bucket
    raise :class:`SendDeferred`; a refused recipient marks the message FAILED.
    """

    uow: ports.ConversationsUoW
    channels: ports.ChannelDirectory
    switches: ports.SendingSwitches
    clock: time.Clock
    send_rate: ports.SendRate
    sleeper: ports.Sleeper
    kinds: ports.ChannelKinds
    human: policy.HumanLike = attrs.field(factory=policy.HumanLike)
    jitter: policy.Jitter = random.random

    async def __call__(self, cmd: commands.SendOutboundMessage) -> messages.Message:
        message, conversation = await self._load(cmd)
        if message.delivery_state is not delivery.DeliveryState.QUEUED:
            return message
        if not await self.switches.may_send(cmd.tenant_id):
            return await self._fail(cmd, "sending is switched off")
        target = await self.channels.channel_for(cmd.tenant_id, message.channel_id)
        await self._prepare(cmd.tenant_id, target, conversation.customer_id, message)
        try:
            provider_id = await target.send_text(
                conversation.customer_id,
                message.text or "",
                idempotency_key=message.idempotency_key,
            )
        except channel.InvalidRecipient as refused:
            return await self._fail(cmd, refused.message)
        except channel.RateLimited as limited:
            raise SendDeferred(limited.message, retry_after=limited.retry_after) from limited
        async with self.uow.tenant(cmd.tenant_id) as tx:
            sent = await tx.messages.mark_sent(cmd.message_id, provider_id, self.clock.now())
            await tx.commit()
        return sent

    async def _load(
        self, cmd: commands.SendOutboundMessage
    ) -> tuple[messages.Message, conversation_model.Conversation]:
        async with self.uow.tenant(cmd.tenant_id) as tx:
            message = await tx.messages.get(cmd.message_id)
            conversation = await tx.conversations.get(message.conversation_id) if message else None
        if message is None or conversation is None:
            raise errors.NotFound("no such message", code="message.not_found")
        return message, conversation

    async def _prepare(
        self,
        tenant_id: ids.TenantId,
        target: ports.Channel,
        customer_id: str,
        message: messages.Message,
    ) -> None:
        kind = await self.kinds.kind_of(tenant_id, message.channel_id)
        # Nobody watches the simulator type, and it has no per-recipient limit to respect.
        lifelike = kind != SIMULATOR_KIND
        if lifelike and message.sender_user_id is None:
            await self._type_like_a_person(target, customer_id, message)
        # The number first: a recipient wait then wastes one cheap number token, whereas the
        # other order would spend the recipient's 6 s slot on a send that did not happen.
        number = f"number:{tenant_id}:{message.channel_id}"
        await self._take(number, rate_for(kind), "this channel number")
        if lifelike:
            recipient = f"recipient:{tenant_id}:{message.channel_id}:{customer_id}"
            await self._take(recipient, RECIPIENT_PACE, "this recipient")

    async def _type_like_a_person(
        self, target: ports.Channel, customer_id: str, message: messages.Message
    ) -> None:
        # Read receipt, then typing, then the reply (policy.HumanLike.plan). Receipt and
        # indicator are cosmetic: the send itself decides whether the channel works.
        in_reply_to: str | None = None
        with contextlib.suppress(errors.DomainError):
            in_reply_to = await self._last_inbound_id(message)
        read = self.human.read_delay(self.jitter())
        if read > timedelta(0):
            await self.sleeper.sleep(read.total_seconds())
        if in_reply_to is not None:
            with contextlib.suppress(errors.DomainError):
                await target.mark_read(customer_id, in_reply_to)
        with contextlib.suppress(errors.DomainError):
            await target.show_typing(customer_id, in_reply_to=in_reply_to)
        delay = self.human.typing_delay(len(message.text or ""), self.jitter())
        await self.sleeper.sleep(delay.total_seconds())

    async def _last_inbound_id(self, message: messages.Message) -> str | None:
        """The provider id of the customer's newest message (the Cloud API ties typing to it)."""
        recent = pagination.PageRequest(limit=RECENT_MESSAGES)
        async with self.uow.tenant(message.tenant_id) as tx:
            page = await tx.messages.list_for_conversation(message.conversation_id, recent)
        inbound = (m for m in page.items if m.direction is messages.Direction.INBOUND)
        return next((m.provider_message_id for m in inbound), None)

    async def _take(self, key: str, plan: SendRatePlan, what: str) -> None:
        wait = timedelta(0)
        for _ in range(INLINE_TRIES):
            wait = await self.send_rate.acquire(key, plan.rate_per_s, plan.burst)
            if wait <= timedelta(0):
                return
            if wait >= MAX_INLINE_WAIT:
                break
            await self.sleeper.sleep(wait.total_seconds())
        raise SendDeferred(f"the send rate of {what} is used up for now", retry_after=wait)

    async def _fail(self, cmd: commands.SendOutboundMessage, reason: str) -> messages.Message:
        async with self.uow.tenant(cmd.tenant_id) as tx:
            failed = await tx.messages.mark_failed(cmd.message_id, reason, self.clock.now())
            await tx.commit()
        return failed
