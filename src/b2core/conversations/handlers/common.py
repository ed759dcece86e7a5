"""What the inbox handlers share: who may use the inbox, loading, and audit entries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from b2core.conversations import commands, model, ports
from b2core.shared import audit, errors, ids, time

TENANT_ADMIN = "TENANT_ADMIN"
STAFF = "STAFF"
# The people who work inside a tenant; a platform SUPER_ADMIN does not read customers' chats.
INBOX_ROLES = frozenset({TENANT_ADMIN, STAFF})


def check_staff(cmd: commands.StaffCommand) -> None:
    """Refuse a caller without a tenant role (TENANT_ADMIN or STAFF) or without an id."""
    if cmd.role not in INBOX_ROLES or not cmd.user_id:
        raise errors.Forbidden(
            "this role may not use the inbox", code="conversation.role_not_allowed"
        )


async def load_conversation(
    tx: ports.ConversationsTx, conversation_id: ids.ConversationId
) -> model.Conversation:
    """The tenant's conversation, or ``conversation.not_found`` (also for another tenant's id)."""
    found = await tx.conversations.get(conversation_id)
    if found is None:
        raise errors.NotFound("no such conversation", code="conversation.not_found")
    return found


def entry(
    id_generator: ids.IdGenerator,
    clock: time.Clock,
    cmd: commands.StaffCommand,
    action: str,
    conversation_id: ids.ConversationId,
    metadata: Mapping[str, Any] | None = None,
) -> audit.AuditEntry:
    """The one audit entry of a staff action on a conversation.

    Metadata holds ids and statuses only: what customers wrote stays in the messages, so that
    erasing a customer never needs to rewrite the audit trail.
    """
    return audit.record(
        id_generator,
        clock,
        audit.Actor.user(cmd.user_id, cmd.role),
        action,
        tenant_id=cmd.tenant_id,
        target=("conversation", conversation_id),
        metadata=metadata,
    )
