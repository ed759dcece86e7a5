"""Messages of the staff inbox as clients see them, and message search: ``/messages/search``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import attrs
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from b2app.http import auth, pagination
from b2app.http.controllers import bodies, services
from b2core.conversations import channel, commands, delivery, messages
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.shared import ids
from b2core.shared import pagination as core_pagination


@attrs.frozen
class MessageMedia:
    """An attachment: its kind and what the customer's app said about it.

    ``file`` says whether b2 holds a copy: ``STORED`` (ask ``.../media`` for a link),
    ``PENDING`` (being fetched) or ``UNAVAILABLE`` (refused or not downloadable).
    """

    type: channel.MediaType
    mime_type: str | None
    caption: str | None
    filename: str | None
    file: str = "PENDING"

    @classmethod
    def of(cls, media: channel.Media) -> MessageMedia:
        """The public view of ``media`` (the provider's handle stays inside)."""
        if media.stored_key is not None:
            file = "STORED"
        elif media.fetch_error is not None:
            file = "UNAVAILABLE"
        else:
            file = "PENDING"
        return cls(media.type, media.mime_type, media.caption, media.filename, file)


@attrs.frozen
class MessageTemplate:
    """A pre-approved template message: its name, language and parameters."""

    name: str
    language: str
    parameters: list[str]

    @classmethod
    def of(cls, template: channel.Template) -> MessageTemplate:
        """The public view of ``template``."""
        return cls(template.name, template.language, list(template.parameters))


@attrs.frozen
class Message:
    """One message; ``delivery_state`` is null for the customer's own messages.

    ``from_ai`` marks AI replies, ``sender_user_id`` a person's; an outbound message with
    neither came from the platform (a scheduled message, a fallback).
    """

    message_id: str
    conversation_id: str
    channel_id: str
    direction: messages.Direction
    type: messages.MessageType
    text: str | None
    media: MessageMedia | None
    template: MessageTemplate | None
    from_ai: bool
    ai_confidence: float | None
    sender_user_id: str | None
    delivery_state: delivery.DeliveryState | None
    delivery_error: str | None
    created_at: datetime

    @classmethod
    def of(cls, m: messages.Message) -> Message:
        """The public view of ``m`` (provider ids and idempotency keys stay inside)."""
        media = None if m.media is None else MessageMedia.of(m.media)
        template = None if m.template is None else MessageTemplate.of(m.template)
        return cls(
            m.id,
            m.conversation_id,
            m.channel_id,
            m.direction,
            m.type,
            m.text,
            media,
            template,
            m.from_ai,
            m.ai_confidence,
            m.sender_user_id,
            m.delivery_state,
            m.delivery_error,
            m.created_at,
        )


@attrs.frozen
class MessagePage:
    """One page of messages, newest first."""

    items: list[Message]
    next_cursor: str | None


def shown(message: messages.Message) -> dict[str, Any]:
    """The JSON of ``message`` as clients see it."""
    return bodies.dump(Message.of(message))


def staff(principal: tokens.Principal) -> tuple[ids.TenantId, ids.UserId, str]:
    """The leading (tenant, user, role) of every inbox command, from the verified token."""
    return (services.tenant_of(principal), principal.user_id, principal.role.value)


class MessageSearchController(Controller):
    """Search across every conversation of the caller's tenant."""

    path = "/messages"
    tags = ["inbox"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/search",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(permissions.Action.CONVERSATIONS_READ),
        **bodies.answers(200, MessagePage, "matching messages", (401, 403, 422)),
    )
    async def search(
        self,
        q: Annotated[str, QueryParameter(description="Words to find (1-200 characters).")],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
    ) -> dict[str, Any]:
        """Messages whose text or caption contains ``q`` in any case, newest first."""
        query = commands.SearchMessages(*staff(principal), q, page)
        return pagination.render(await bus.handle(query), item=shown)
