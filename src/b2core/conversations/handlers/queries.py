"""Reads of the inbox: conversations by activity, a conversation's messages, message search."""

from __future__ import annotations

import attrs

from b2core.conversations import commands, messages, model, ports
from b2core.conversations.handlers import common
from b2core.shared import errors, pagination

MAX_QUERY = 200


@attrs.frozen
class ListConversationsHandler:
    """A page of the tenant's conversations, most recent activity first."""

    uow: ports.ConversationsUoW

    async def __call__(
        self, cmd: commands.ListConversations
    ) -> pagination.Page[model.Conversation]:
        common.check_staff(cmd)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            return await tx.conversations.list(
                cmd.page, status=cmd.status, assignee_id=cmd.assignee_id, unread=cmd.unread
            )


@attrs.frozen
class GetConversationHandler:
    """One conversation of the tenant."""

    uow: ports.ConversationsUoW

    async def __call__(self, cmd: commands.GetConversation) -> model.Conversation:
        common.check_staff(cmd)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            return await common.load_conversation(tx, cmd.conversation_id)


@attrs.frozen
class GetConversationMessagesHandler:
    """A page of one conversation's messages, newest first."""

    uow: ports.ConversationsUoW

    async def __call__(
        self, cmd: commands.GetConversationMessages
    ) -> pagination.Page[messages.Message]:
        common.check_staff(cmd)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            conversation = await common.load_conversation(tx, cmd.conversation_id)
            return await tx.messages.list_for_conversation(conversation.id, cmd.page)


@attrs.frozen
class SearchMessagesHandler:
    """Messages of the tenant containing some words, newest first."""

    uow: ports.ConversationsUoW

    async def __call__(self, cmd: commands.SearchMessages) -> pagination.Page[messages.Message]:
        common.check_staff(cmd)
        query = cmd.query.strip() if isinstance(cmd.query, str) else ""
        if not query or len(query) > MAX_QUERY:
            raise errors.InvalidInput(
                f"a search needs 1 to {MAX_QUERY} characters", code="message.bad_query"
            )
        async with self.uow.tenant(cmd.tenant_id) as tx:
            return await tx.messages.search(query, cmd.page)
