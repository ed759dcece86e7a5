"""Commands of the staff inbox: read conversations and messages, take over, reply, settle.

Every command carries the caller as plain values (``tenant_id``, ``user_id``, ``role``) that the
edge takes from the verified token, never from a request body; this context does not import
``b2core.iam``. ``role`` is an iam role value: only TENANT_ADMIN and STAFF use the inbox.
"""

from __future__ import annotations

import attrs

from b2core.conversations import model
from b2core.shared import ids, pagination


@attrs.frozen
class StaffCommand:
    """What every inbox command starts with: who asks, in which tenant."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str


@attrs.frozen
class ListConversations(StaffCommand):
    """A page of the tenant's conversations, most recent activity first, optionally filtered.

    ``unread=True`` keeps conversations with unread customer messages, ``False`` those without.
    """

    page: pagination.PageRequest = attrs.field(factory=pagination.PageRequest)
    status: model.ConversationStatus | None = None
    assignee_id: ids.UserId | None = None
    unread: bool | None = None


@attrs.frozen
class GetConversation(StaffCommand):
    """One conversation of the tenant."""

    conversation_id: ids.ConversationId


@attrs.frozen
class GetConversationMessages(StaffCommand):
    """A page of one conversation's messages, newest first (the next page goes further back)."""

    conversation_id: ids.ConversationId
    page: pagination.PageRequest = attrs.field(factory=pagination.PageRequest)


@attrs.frozen
class SearchMessages(StaffCommand):
    """Messages of the tenant whose text or caption contains ``query`` (any case), newest first."""

    query: str
    page: pagination.PageRequest = attrs.field(factory=pagination.PageRequest)


@attrs.frozen
class AssignConversation(StaffCommand):
    """Take the conversation over (``assignee_id`` None: the caller) or hand it to a colleague.

    The AI stays silent in an assigned conversation.
    """

    conversation_id: ids.ConversationId
    assignee_id: ids.UserId | None = None


@attrs.frozen
class ReleaseConversation(StaffCommand):
    """Hand an assigned conversation back to the AI (OPEN)."""

    conversation_id: ids.ConversationId


@attrs.frozen
class ResolveConversation(StaffCommand):
    """The customer's matter is settled; their next message reopens the conversation."""

    conversation_id: ids.ConversationId


@attrs.frozen
class ReopenConversation(StaffCommand):
    """Make a RESOLVED conversation OPEN again."""

    conversation_id: ids.ConversationId


@attrs.frozen
class CloseConversation(StaffCommand):
    """End a conversation for good; the customer's next message starts a new one."""

    conversation_id: ids.ConversationId


@attrs.frozen
class MarkConversationRead(StaffCommand):
    """Staff saw every message of the conversation so far (unread count back to zero)."""

    conversation_id: ids.ConversationId


@attrs.frozen
class ReplyAsHuman(StaffCommand):
    """Answer the customer in person: the message is recorded QUEUED and its send is queued.

    Replying takes the conversation over (assigned to the caller) unless someone holds it.
    """

    conversation_id: ids.ConversationId
    text: str


@attrs.frozen
class SendOutboundMessage:
    """Send one QUEUED outbound message through its channel (the outbound job's command)."""

    tenant_id: ids.TenantId
    message_id: ids.MessageId
