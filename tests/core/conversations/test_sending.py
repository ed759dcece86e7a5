"""The send job on the memory app: retries deliver once, rate limits defer, typing, pace, switches.

Retries are driven as Dramatiq would: the same command handled again, after the clock moved.
The sleeper records its waits and moves the app's clock instead of waiting.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest

from b2core.conversations import channel, commands, delivery, policy, ports
from b2core.conversations.handlers import sending
from b2core.shared import ids
from tests.core.pipeline.conftest import Shop, make_shop

BACKOFF = timedelta(seconds=10)  # what the job runner waits between two attempts
S = delivery.DeliveryState


@attrs.define
class RecordingSleeper:
    """Moves the app's clock instead of waiting, and notes each wait in the shared timeline."""

    shop: Shop
    timeline: list[tuple[str, Any]]

    async def sleep(self, seconds: float) -> None:
        self.timeline.append(("sleep", seconds))
        self.shop.app.clock.advance(timedelta(seconds=seconds))


@attrs.define
class ScriptedChannel:
    """A channel that raises the scripted errors first, then accepts, once per idempotency key."""

    shop: Shop
    timeline: list[tuple[str, Any]]
    failures: list[Exception] = attrs.field(factory=list)
    accepted: dict[str, tuple[str, Any]] = attrs.field(factory=dict)

    async def show_typing(self, customer_id: str, *, in_reply_to: str | None = None) -> None:
        self.timeline.append(("typing", in_reply_to))

    async def mark_read(self, customer_id: str, provider_message_id: str) -> None:
        self.timeline.append(("read", provider_message_id))

    async def send_text(
        self, customer_id: str, text: str, *, idempotency_key: str | None = None
    ) -> str:
        self.timeline.append(("text", text))
        if self.failures:
            raise self.failures.pop(0)
        key = idempotency_key or text
        self.accepted.setdefault(key, (text, self.shop.app.clock.now()))
        return f"wamid.out.{key}"

    async def channel_for(self, tenant_id: ids.TenantId, channel_id: ids.ChannelId) -> Any:
        return self  # the directory, too: every channel id is this one


@attrs.define
class Sending:
    """A shop whose outbound path goes through the scripted channel and the recording sleeper."""

    shop: Shop
    channel: ScriptedChannel
    timeline: list[tuple[str, Any]]

    async def reply_to(
        self, text: str, customer: str = "cust-1", provider_id: str | None = None
    ) -> ids.MessageId:
        result = await self.shop.say(text, customer=customer, provider_id=provider_id)
        assert result.reply_id is not None
        return ids.MessageId(result.reply_id)

    async def send(self, message_id: ids.MessageId) -> Any:
        command = commands.SendOutboundMessage(self.shop.tenant_id, message_id)
        return await self.shop.app.handle(command)

    async def stored(self, message_id: ids.MessageId) -> Any:
        async with await self.shop.tx() as tx:
            return await tx.messages.get(message_id)

    def sleeps(self) -> list[float]:
        return [seconds for kind, seconds in self.timeline if kind == "sleep"]


@attrs.frozen
class CloudKinds:
    """Every channel is a Cloud API number (the shop's replies go out on the simulator's id)."""

    async def kind_of(self, tenant_id: ids.TenantId, channel_id: ids.ChannelId) -> str | None:
        return "whatsapp_cloud"


async def _sending(*, cloud: bool) -> Sending:
    shop = await make_shop()
    timeline: list[tuple[str, Any]] = []
    scripted = ScriptedChannel(shop, timeline)
    shop.app.container.register(ports.ChannelDirectory, instance=scripted)
    shop.app.container.register(ports.Sleeper, instance=RecordingSleeper(shop, timeline))
    if cloud:
        shop.app.container.register(ports.ChannelKinds, instance=CloudKinds())
    return Sending(shop, scripted, timeline)


@pytest.fixture
async def outbound() -> Sending:
    return await _sending(cloud=True)


def _fixed_typing(outbound: Sending, seconds: int) -> None:
    fixed = timedelta(seconds=seconds)
    human = policy.HumanLike(
        base=fixed,
        per_char=timedelta(0),
        min_delay=fixed,
        spread=0.0,
        read_min=timedelta(0),
        read_max=timedelta(0),
    )
    outbound.shop.app.container.register(policy.HumanLike, instance=human)


async def test_two_unavailable_channels_then_success_deliver_once(outbound: Sending) -> None:
    reply = await outbound.reply_to("Tell me about the chocolate cake")
    outbound.channel.failures += [
        channel.ChannelUnavailable("down"),
        channel.ChannelUnavailable("x"),
    ]
    for _ in range(2):
        with pytest.raises(channel.ChannelUnavailable):
            await outbound.send(reply)
        assert (await outbound.stored(reply)).delivery_state is S.QUEUED
        outbound.shop.app.clock.advance(BACKOFF)
    sent = await outbound.send(reply)
    assert sent.delivery_state is S.SENT
    again = await outbound.send(reply)  # a redelivered job finds it SENT and sends nothing
    assert again.delivery_state is S.SENT
    assert len(outbound.channel.accepted) == 1
    assert [kind for kind, _ in outbound.timeline].count("text") == 3


async def test_a_provider_rate_limit_defers_without_failing(outbound: Sending) -> None:
    reply = await outbound.reply_to("hello")
    limited = channel.RateLimited("code 131056", retry_after=timedelta(seconds=30))
    outbound.channel.failures.append(limited)
    with pytest.raises(sending.SendDeferred) as deferred:
        await outbound.send(reply)
    assert deferred.value.retry_after == timedelta(seconds=30)
    assert (await outbound.stored(reply)).delivery_state is S.QUEUED
    outbound.shop.app.clock.advance(deferred.value.retry_after)
    assert (await outbound.send(reply)).delivery_state is S.SENT
    assert len(outbound.channel.accepted) == 1


async def test_a_refused_recipient_fails_the_message(outbound: Sending) -> None:
    reply = await outbound.reply_to("hello")
    outbound.channel.failures.append(channel.InvalidRecipient("not a WhatsApp user"))
    failed = await outbound.send(reply)
    assert failed.delivery_state is S.FAILED
    assert failed.delivery_error == "not a WhatsApp user"
    assert (await outbound.send(reply)).delivery_state is S.FAILED
    assert outbound.channel.accepted == {}


async def test_read_then_typing_then_the_reply_after_human_like_delays(outbound: Sending) -> None:
    reply = await outbound.reply_to("Tell me about the cake", provider_id="wamid.cake")
    await outbound.send(reply)
    (text,) = [value for kind, value in outbound.timeline if kind == "text"]
    kinds = [kind for kind, _ in outbound.timeline]
    assert kinds == ["sleep", "read", "typing", "sleep", "text"]
    # Receipt and indicator are tied to the customer's message.
    assert outbound.timeline[1] == ("read", "wamid.cake")
    assert outbound.timeline[2] == ("typing", "wamid.cake")
    read, typing = (timedelta(seconds=s) for s in outbound.sleeps())
    human = policy.HumanLike()
    assert human.read_min <= read <= human.read_max  # 1-3 s
    assert human.typing_delay(len(text), 0.0) <= typing <= human.typing_delay(len(text), 1.0)
    assert human.min_delay <= typing <= human.max_delay


async def test_a_second_reply_within_six_seconds_waits_for_the_pace(outbound: Sending) -> None:
    _fixed_typing(outbound, 1)
    first = await outbound.reply_to("hello", customer="cust-9")
    second = await outbound.reply_to("Tell me about the croissant", customer="cust-9")
    await outbound.send(first)
    (first_at,) = [at for _, at in outbound.channel.accepted.values()]
    with pytest.raises(sending.SendDeferred) as deferred:
        await outbound.send(second)  # 1 s of typing later: 5 s short of the gap
    now = outbound.shop.app.clock.now()
    assert deferred.value.retry_after == policy.earliest_send(now, first_at) - now
    assert deferred.value.retry_after == timedelta(seconds=5)
    # Retried a little early: the last half second is slept through, then it goes.
    outbound.shop.app.clock.advance(timedelta(seconds=3.5))
    assert (await outbound.send(second)).delivery_state is S.SENT
    assert outbound.sleeps()[-1] == pytest.approx(0.5)
    second_at = max(at for _, at in outbound.channel.accepted.values())
    assert second_at - first_at == policy.RECIPIENT_GAP


async def test_other_customers_are_not_held_by_the_pace(outbound: Sending) -> None:
    _fixed_typing(outbound, 1)
    await outbound.send(await outbound.reply_to("hello", customer="cust-a"))
    assert (
        await outbound.send(await outbound.reply_to("hi", customer="cust-b"))
    ).delivery_state is S.SENT
    assert outbound.sleeps() == [1.0, 1.0]


async def test_an_exhausted_number_defers_before_anything_is_sent(outbound: Sending) -> None:
    reply = await outbound.reply_to("hello")

    @attrs.define
    class Exhausted:
        keys: list[tuple[str, float, int]] = attrs.field(factory=list)

        async def acquire(self, channel_key: str, rate_per_s: float, burst: int) -> timedelta:
            self.keys.append((channel_key, rate_per_s, burst))
            return timedelta(seconds=12)

    rate = Exhausted()
    outbound.shop.app.container.register(ports.SendRate, instance=rate)
    with pytest.raises(sending.SendDeferred) as deferred:
        await outbound.send(reply)
    assert deferred.value.retry_after == timedelta(seconds=12)
    assert [(r, b) for _, r, b in rate.keys] == [(80.0, 80)]  # the Cloud API number's bucket
    assert "text" not in [kind for kind, _ in outbound.timeline]
    assert (await outbound.stored(reply)).delivery_state is S.QUEUED


async def test_the_whatsapp_switch_off_fails_the_message_and_sends_nothing(
    outbound: Sending,
) -> None:
    reply = await outbound.reply_to("hello")
    await outbound.shop.ai_settings(whatsapp_enabled=False)
    failed = await outbound.send(reply)
    assert failed.delivery_state is S.FAILED
    assert failed.delivery_error == "sending is switched off"
    assert outbound.timeline == []


async def test_the_simulator_sends_at_once_without_typing_or_pace() -> None:
    outbound = await _sending(cloud=False)
    first = await outbound.reply_to("hello", customer="cust-s")
    second = await outbound.reply_to("hello again", customer="cust-s")
    assert (await outbound.send(first)).delivery_state is S.SENT
    assert (await outbound.send(second)).delivery_state is S.SENT
    assert [kind for kind, _ in outbound.timeline] == ["text", "text"]


def test_the_send_rate_follows_the_channel_kind() -> None:
    assert sending.rate_for("whatsapp_cloud") == sending.CLOUD_API_RATE
    assert sending.rate_for("whatsapp_bridge") == sending.BRIDGE_RATE
    assert sending.rate_for(None) == sending.CLOUD_API_RATE
    assert sending.rate_for(sending.SIMULATOR_KIND) == sending.CLOUD_API_RATE
    assert sending.BRIDGE_RATE.rate_per_s < sending.CLOUD_API_RATE.rate_per_s
    assert sending.RECIPIENT_PACE.burst == 1
    assert 1 / sending.RECIPIENT_PACE.rate_per_s == pytest.approx(6.0)
