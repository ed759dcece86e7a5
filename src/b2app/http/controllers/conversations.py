"""The staff inbox: ``/conversations`` (message search lives in :mod:`messages`).

Staff read conversations, take them over from the AI, reply in person, hand them back and
settle them. Every conversation read or changed here belongs to the caller's tenant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import attrs
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from b2app.http import auth, codec, pagination
from b2app.http.controllers import bodies
from b2app.http.controllers import messages as message_views
from b2core.conversations import commands, model
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.shared import errors, ids
from b2core.shared import pagination as core_pagination

_READ = permissions.Action.CONVERSATIONS_READ
_WORK = permissions.Action.CONVERSATIONS_WORK
# Every inbox command starts with the caller's (tenant, user, role).
_who = message_views.staff
# The ``assignee`` filter value meaning the caller.
ME = "me"


@attrs.frozen
class ConversationContact:
    """What the business learned about the customer."""

    name: str | None
    phone: str | None
    email: str | None


@attrs.frozen
class Conversation:
    """One customer's thread: who answers it (``assignee_id``: a person; none: the AI)."""

    conversation_id: str
    channel_id: str
    customer_id: str
    status: model.ConversationStatus
    assignee_id: str | None
    needs_human: bool
    unread_count: int
    contact: ConversationContact
    opened_at: datetime
    last_message_at: datetime
    last_inbound_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, c: model.Conversation) -> Conversation:
        """The public view of ``c``."""
        return cls(
            c.id,
            c.channel_id,
            c.customer_id,
            c.status,
            c.assignee_id,
            c.needs_human,
            c.unread_count,
            ConversationContact(c.contact.name, c.contact.phone, c.contact.email),
            c.opened_at,
            c.last_message_at,
            c.last_inbound_at,
            c.updated_at,
        )


@attrs.frozen
class ConversationPage:
    """One page of conversations."""

    items: list[Conversation]
    next_cursor: str | None


@attrs.frozen
class Assignment:
    """Who takes the conversation over: a member of your team; absent or null: you."""

    user_id: str | None = None


@attrs.frozen
class Reply:
    """What to send the customer (1 to 4096 characters)."""

    text: str


def _conversation(conversation: model.Conversation) -> dict[str, Any]:
    return bodies.dump(Conversation.of(conversation))


def _bad_filter(message: str) -> errors.InvalidInput:
    return errors.InvalidInput(message, code="conversation.bad_filter")


def parse_status(value: str | None) -> model.ConversationStatus | None:
    """The ``status`` filter; raises ``conversation.bad_filter`` for an unknown status."""
    if not value:
        return None
    try:
        return model.ConversationStatus(value.upper())
    except ValueError:
        allowed = ", ".join(s.value for s in model.ConversationStatus)
        raise _bad_filter(f"status must be one of {allowed}") from None


def parse_assignee(value: str | None, principal: tokens.Principal) -> ids.UserId | None:
    """The ``assignee`` filter: ``me`` means the caller, anything else a user id."""
    if not value:
        return None
    return principal.user_id if value == ME else ids.UserId(value)


def parse_unread(value: str | None) -> bool | None:
    """The ``unread`` filter: ``true``, ``false`` or absent (``conversation.bad_filter``)."""
    if not value:
        return None
    if value not in ("true", "false"):
        raise _bad_filter("unread must be true or false")
    return value == "true"


class ConversationsController(Controller):
    """The caller's own inbox only: another tenant's conversations are simply not found.

    An illegal step (releasing an OPEN conversation, reopening an OPEN one, anything on a
    CLOSED one) answers 409 ``conversation.invalid_transition``.
    """

    path = "/conversations"
    tags = ["inbox"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(_READ),
        **bodies.answers(200, ConversationPage, "conversations", (401, 403, 422)),
    )
    async def list_conversations(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
        status: Annotated[
            str | None, QueryParameter(description="OPEN, ASSIGNED, RESOLVED or CLOSED.")
        ] = None,
        assignee: Annotated[
            str | None, QueryParameter(description="A user id, or 'me' for yourself.")
        ] = None,
        unread: Annotated[
            str | None, QueryParameter(description="true: with unread messages; false: none.")
        ] = None,
    ) -> dict[str, Any]:
        """Your tenant's conversations, most recent activity first, optionally filtered."""
        query = commands.ListConversations(
            *_who(principal),
            page=page,
            status=parse_status(status),
            assignee_id=parse_assignee(assignee, principal),
            unread=parse_unread(unread),
        )
        return pagination.render(await bus.handle(query), item=_conversation)

    @get(
        "/{conversation_id:str}",
        **auth.guarded(_READ),
        **bodies.answers(200, Conversation, "the conversation", (401, 403, 404)),
    )
    async def get_conversation(
        self,
        conversation_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """One conversation."""
        query = commands.GetConversation(*_who(principal), ids.ConversationId(conversation_id))
        return _conversation(await bus.handle(query))

    @get(
        "/{conversation_id:str}/messages",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(_READ),
        **bodies.answers(200, message_views.MessagePage, "messages", (401, 403, 404, 422)),
    )
    async def list_messages(
        self,
        conversation_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
    ) -> dict[str, Any]:
        """The conversation's messages, newest first; the next page goes further back."""
        query = commands.GetConversationMessages(
            *_who(principal), ids.ConversationId(conversation_id), page
        )
        return pagination.render(await bus.handle(query), item=message_views.shown)

    @post(
        "/{conversation_id:str}/assign",
        **auth.guarded(_WORK),
        **bodies.answers(200, Conversation, "assigned", (400, 401, 403, 404, 409, 422)),
    )
    async def assign(
        self,
        conversation_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        data: bodies.Json[Assignment | None] = None,
    ) -> dict[str, Any]:
        """Take the conversation over (no body) or hand it to an active member of your team.

        The AI stays silent while a person holds it. 422 ``conversation.unknown_assignee`` when
        the user is not an active member of your tenant.
        """
        form = Assignment() if data is None else codec.structure(data, Assignment)
        command = commands.AssignConversation(
            *_who(principal),
            ids.ConversationId(conversation_id),
            ids.UserId(form.user_id) if form.user_id else None,
        )
        return _conversation(await bus.handle(command))

    @post(
        "/{conversation_id:str}/reply",
        **auth.guarded(_WORK),
        **bodies.answers(
            201, message_views.Message, "recorded and queued", (400, 401, 403, 404, 409, 422)
        ),
    )
    async def reply(
        self,
        conversation_id: FromPath[str],
        data: bodies.Json[Reply],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Answer the customer in person: the message is recorded QUEUED and its send queued.

        Replying takes the conversation over unless a colleague already holds it.
        """
        form = codec.structure(data, Reply)
        command = commands.ReplyAsHuman(
            *_who(principal), ids.ConversationId(conversation_id), form.text
        )
        return message_views.shown(await bus.handle(command))

    async def _step(
        self, bus: MessageBus, command: type[Any], principal: tokens.Principal, key: str
    ) -> dict[str, Any]:
        done = await bus.handle(command(*_who(principal), ids.ConversationId(key)))
        return _conversation(done)

    @post(
        "/{conversation_id:str}/release",
        **auth.guarded(_WORK),
        **bodies.answers(200, Conversation, "back with the AI", (401, 403, 404, 409)),
    )
    async def release(
        self,
        conversation_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Hand an ASSIGNED conversation back to the AI (OPEN)."""
        return await self._step(bus, commands.ReleaseConversation, principal, conversation_id)

    @post(
        "/{conversation_id:str}/resolve",
        **auth.guarded(_WORK),
        **bodies.answers(200, Conversation, "resolved", (401, 403, 404, 409)),
    )
    async def resolve(
        self,
        conversation_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """The matter is settled; the customer's next message reopens the conversation."""
        return await self._step(bus, commands.ResolveConversation, principal, conversation_id)

    @post(
        "/{conversation_id:str}/reopen",
        **auth.guarded(_WORK),
        **bodies.answers(200, Conversation, "open again", (401, 403, 404, 409)),
    )
    async def reopen(
        self,
        conversation_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Make a RESOLVED conversation OPEN again (the AI answers)."""
        return await self._step(bus, commands.ReopenConversation, principal, conversation_id)

    @post(
        "/{conversation_id:str}/close",
        **auth.guarded(_WORK),
        **bodies.answers(200, Conversation, "closed", (401, 403, 404, 409)),
    )
    async def close(
        self,
        conversation_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """End the conversation for good; the customer's next message starts a new one."""
        return await self._step(bus, commands.CloseConversation, principal, conversation_id)

    @post(
        "/{conversation_id:str}/read",
        **auth.guarded(_WORK),
        **bodies.answers(200, Conversation, "read", (401, 403, 404)),
    )
    async def mark_read(
        self,
        conversation_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """You saw every message so far: the unread count goes back to zero."""
        return await self._step(bus, commands.MarkConversationRead, principal, conversation_id)
