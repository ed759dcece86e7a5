"""The normalized channel shapes: inbound messages, delivery reports and typed channel errors."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from b2core.conversations import channel, delivery
from b2core.shared import errors
from tests.core.conversations.support import CHANNEL, CUSTOMER, T0, TENANT, inbound_text


def test_customer_id_is_opaque_and_phone_travels_separately() -> None:
    message = channel.InboundMessage(
        TENANT, CHANNEL, "BR.1a2b3c4d5e", "wamid.1", T0, text="oi", customer_phone=None
    )
    assert message.customer_id == "BR.1a2b3c4d5e"
    assert message.customer_phone is None


def test_timestamps_are_normalized_to_utc() -> None:
    local = T0.astimezone(timezone(timedelta(hours=-3)))
    assert inbound_text(at=local).timestamp.utcoffset() == timedelta(0)
    assert inbound_text(at=local).timestamp == T0


def test_media_message_with_caption() -> None:
    media = channel.Media(channel.MediaType.DOCUMENT, "m-1", "application/pdf", "menu", "a.pdf")
    message = channel.InboundMessage(TENANT, CHANNEL, CUSTOMER, "wamid.2", T0, media=media)
    assert message.media == media
    assert message.text is None


@pytest.mark.parametrize(
    "build",
    [
        lambda: channel.InboundMessage(TENANT, CHANNEL, CUSTOMER, "wamid.1", T0),  # no content
        lambda: channel.InboundMessage(
            TENANT,
            CHANNEL,
            CUSTOMER,
            "wamid.1",
            T0,
            text="x",
            media=channel.Media(channel.MediaType.IMAGE, "m"),
        ),
        lambda: inbound_text("   "),
        lambda: inbound_text(customer=""),
        lambda: inbound_text(provider_id="x" * 201),
        lambda: inbound_text(at=T0.replace(tzinfo=None)),
        lambda: channel.Media("STICKER", "m"),  # type: ignore[arg-type]
        lambda: channel.Template("", "pt_BR"),
    ],
)
def test_malformed_payloads_are_invalid_input(build: object) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        build()  # type: ignore[operator]
    assert caught.value.code == "channel.bad_payload"


def test_delivery_report_never_says_queued() -> None:
    report = channel.DeliveryStatus(
        TENANT, CHANNEL, "wamid.9", delivery.DeliveryState.FAILED, T0, "131047 re-engagement"
    )
    assert report.error == "131047 re-engagement"
    with pytest.raises(errors.InvalidInput):
        channel.DeliveryStatus(TENANT, CHANNEL, "wamid.9", delivery.DeliveryState.QUEUED, T0)


def test_channel_errors_are_typed_for_the_pipeline() -> None:
    limited = channel.RateLimited("slow down", retry_after=timedelta(seconds=6))
    assert isinstance(limited, errors.LimitExceeded)
    assert (limited.code, limited.retry_after) == ("channel.rate_limited", timedelta(seconds=6))
    assert isinstance(channel.WindowClosed("template needed"), errors.Conflict)
    assert channel.WindowClosed("x").code == "channel.window_closed"
    assert isinstance(channel.InvalidRecipient("x"), errors.InvalidInput)
    assert channel.InvalidRecipient("x").code == "channel.invalid_recipient"
    assert isinstance(channel.ChannelUnavailable("x"), errors.Unavailable)
    assert channel.ChannelUnavailable("x").code == "channel.unavailable"
