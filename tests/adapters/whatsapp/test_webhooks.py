"""Cloud API webhooks: parsing every entry and change, the signature, the handshake."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2adapters.whatsapp import webhooks
from b2core.conversations import channel, delivery
from b2core.shared import errors, ids
from tests.adapters.whatsapp import payloads

TENANT = ids.TenantId("tenant-1")
CHANNEL = ids.ChannelId("wa-1")
SECRET = "app-secret-xyz"


def parse(payload: Any, **kwargs: Any) -> tuple[list[Any], list[Any]]:
    return webhooks.parse_delivery(payload, TENANT, CHANNEL, **kwargs)


def test_a_delivery_of_two_entries_yields_every_message_and_status() -> None:
    inbound, statuses = parse(payloads.delivery_of_three_and_two())
    assert [m.provider_message_id for m in inbound] == ["wamid.in1", "wamid.in2", "wamid.in3"]
    text, image, document = inbound
    assert text.text == "Do you have chocolate cake?"
    assert text.customer_id == "16315551181"
    assert text.customer_phone == "16315551181"
    assert text.customer_name == "Kerry Fisher"
    assert text.timestamp == datetime(2026, 1, 1, tzinfo=UTC)
    assert text.tenant_id == TENANT
    assert text.channel_id == CHANNEL
    assert image.media == channel.Media(
        channel.MediaType.IMAGE, "media-img-1", mime_type="image/jpeg", caption="like this one"
    )
    # a user known only by the business-scoped id, and its contact name
    assert document.customer_id == "US.13491208655302741918"
    assert document.customer_phone is None
    assert document.customer_name == "Ana"
    assert document.media is not None
    assert document.media.filename == "menu.pdf"
    delivered, failed = statuses
    assert (delivered.provider_message_id, delivered.state) == (
        "wamid.out1",
        delivery.DeliveryState.DELIVERED,
    )
    assert failed.state is delivery.DeliveryState.FAILED
    assert failed.error == "131047: Re-engagement message"


def test_audio_video_and_unsupported_types() -> None:
    payload = payloads.delivery_of_three_and_two()
    messages = payload["entry"][0]["changes"][0]["value"]["messages"]
    messages[0] = {**messages[0], "type": "audio", "audio": {"id": "a-1"}}
    messages[0].pop("text")
    messages[1] = {"from": "1", "id": "wamid.r", "timestamp": "1", "type": "reaction"}
    video = {"from": "1", "id": "wamid.v", "timestamp": "1", "type": "video", "video": {"id": "v"}}
    messages.append(video)
    inbound, _ = parse(payload)
    kinds = [m.media.type for m in inbound if m.media is not None]
    assert kinds == [channel.MediaType.AUDIO, channel.MediaType.VIDEO, channel.MediaType.DOCUMENT]


def test_changes_for_another_number_are_skipped() -> None:
    payload = payloads.delivery_of_three_and_two()
    payload["entry"][1]["changes"][0]["value"]["metadata"]["phone_number_id"] = "other"
    inbound, statuses = parse(payload, phone_number_id=payloads.PHONE_ID)
    assert len(inbound) == 2
    assert statuses == []


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "text",
        {"entry": "nope"},
        {"entry": [{"changes": [{"field": "messages", "value": []}]}]},
        {"entry": [{"changes": [{"value": {"messages": [{"type": "text"}]}}]}]},
        {"entry": [{"changes": [{"value": {"messages": [{"id": "x", "from": "1",
            "timestamp": "soon", "type": "text", "text": {"body": "hi"}}]}}]}]},
        {"entry": [{"changes": [{"value": {"messages": [{"id": "x", "from": "1",
            "timestamp": "1", "type": "text", "text": {"body": "   "}}]}}]}]},
        {"entry": [{"changes": [{"value": {"statuses": [{"id": "", "status": "read",
            "timestamp": "1"}]}}]}]},
        {"entry": [{"changes": [{"value": {"messages": [{"id": "x", "from": "1",
            "timestamp": "99999999999999999999", "type": "text", "text": {"body": "a"}}]}}]}]},
    ],
)  # fmt: skip
def test_malformed_deliveries_are_bad_payload(payload: Any) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        parse(payload)
    assert caught.value.code == "webhook.bad_payload"


@given(st.binary(max_size=512), st.text(min_size=1, max_size=40))
def test_sign_then_verify_round_trips(body: bytes, secret: str) -> None:
    webhooks.verify_signature(body, webhooks.sign(body, secret), secret)


@given(st.binary(min_size=1, max_size=256), st.data())
def test_any_single_byte_change_breaks_the_signature(body: bytes, data: st.DataObject) -> None:
    header = webhooks.sign(body, SECRET)
    index = data.draw(st.integers(0, len(body) - 1))
    flip = data.draw(st.integers(1, 255))
    tampered = body[:index] + bytes([body[index] ^ flip]) + body[index + 1 :]
    with pytest.raises(errors.Unauthenticated) as caught:
        webhooks.verify_signature(tampered, header, SECRET)
    assert caught.value.code == "webhook.bad_signature"


@pytest.mark.parametrize(
    ("header", "secret"),
    [
        (None, SECRET),
        ("", SECRET),
        ("sha1=abc", SECRET),
        (webhooks.sign(b'{"entry":[]}', "wrong-secret"), SECRET),
        (webhooks.sign(b'{"entry":[]}', SECRET), ""),
        ("sha256=" + "0" * 64, SECRET),
    ],
)
def test_missing_or_wrong_signatures_are_refused(header: str | None, secret: str) -> None:
    with pytest.raises(errors.Unauthenticated) as caught:
        webhooks.verify_signature(b'{"entry":[]}', header, secret)
    assert caught.value.code == "webhook.bad_signature"


def test_valid_signature_is_accepted_in_any_hex_case() -> None:
    header = webhooks.sign(b"{}", SECRET)
    webhooks.verify_signature(b"{}", header, SECRET)
    webhooks.verify_signature(b"{}", "sha256=" + header[7:].upper(), SECRET)


def test_handshake_echoes_the_challenge_for_our_token() -> None:
    assert webhooks.verify_subscription("subscribe", "tok", "1158201444", "tok") == "1158201444"


@pytest.mark.parametrize(
    ("mode", "token"), [("subscribe", "other"), ("unsubscribe", "tok"), (None, None)]
)
def test_handshake_refuses_another_token_or_mode(mode: str | None, token: str | None) -> None:
    with pytest.raises(errors.Forbidden) as caught:
        webhooks.verify_subscription(mode, token, "123", "tok")
    assert caught.value.code == "webhook.bad_verify_token"
