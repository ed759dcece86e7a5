"""Events of the conversations context: what happened to a conversation or its messages.

They carry ids and plain values, never aggregates. ``by`` is the acting user, None when the
customer, the AI or the platform caused it. The AI pipeline cares most about takeover
(``ConversationAssigned``) and hand-back (``ConversationReleased``).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from b2core.shared import ids


@attrs.frozen
class MessageReceived:
    """A customer's message was stored (once, however often the channel delivered it)."""

    tenant_id: ids.TenantId
    conversation_id: ids.ConversationId
    message_id: ids.MessageId
    at: datetime


@attrs.frozen
class ConversationAssigned:
    """A person holds the conversation now; the AI stays silent in it."""

    tenant_id: ids.TenantId
    conversation_id: ids.ConversationId
    assignee_id: ids.UserId
    by: ids.UserId | None
    at: datetime


@attrs.frozen
class ConversationReleased:
    """The conversation went back to the AI (OPEN)."""

    tenant_id: ids.TenantId
    conversation_id: ids.ConversationId
    by: ids.UserId | None
    at: datetime


@attrs.frozen
class ConversationResolved:
    """The customer's matter was settled."""

    tenant_id: ids.TenantId
    conversation_id: ids.ConversationId
    by: ids.UserId | None
    at: datetime


@attrs.frozen
class ConversationReopened:
    """A RESOLVED conversation became OPEN again (by a person, or by the customer writing)."""

    tenant_id: ids.TenantId
    conversation_id: ids.ConversationId
    by: ids.UserId | None
    at: datetime


@attrs.frozen
class ConversationClosed:
    """The conversation ended for good."""

    tenant_id: ids.TenantId
    conversation_id: ids.ConversationId
    by: ids.UserId | None
    at: datetime


@attrs.frozen
class HumanReplied:
    """A person's reply was recorded and its send queued."""

    tenant_id: ids.TenantId
    conversation_id: ids.ConversationId
    message_id: ids.MessageId
    by: ids.UserId
    at: datetime


ConversationEvent = (
    ConversationAssigned
    | ConversationReleased
    | ConversationResolved
    | ConversationReopened
    | ConversationClosed
)
