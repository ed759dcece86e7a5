"""A channel of your own: an SMS gateway (printed to the console) proven by the Channel contract.

Run it with ``python examples/custom_channel.py``. It needs no network and no services:

1. ``SmsChannel`` implements the ``Channel`` port (send, typing, read receipts) on top of a
   stand-in gateway that only records and prints what it would send;
2. the minimal Channel contract from ``b2core.testing.contracts.channel`` runs against it;
3. an all-memory b2 application uses it: a tenant with a catalog, one customer SMS through the
   AI pipeline, and the reply sent through ``SendOutboundMessage`` over the SMS channel.
"""

from __future__ import annotations

import asyncio
import itertools

import attrs

from b2app import bootstrap, settings
from b2core.conversations import channel
from b2core.conversations import commands as conversation_commands
from b2core.conversations import ports as conversation_ports
from b2core.iam import commands as iam_commands
from b2core.messagebus import MessageBus
from b2core.orders import commands as order_commands
from b2core.orders import policy as order_policy
from b2core.pipeline import commands as pipeline_commands
from b2core.platform import commands as platform_commands
from b2core.shared import errors, ids, money, time
from b2core.testing.contracts import channel as channel_contract

SMS_CHANNEL = ids.ChannelId("sms")
SMS_SEGMENT = 160  # characters per GSM-7 SMS segment


@attrs.define
class SmsGateway:
    """Stands in for a real SMS provider's API: it records each SMS and prints it."""

    sent: list[tuple[str, str, str]] = attrs.field(factory=list)  # (provider id, to, text)
    quiet: bool = False
    _numbers: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))

    def submit(self, to: str, text: str) -> str:
        """Send one SMS (maybe several segments); return the provider's message id."""
        provider_id = f"sms-{next(self._numbers):05d}"
        self.sent.append((provider_id, to, text))
        if not self.quiet:
            segments = -(-len(text) // SMS_SEGMENT)
            print(f"  [sms gateway] {provider_id} to {to} ({segments} segment(s)): {text}")
        return provider_id


@attrs.define
class SmsChannel:
    """The Channel port over SMS. SMS has no typing indicator and no read receipts."""

    gateway: SmsGateway
    # Remembers idempotency keys, so a retried send job never texts the customer twice.
    _by_key: dict[str, str] = attrs.field(factory=dict)

    async def send_text(
        self, customer_id: str, text: str, *, idempotency_key: str | None = None
    ) -> str:
        if idempotency_key is not None and idempotency_key in self._by_key:
            return self._by_key[idempotency_key]
        if not customer_id.lstrip("+").isdigit():
            raise channel.InvalidRecipient("SMS needs a phone number")
        provider_id = self.gateway.submit(customer_id, text)
        if idempotency_key is not None:
            self._by_key[idempotency_key] = provider_id
        return provider_id

    async def send_template(
        self, customer_id: str, template: channel.Template, *, idempotency_key: str | None = None
    ) -> str:
        text = f"{template.name}: {' '.join(template.parameters)}"
        return await self.send_text(customer_id, text, idempotency_key=idempotency_key)

    async def send_media(
        self, customer_id: str, media: channel.Media, *, idempotency_key: str | None = None
    ) -> str:
        text = media.caption or f"[{media.type.value.lower()} attached]"
        return await self.send_text(customer_id, text, idempotency_key=idempotency_key)

    async def show_typing(self, customer_id: str, *, in_reply_to: str | None = None) -> None:
        return None  # SMS cannot show typing

    async def mark_read(self, customer_id: str, provider_message_id: str) -> None:
        return None  # SMS has no read receipts


@attrs.define
class SmsDirectory:
    """The ChannelDirectory port: every tenant has the one SMS channel ``sms``."""

    channel: SmsChannel

    async def channel_for(self, tenant_id: ids.TenantId, channel_id: ids.ChannelId) -> SmsChannel:
        if channel_id != SMS_CHANNEL:
            raise errors.NotFound("this channel is not connected", code="channel.not_found")
        return self.channel


async def prove_the_contract() -> int:
    """Run the Channel contract on fresh SMS channels; return how many checks passed."""

    async def fresh_channel() -> conversation_ports.Channel:
        return SmsChannel(SmsGateway(quiet=True))

    return await channel_contract.run_all(fresh_channel)


async def serve_one_customer(gateway: SmsGateway) -> None:
    """A memory b2 app on the SMS channel: one customer question, one AI reply by SMS."""
    config = settings.Settings(database_url="memory://", jwt_secret="x" * 40, bcrypt_cost=4)
    container = bootstrap.build_container(
        config, overrides={conversation_ports.ChannelDirectory: SmsDirectory(SmsChannel(gateway))}
    )
    bus: MessageBus = container.resolve(MessageBus)
    clock: time.Clock = container.resolve(time.Clock)
    await bus.handle(platform_commands.EnsurePlatformSettings())
    registered = await bus.handle(
        iam_commands.RegisterTenant("Sunny Bakery", "owner@bakery.example", "correct horse battery")
    )
    tenant_id = ids.TenantId(str(registered.tenant_id))
    await bus.handle(
        order_commands.CreateService(
            tenant_id,
            "Chocolate Cake",
            money.Money(250000, "PKR"),
            order_policy.Actor.system(),
            description="A rich chocolate cake for 8 people.",
        )
    )
    inbound = channel.InboundMessage(
        tenant_id=tenant_id,
        channel_id=SMS_CHANNEL,
        customer_id="923001234567",
        provider_message_id="sms-in-1",
        timestamp=clock.now(),
        text="Hi! Tell me about the chocolate cake",
    )
    print(f"customer {inbound.customer_id} texts: {inbound.text}")
    result = await bus.handle(pipeline_commands.HandleInboundMessage(inbound))
    print(f"pipeline outcome: {result.outcome}")
    if result.reply_id is None:
        raise SystemExit("the pipeline produced no reply")
    # In production the outbound job runs this on a worker; here we run it directly.
    command = conversation_commands.SendOutboundMessage(tenant_id, result.reply_id)
    sent = await bus.handle(command)
    await bus.handle(command)  # a retried job: the message is SENT already, nothing goes out
    print(f"reply {sent.id} is {sent.delivery_state} as {sent.provider_message_id}")


async def main() -> None:
    """Prove the channel, use it, and say what it sent."""
    passed = await prove_the_contract()
    print(f"Channel contract: {passed} checks passed on SmsChannel")
    gateway = SmsGateway()
    await serve_one_customer(gateway)
    if len(gateway.sent) != 1:
        raise SystemExit(f"expected one SMS, the gateway sent {len(gateway.sent)}")
    print(f"custom channel OK: sent {len(gateway.sent)} message(s)")


if __name__ == "__main__":
    asyncio.run(main())
