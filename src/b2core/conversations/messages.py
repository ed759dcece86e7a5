"""Messages of a conversation: what was said, by whom, and how far an outbound one got.

Inbound messages come from a channel and are unique per (channel, provider message id).
Outbound ones are recorded QUEUED with an idempotency key before anything is sent; the send job
then records the provider's id, and delivery reports move the state forward (never back, see
:mod:`b2core.conversations.delivery`).
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from b2core.conversations import channel, delivery, model
from b2core.shared import errors, ids

MAX_OUTBOUND_TEXT = 4096  # WhatsApp's limit for a text message body


class Direction(enum.StrEnum):
    """From the customer (INBOUND) or to the customer (OUTBOUND)."""

    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"


class MessageType(enum.StrEnum):
    """What a message carries."""

    TEXT = "TEXT"
    IMAGE = "IMAGE"
    AUDIO = "AUDIO"
    DOCUMENT = "DOCUMENT"
    VIDEO = "VIDEO"
    TEMPLATE = "TEMPLATE"


def _bad(message: str, reason: str) -> errors.InvalidInput:
    return errors.InvalidInput(message, code=f"message.{reason}")


@attrs.frozen
class Message:
    """One message of a conversation.

    ``text`` is the body of a TEXT message (a media message's words are its caption, a
    template's are its parameters). ``from_ai`` with ``ai_confidence`` marks AI replies,
    ``sender_user_id`` a person's reply; an outbound message with neither came from the platform
    (a scheduled message, a fallback). ``delivery_state`` is None for inbound messages.
    """

    id: ids.MessageId
    tenant_id: ids.TenantId
    conversation_id: ids.ConversationId
    channel_id: ids.ChannelId
    direction: Direction
    type: MessageType
    created_at: datetime = attrs.field(converter=channel.utc)
    text: str | None = None
    media: channel.Media | None = None
    template: channel.Template | None = None
    from_ai: bool = False
    ai_confidence: float | None = None
    sender_user_id: ids.UserId | None = None
    delivery_state: delivery.DeliveryState | None = None
    delivery_error: str | None = None
    delivery_updated_at: datetime | None = None
    provider_message_id: str | None = None
    idempotency_key: str | None = None

    def __attrs_post_init__(self) -> None:
        self._check_content()
        self._check_origin()
        self._check_delivery()

    @classmethod
    def from_inbound(
        cls,
        message_id: ids.MessageId,
        conversation_id: ids.ConversationId,
        inbound: channel.InboundMessage,
    ) -> Message:
        """The stored form of a customer's message."""
        kind = MessageType.TEXT if inbound.media is None else MessageType(inbound.media.type.value)
        return cls(
            message_id,
            inbound.tenant_id,
            conversation_id,
            inbound.channel_id,
            Direction.INBOUND,
            kind,
            inbound.timestamp,
            text=inbound.text,
            media=inbound.media,
            provider_message_id=inbound.provider_message_id,
        )

    @classmethod
    def outbound_text(
        cls,
        message_id: ids.MessageId,
        conversation: model.Conversation,
        text: str,
        at: datetime,
        idempotency_key: str,
        *,
        sender_user_id: ids.UserId | None = None,
        from_ai: bool = False,
        ai_confidence: float | None = None,
    ) -> Message:
        """A QUEUED text reply in ``conversation``, on the channel the customer last used."""
        return cls(
            message_id,
            conversation.tenant_id,
            conversation.id,
            conversation.channel_id,
            Direction.OUTBOUND,
            MessageType.TEXT,
            at,
            text=text,
            from_ai=from_ai,
            ai_confidence=ai_confidence,
            sender_user_id=sender_user_id,
            delivery_state=delivery.DeliveryState.QUEUED,
            delivery_updated_at=at,
            idempotency_key=idempotency_key,
        )

    @property
    def searchable_text(self) -> str:
        """The words of the message a search looks at: its text, or its media caption."""
        if self.text is not None:
            return self.text
        if self.media is not None and self.media.caption is not None:
            return self.media.caption
        return ""

    def advance_delivery(
        self, state: delivery.DeliveryState, at: datetime, error: str | None = None
    ) -> Message:
        """This message after a delivery report; itself when the report changes nothing."""
        if self.delivery_state is None:
            raise errors.Conflict(
                "an inbound message has no delivery state", code="message.not_outbound"
            )
        if not delivery.is_progress(self.delivery_state, state):
            return self
        failed = state is delivery.DeliveryState.FAILED
        return attrs.evolve(
            self,
            delivery_state=state,
            delivery_updated_at=channel.utc(at),
            delivery_error=(error or "failed") if failed else None,
        )

    def with_media(self, attachment: channel.Media) -> Message:
        """This message with what became of its own attachment (same kind and handle)."""
        current = self.media
        if current is None or (attachment.type, attachment.media_id) != (
            current.type,
            current.media_id,
        ):
            raise _bad("only the message's own attachment can be recorded", "bad_content")
        return attrs.evolve(self, media=attachment)

    def mark_sent(self, provider_message_id: str, at: datetime) -> Message:
        """The channel accepted the message under ``provider_message_id``."""
        channel.check_id(provider_message_id, "provider message id")
        if self.provider_message_id not in (None, provider_message_id):
            raise errors.Conflict(
                "the message was already sent under another provider id",
                code="message.already_sent",
            )
        sent = attrs.evolve(self, provider_message_id=provider_message_id)
        return sent.advance_delivery(delivery.DeliveryState.SENT, at)

    def _check_content(self) -> None:
        media_kind = self.media.type.value if self.media is not None else None
        if self.type is MessageType.TEXT:
            valid = bool(self.text and self.text.strip()) and self.media is None
        elif self.type is MessageType.TEMPLATE:
            valid = self.template is not None and self.text is None and self.media is None
        else:
            valid = media_kind == self.type.value and self.text is None
        if not valid or (self.type is not MessageType.TEMPLATE and self.template is not None):
            raise _bad(f"a {self.type} message does not carry this content", "bad_content")
        limit = MAX_OUTBOUND_TEXT if self.direction is Direction.OUTBOUND else channel.MAX_TEXT
        if self.text is not None and len(self.text) > limit:
            raise _bad(f"a message text has at most {limit} characters", "text_too_long")

    def _check_origin(self) -> None:
        confidence = self.ai_confidence
        if confidence is not None and (not self.from_ai or not 0.0 <= confidence <= 1.0):
            raise _bad("a confidence from 0 to 1 belongs to AI replies only", "bad_origin")
        if self.direction is Direction.INBOUND:
            valid = not self.from_ai and self.sender_user_id is None
        else:
            valid = not (self.from_ai and self.sender_user_id is not None)
        if not valid:
            raise _bad(
                "a message is from the customer, the AI, a person or the platform", "bad_origin"
            )

    def _check_delivery(self) -> None:
        if self.direction is Direction.INBOUND:
            valid = self.delivery_state is None and self.provider_message_id is not None
        else:
            valid = self.delivery_state is not None and bool(self.idempotency_key)
        if not valid:
            raise _bad(
                "inbound messages have a provider id; outbound ones a delivery state and a key",
                "bad_delivery",
            )
