"""Bridge webhooks, without I/O: WAHA and Evolution deliveries to InboundMessage lists.

Only messages customers write to the business in a personal chat are kept: the business's own
messages (``fromMe``), groups, broadcasts and status updates, and events that are not messages
(session status, QR updates, acks) give nothing. Malformed deliveries are ``webhook.bad_payload``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from b2adapters.bridge import jids
from b2core.conversations import channel
from b2core.shared import errors, ids

BAD_PAYLOAD = "webhook.bad_payload"
WAHA_EVENTS = frozenset({"message", "message.any"})
EVOLUTION_EVENTS = frozenset({"messages.upsert"})
_EVOLUTION_MEDIA = {
    "imageMessage": channel.MediaType.IMAGE,
    "audioMessage": channel.MediaType.AUDIO,
    "videoMessage": channel.MediaType.VIDEO,
    "documentMessage": channel.MediaType.DOCUMENT,
}


def _bad(message: str) -> errors.InvalidInput:
    return errors.InvalidInput(message, code=BAD_PAYLOAD)


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(f"{what} must be an object")
    return value


def _timestamp(value: object) -> datetime:
    """Epoch seconds (WAHA, Evolution) or milliseconds, as a number or a numeric string."""
    try:
        seconds = float(value) if isinstance(value, int | float | str) else float("nan")
        if seconds > 10**11:  # milliseconds
            seconds /= 1000
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise _bad("timestamp must be epoch seconds") from exc


def _name(value: object) -> str | None:
    return value[: channel.MAX_NAME] if isinstance(value, str) and value.strip() else None


def _media_type(mime_type: object) -> channel.MediaType:
    kind = mime_type.split("/", 1)[0] if isinstance(mime_type, str) else ""
    return {
        "image": channel.MediaType.IMAGE,
        "audio": channel.MediaType.AUDIO,
        "video": channel.MediaType.VIDEO,
    }.get(kind, channel.MediaType.DOCUMENT)


def _session_matches(body: dict[str, Any], key: str, session: str | None) -> bool:
    return session is None or body.get(key) == session


def parse_waha(
    payload: object,
    tenant_id: ids.TenantId,
    channel_id: ids.ChannelId,
    *,
    session: str | None = None,
) -> list[channel.InboundMessage]:
    """The customer message of one WAHA event (``message`` or ``message.any``), if any.

    With ``session``, an event of another session gives nothing (one WAHA serves many).
    """
    body = _object(payload, "the delivery")
    if body.get("event") not in WAHA_EVENTS or not _session_matches(body, "session", session):
        return []
    message = _object(body.get("payload"), "the event's payload")
    customer = jids.customer_of(message.get("from"))
    if message.get("fromMe") is True or customer is None:
        return []
    text, media = _waha_content(message)
    if text is None and media is None:
        return []  # a reaction, a location, a sticker without a file...
    data = message.get("_data")
    notify = data.get("notifyName") or data.get("pushName") if isinstance(data, dict) else None
    return [
        _inbound(tenant_id, channel_id, customer, message.get("id"), message, text, media, notify)
    ]


def _waha_content(message: dict[str, Any]) -> tuple[str | None, channel.Media | None]:
    body = message.get("body") if isinstance(message.get("body"), str) else None
    if message.get("hasMedia") is not True:
        return (body if body and body.strip() else None), None
    found = message.get("media")
    media: dict[str, Any] = found if isinstance(found, dict) else {}
    # Without a downloadable file (downloads off), the message id is the only handle there is.
    handle = media.get("url") or message.get("id")
    if not isinstance(handle, str) or not handle:
        raise _bad("a media message needs an id")
    return None, channel.Media(
        _media_type(media.get("mimetype")),
        handle,
        mime_type=media.get("mimetype"),
        caption=body or None,
        filename=media.get("filename"),
    )


def parse_evolution(
    payload: object,
    tenant_id: ids.TenantId,
    channel_id: ids.ChannelId,
    *,
    instance: str | None = None,
) -> list[channel.InboundMessage]:
    """The customer messages of one Evolution ``messages.upsert`` event (v1 and v2 names)."""
    body = _object(payload, "the delivery")
    event = str(body.get("event", "")).lower().replace("_", ".")
    if event not in EVOLUTION_EVENTS or not _session_matches(body, "instance", instance):
        return []
    data = body.get("data")
    items = data if isinstance(data, list) else [data]
    found: list[channel.InboundMessage] = []
    for raw in items:
        message = _evolution_message(_object(raw, "the event's data"), tenant_id, channel_id)
        if message is not None:
            found.append(message)
    return found


def _evolution_message(
    data: dict[str, Any], tenant_id: ids.TenantId, channel_id: ids.ChannelId
) -> channel.InboundMessage | None:
    key = _object(data.get("key"), "a message key")
    customer = jids.customer_of(key.get("remoteJid"))
    if key.get("fromMe") is True or customer is None:
        return None
    found = data.get("message")
    content: dict[str, Any] = found if isinstance(found, dict) else {}
    text, media = _evolution_content(content, key.get("id"))
    if text is None and media is None:
        return None
    stamp = data.get("messageTimestamp")
    return _inbound(
        tenant_id,
        channel_id,
        customer,
        key.get("id"),
        {"timestamp": stamp},
        text,
        media,
        data.get("pushName"),
    )


def _evolution_content(
    content: dict[str, Any], message_id: object
) -> tuple[str | None, channel.Media | None]:
    extended = content.get("extendedTextMessage")
    text = content.get("conversation") or (
        extended.get("text") if isinstance(extended, dict) else None
    )
    if isinstance(text, str) and text.strip():
        return text, None
    for field, kind in _EVOLUTION_MEDIA.items():
        media = content.get(field)
        if isinstance(media, dict):
            handle = media.get("url") or message_id
            if not isinstance(handle, str) or not handle:
                raise _bad("a media message needs an id")
            return None, channel.Media(
                kind,
                handle,
                mime_type=media.get("mimetype"),
                caption=media.get("caption") or None,
                filename=media.get("fileName"),
            )
    return None, None


def _inbound(
    tenant_id: ids.TenantId,
    channel_id: ids.ChannelId,
    customer: tuple[str, str | None],
    message_id: object,
    stamped: dict[str, Any],
    text: str | None,
    media: channel.Media | None,
    name: object,
) -> channel.InboundMessage:
    if not isinstance(message_id, str) or not message_id:
        raise _bad("a message needs an id")
    try:
        return channel.InboundMessage(
            tenant_id=tenant_id,
            channel_id=channel_id,
            customer_id=customer[0],
            provider_message_id=message_id,
            timestamp=_timestamp(stamped.get("timestamp")),
            text=text,
            media=media,
            customer_name=_name(name),
            customer_phone=customer[1],
        )
    except errors.InvalidInput as exc:
        if exc.code == BAD_PAYLOAD:
            raise
        raise _bad(exc.message) from exc
