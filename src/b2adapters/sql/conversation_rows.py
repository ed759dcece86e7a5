"""Rows of the conversations and messages tables and back; media and templates go as JSON."""

from __future__ import annotations

from typing import Any

import attrs
from sqlalchemy.engine import RowMapping

from b2core.conversations import channel, delivery, messages, model
from b2core.shared import ids


def conversation_to_row(conversation: model.Conversation) -> dict[str, Any]:
    """The ``conversations`` row of ``conversation``."""
    contact = conversation.contact
    return {
        "id": conversation.id,
        "tenant_id": conversation.tenant_id,
        "channel_id": conversation.channel_id,
        "customer_id": conversation.customer_id,
        "status": conversation.status.value,
        "assignee_id": conversation.assignee_id,
        "contact_name": contact.name,
        "contact_phone": contact.phone,
        "contact_email": contact.email,
        "unread_count": conversation.unread_count,
        "needs_human": conversation.needs_human,
        "opened_at": conversation.opened_at,
        "last_message_at": conversation.last_message_at,
        "updated_at": conversation.updated_at,
        "last_inbound_at": conversation.last_inbound_at,
        "version": conversation.version,
    }


def conversation_from_row(row: RowMapping) -> model.Conversation:
    """The conversation stored in a ``conversations`` row."""
    assignee = row["assignee_id"]
    return model.Conversation(
        id=ids.ConversationId(row["id"]),
        tenant_id=ids.TenantId(row["tenant_id"]),
        channel_id=ids.ChannelId(row["channel_id"]),
        customer_id=row["customer_id"],
        status=model.ConversationStatus(row["status"]),
        opened_at=row["opened_at"],
        last_message_at=row["last_message_at"],
        updated_at=row["updated_at"],
        assignee_id=None if assignee is None else ids.UserId(assignee),
        contact=model.Contact(row["contact_name"], row["contact_phone"], row["contact_email"]),
        unread_count=row["unread_count"],
        last_inbound_at=row["last_inbound_at"],
        version=row["version"],
        needs_human=bool(row["needs_human"]),
    )


def delivery_values(message: messages.Message) -> dict[str, Any]:
    """The columns of ``message`` that sending and delivery reports change."""
    state = message.delivery_state
    return {
        "delivery_state": None if state is None else state.value,
        "delivery_error": message.delivery_error,
        "delivery_updated_at": message.delivery_updated_at,
        "provider_message_id": message.provider_message_id,
    }


def message_to_row(message: messages.Message) -> dict[str, Any]:
    """The ``messages`` row of ``message``."""
    media, template = message.media, message.template
    return {
        "id": message.id,
        "tenant_id": message.tenant_id,
        "conversation_id": message.conversation_id,
        "channel_id": message.channel_id,
        "direction": message.direction.value,
        "type": message.type.value,
        "text": message.text,
        "media": None if media is None else {**attrs.asdict(media), "type": media.type.value},
        "template": None if template is None else attrs.asdict(template),
        "from_ai": message.from_ai,
        "ai_confidence": message.ai_confidence,
        "sender_user_id": message.sender_user_id,
        "idempotency_key": message.idempotency_key,
        "search_key": message.searchable_text.casefold(),
        "created_at": message.created_at,
        **delivery_values(message),
    }


def message_from_row(row: RowMapping) -> messages.Message:
    """The message stored in a ``messages`` row."""
    media, template, state = row["media"], row["template"], row["delivery_state"]
    sender = row["sender_user_id"]
    return messages.Message(
        id=ids.MessageId(row["id"]),
        tenant_id=ids.TenantId(row["tenant_id"]),
        conversation_id=ids.ConversationId(row["conversation_id"]),
        channel_id=ids.ChannelId(row["channel_id"]),
        direction=messages.Direction(row["direction"]),
        type=messages.MessageType(row["type"]),
        created_at=row["created_at"],
        text=row["text"],
        media=None if media is None else _media_from_json(media),
        template=None if template is None else _template_from_json(template),
        from_ai=bool(row["from_ai"]),
        ai_confidence=row["ai_confidence"],
        sender_user_id=None if sender is None else ids.UserId(sender),
        delivery_state=None if state is None else delivery.DeliveryState(state),
        delivery_error=row["delivery_error"],
        delivery_updated_at=row["delivery_updated_at"],
        provider_message_id=row["provider_message_id"],
        idempotency_key=row["idempotency_key"],
    )


def media_to_json(media: channel.Media) -> dict[str, Any]:
    """The JSON of the ``media`` column for ``media``."""
    return {**attrs.asdict(media), "type": media.type.value}


def _media_from_json(raw: dict[str, Any]) -> channel.Media:
    return channel.Media(
        channel.MediaType(raw["type"]),
        raw["media_id"],
        raw.get("mime_type"),
        raw.get("caption"),
        raw.get("filename"),
        stored_key=raw.get("stored_key"),
        size=raw.get("size"),
        fetch_error=raw.get("fetch_error"),
    )


def _template_from_json(raw: dict[str, Any]) -> channel.Template:
    return channel.Template(raw["name"], raw["language"], tuple(raw["parameters"]))
