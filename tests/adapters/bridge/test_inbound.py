"""Bridge deliveries to InboundMessages: real-format WAHA and Evolution events."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from b2adapters.bridge import inbound
from b2core.conversations import channel
from b2core.shared import errors, ids

TENANT = ids.TenantId("tenant-1")
CHANNEL = ids.ChannelId("ch-1")

WAHA_MESSAGE: dict[str, Any] = {
    "id": "evt_01aaaaaaaaaaaaaaaaaaaaaaaa",
    "timestamp": 1767603600123,
    "event": "message",
    "session": "default",
    "metadata": {},
    "me": {"id": "15550009999@c.us", "pushName": "Bakery"},
    "payload": {
        "id": "false_15550001111@c.us_3EB0C431C26A1916E007",
        "timestamp": 1767603600,
        "from": "15550001111@c.us",
        "fromMe": False,
        "source": "app",
        "to": "15550009999@c.us",
        "participant": None,
        "body": "Do you have croissants?",
        "hasMedia": False,
        "media": None,
        "ack": 1,
        "ackName": "SERVER",
        "replyTo": None,
        "_data": {"notifyName": "Ana"},
    },
    "engine": "WEBJS",
    "environment": {"version": "2025.1.1", "engine": "WEBJS", "tier": "CORE"},
}

EVOLUTION_MESSAGE: dict[str, Any] = {
    "event": "messages.upsert",
    "instance": "shop",
    "data": {
        "key": {
            "remoteJid": "5511999990000@s.whatsapp.net",
            "fromMe": False,
            "id": "3EB0A0C1D2E3F4A5B6C7",
        },
        "pushName": "João",
        "message": {"conversation": "Quero um bolo"},
        "messageType": "conversation",
        "messageTimestamp": 1767603600,
        "instanceId": "a1b2",
        "source": "android",
    },
    "destination": "https://b2.example/api/v1/webhooks/bridge/ch-1",
    "date_time": "2026-01-05T09:00:00.000Z",
    "sender": "5511888880000@s.whatsapp.net",
    "server_url": "http://localhost:8080",
    "apikey": "instance-api-key",
}


def _waha(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(WAHA_MESSAGE)
    event["payload"].update(changes)
    return event


def _evolution(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(EVOLUTION_MESSAGE)
    event["data"].update(changes)
    return event


def test_a_waha_text_message() -> None:
    (message,) = inbound.parse_waha(WAHA_MESSAGE, TENANT, CHANNEL, session="default")
    assert message == channel.InboundMessage(
        tenant_id=TENANT,
        channel_id=CHANNEL,
        customer_id="15550001111",
        provider_message_id="false_15550001111@c.us_3EB0C431C26A1916E007",
        timestamp=datetime(2026, 1, 5, 9, tzinfo=UTC),
        text="Do you have croissants?",
        customer_name="Ana",
        customer_phone="15550001111",
    )


def test_a_waha_image_with_a_caption() -> None:
    media = {"url": "http://waha:3000/api/files/x.jpeg", "mimetype": "image/jpeg", "filename": None}
    (message,) = inbound.parse_waha(
        _waha(hasMedia=True, media=media, body="this one"), TENANT, CHANNEL
    )
    assert message.text is None
    assert message.media == channel.Media(
        channel.MediaType.IMAGE, media["url"], mime_type="image/jpeg", caption="this one"
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"fromMe": True},
        {"from": "120363000000000000@g.us"},
        {"from": "status@broadcast"},
        {"body": ""},
    ],
)
def test_waha_events_that_are_not_customer_messages_give_nothing(changes: dict[str, Any]) -> None:
    assert inbound.parse_waha(_waha(**changes), TENANT, CHANNEL) == []


def test_other_waha_events_and_other_sessions_give_nothing() -> None:
    status = {"event": "session.status", "session": "default", "payload": {"status": "WORKING"}}
    assert inbound.parse_waha(status, TENANT, CHANNEL) == []
    assert inbound.parse_waha(WAHA_MESSAGE, TENANT, CHANNEL, session="other") == []


def test_a_waha_privacy_id_has_no_phone() -> None:
    (message,) = inbound.parse_waha(_waha(**{"from": "271828182845@lid"}), TENANT, CHANNEL)
    assert (message.customer_id, message.customer_phone) == ("271828182845@lid", None)


def test_an_evolution_text_message() -> None:
    (message,) = inbound.parse_evolution(EVOLUTION_MESSAGE, TENANT, CHANNEL, instance="shop")
    assert message.customer_id == "5511999990000"
    assert message.customer_phone == "5511999990000"
    assert message.provider_message_id == "3EB0A0C1D2E3F4A5B6C7"
    assert message.text == "Quero um bolo"
    assert message.customer_name == "João"
    assert message.timestamp == datetime(2026, 1, 5, 9, tzinfo=UTC)


def test_evolution_extended_text_documents_and_v1_event_names() -> None:
    extended = _evolution(message={"extendedTextMessage": {"text": "see https://x.example"}})
    extended["event"] = "MESSAGES_UPSERT"
    (message,) = inbound.parse_evolution(extended, TENANT, CHANNEL)
    assert message.text == "see https://x.example"
    document = {
        "documentMessage": {
            "url": "https://mmg.whatsapp.net/d/f/abc.enc",
            "mimetype": "application/pdf",
            "fileName": "order.pdf",
            "caption": "my order",
        }
    }
    (doc,) = inbound.parse_evolution(_evolution(message=document), TENANT, CHANNEL)
    assert doc.media is not None
    assert (doc.media.type, doc.media.filename, doc.media.caption) == (
        channel.MediaType.DOCUMENT,
        "order.pdf",
        "my order",
    )


def test_evolution_own_messages_groups_and_other_instances_give_nothing() -> None:
    own = _evolution(key={**EVOLUTION_MESSAGE["data"]["key"], "fromMe": True})
    group = _evolution(key={**EVOLUTION_MESSAGE["data"]["key"], "remoteJid": "1203@g.us"})
    update = {"event": "connection.update", "instance": "shop", "data": {"state": "open"}}
    assert inbound.parse_evolution(own, TENANT, CHANNEL) == []
    assert inbound.parse_evolution(group, TENANT, CHANNEL) == []
    assert inbound.parse_evolution(update, TENANT, CHANNEL) == []
    assert inbound.parse_evolution(EVOLUTION_MESSAGE, TENANT, CHANNEL, instance="other") == []


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"event": "message", "payload": "text"},
        {"event": "message", "payload": {"from": "1@c.us", "body": "hi", "timestamp": 1}},
        {
            "event": "message",
            "payload": {"id": "x", "from": "1@c.us", "body": "hi", "timestamp": "soon"},
        },
    ],
)
def test_malformed_waha_deliveries_are_bad_payloads(payload: object) -> None:
    with pytest.raises(errors.InvalidInput) as raised:
        inbound.parse_waha(payload, TENANT, CHANNEL)
    assert raised.value.code == "webhook.bad_payload"


def test_a_malformed_evolution_delivery_is_a_bad_payload() -> None:
    with pytest.raises(errors.InvalidInput) as raised:
        inbound.parse_evolution({"event": "messages.upsert", "data": {"key": "x"}}, TENANT, CHANNEL)
    assert raised.value.code == "webhook.bad_payload"
