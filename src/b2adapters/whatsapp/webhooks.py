"""Cloud API webhooks, without I/O: the signature, the subscription handshake and the parsing.

Meta signs each delivery with ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>``
under the app secret. A delivery may hold several entries, each with several changes, each with
several messages and statuses: every one of them is read.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from b2core.conversations import channel, delivery
from b2core.shared import errors, ids

SIGNATURE_HEADER = "X-Hub-Signature-256"
BAD_SIGNATURE = "webhook.bad_signature"
BAD_VERIFY_TOKEN = "webhook.bad_verify_token"
BAD_PAYLOAD = "webhook.bad_payload"
_PREFIX = "sha256="
_MAX_CHALLENGE = 200

MEDIA_TYPES = {
    "image": channel.MediaType.IMAGE,
    "audio": channel.MediaType.AUDIO,
    "document": channel.MediaType.DOCUMENT,
    "video": channel.MediaType.VIDEO,
}
STATES = {
    "sent": delivery.DeliveryState.SENT,
    "delivered": delivery.DeliveryState.DELIVERED,
    "read": delivery.DeliveryState.READ,
    "failed": delivery.DeliveryState.FAILED,
}


def sign(raw_body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends for ``raw_body`` (tests and tools use it)."""
    digest = hmac.new(app_secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify_signature(raw_body: bytes, header: str | None, app_secret: str) -> None:
    """Accept the delivery only if ``header`` is the app secret's signature of ``raw_body``.

    Raises:
        errors.Unauthenticated: ``webhook.bad_signature`` when missing, malformed or wrong.
    """
    if not app_secret:
        raise errors.Unauthenticated("the channel has no app secret", code=BAD_SIGNATURE)
    if not header or not header.startswith(_PREFIX):
        raise errors.Unauthenticated("the delivery is not signed", code=BAD_SIGNATURE)
    expected = sign(raw_body, app_secret)
    if not hmac.compare_digest(expected.encode("ascii"), header.strip().lower().encode()):
        raise errors.Unauthenticated("the delivery's signature is wrong", code=BAD_SIGNATURE)


def verify_subscription(
    mode: str | None, token: str | None, challenge: str | None, expected_token: str
) -> str:
    """The GET handshake: echo ``hub.challenge`` when ``hub.verify_token`` is ours.

    Raises:
        errors.Forbidden: ``webhook.bad_verify_token`` for another mode or token.
        errors.InvalidInput: ``webhook.bad_payload`` for a missing or odd challenge.
    """
    given = (token or "").encode("utf-8")
    if (
        mode != "subscribe"
        or not expected_token
        or not hmac.compare_digest(given, expected_token.encode("utf-8"))
    ):
        raise errors.Forbidden("the verify token does not match", code=BAD_VERIFY_TOKEN)
    if not challenge or len(challenge) > _MAX_CHALLENGE or not challenge.isprintable():
        raise errors.InvalidInput("hub.challenge is missing or not valid", code=BAD_PAYLOAD)
    return challenge


def _bad(message: str) -> errors.InvalidInput:
    return errors.InvalidInput(message, code=BAD_PAYLOAD)


def _list(value: object, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad(f"{what} must be a list")
    return value


def _dict(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(f"{what} must be an object")
    return value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise _bad(f"{what} must be a non-empty string")
    return value


def _timestamp(value: object) -> datetime:
    try:
        seconds = int(_text(value, "timestamp"))
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise _bad("timestamp must be epoch seconds") from exc


def _changes(payload: object) -> Iterator[dict[str, Any]]:
    """Every ``messages`` change value of every entry."""
    body = _dict(payload, "the delivery")
    for entry in _list(body.get("entry"), "entry"):
        for change in _list(_dict(entry, "an entry").get("changes"), "changes"):
            change = _dict(change, "a change")
            if change.get("field", "messages") == "messages":
                yield _dict(change.get("value"), "a change value")


def parse_delivery(
    payload: object,
    tenant_id: ids.TenantId,
    channel_id: ids.ChannelId,
    *,
    phone_number_id: str | None = None,
) -> tuple[list[channel.InboundMessage], list[channel.DeliveryStatus]]:
    """The customer messages and delivery reports of one webhook delivery, in order.

    With ``phone_number_id``, changes addressed to another number are skipped: a Meta app may
    serve several numbers, and a delivery for one must not land in another's channel. Message
    types the inbox cannot show (reactions, stickers, locations...) are skipped.

    Raises:
        errors.InvalidInput: ``webhook.bad_payload`` when the delivery is not in the format.
    """
    inbound: list[channel.InboundMessage] = []
    statuses: list[channel.DeliveryStatus] = []
    try:
        for value in _changes(payload):
            metadata = value.get("metadata")
            number = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
            if phone_number_id is not None and number != phone_number_id:
                continue
            names = _contact_names(value)
            for raw in _list(value.get("messages"), "messages"):
                message = _message(_dict(raw, "a message"), names, tenant_id, channel_id)
                if message is not None:
                    inbound.append(message)
            for raw in _list(value.get("statuses"), "statuses"):
                status = _status(_dict(raw, "a status"), tenant_id, channel_id)
                if status is not None:
                    statuses.append(status)
    except errors.InvalidInput as exc:
        if exc.code == BAD_PAYLOAD:
            raise
        raise _bad(exc.message) from exc
    return inbound, statuses


def _contact_names(value: dict[str, Any]) -> dict[str, str]:
    """Profile names by every id a contact is known by (``wa_id`` and ``user_id``)."""
    names: dict[str, str] = {}
    for raw in _list(value.get("contacts"), "contacts"):
        contact = _dict(raw, "a contact")
        profile = contact.get("profile")
        name = profile.get("name") if isinstance(profile, dict) else None
        if not isinstance(name, str) or not name:
            continue
        for key in ("wa_id", "user_id"):
            if isinstance(contact.get(key), str):
                names[contact[key]] = name[: channel.MAX_NAME]
    return names


def _message(
    raw: dict[str, Any],
    names: dict[str, str],
    tenant_id: ids.TenantId,
    channel_id: ids.ChannelId,
) -> channel.InboundMessage | None:
    kind = raw.get("type")
    text: str | None = None
    media: channel.Media | None = None
    if kind == "text":
        text = _text(_dict(raw.get("text"), "a text message's text").get("body"), "a text body")
    elif kind in MEDIA_TYPES:
        media = _media(str(kind), _dict(raw.get(kind), f"a {kind} message's {kind}"))
    else:
        return None
    phone = raw.get("from") if isinstance(raw.get("from"), str) and raw.get("from") else None
    # Users with a username may come without a phone: then the business-scoped id names them.
    customer = _text(phone or raw.get("from_user_id") or raw.get("user_id"), "a sender")
    return channel.InboundMessage(
        tenant_id=tenant_id,
        channel_id=channel_id,
        customer_id=customer,
        provider_message_id=_text(raw.get("id"), "a message id"),
        timestamp=_timestamp(raw.get("timestamp")),
        text=text,
        media=media,
        customer_name=names.get(customer),
        customer_phone=phone,
    )


def _media(kind: str, content: dict[str, Any]) -> channel.Media:
    return channel.Media(
        MEDIA_TYPES[kind],
        _text(content.get("id"), "a media id"),
        mime_type=content.get("mime_type"),
        caption=content.get("caption"),
        filename=content.get("filename"),
    )


def _status(
    raw: dict[str, Any], tenant_id: ids.TenantId, channel_id: ids.ChannelId
) -> channel.DeliveryStatus | None:
    state = STATES.get(str(raw.get("status")))
    if state is None:
        return None  # e.g. "deleted": nothing the delivery rule knows
    error = None
    if state is delivery.DeliveryState.FAILED:
        found = [e for e in _list(raw.get("errors"), "errors") if isinstance(e, dict)]
        first = found[0] if found else {}
        error = f"{first.get('code', 'unknown')}: {first.get('title', 'failed')}"[:1000]
    return channel.DeliveryStatus(
        tenant_id,
        channel_id,
        _text(raw.get("id"), "a status id"),
        state,
        _timestamp(raw.get("timestamp")),
        error,
    )
