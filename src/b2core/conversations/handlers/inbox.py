"""Use cases of the inbox that move a conversation: assign, release, resolve, reopen, close, read.

Each loads the tenant's conversation, applies the model's named transition (which refuses an
illegal one with ``conversation.invalid_transition``), saves it optimistically versioned and
appends exactly one audit entry, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import attrs

from b2core.conversations import commands, model, ports
from b2core.conversations.handlers import common
from b2core.shared import errors, ids, time

Step = Callable[[model.Conversation, datetime], model.Conversation]


@attrs.frozen
class _StepHandler:
    """Base of the handlers that apply one transition to one conversation."""

    uow: ports.ConversationsUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def _apply(
        self,
        cmd: commands.StaffCommand,
        conversation_id: ids.ConversationId,
        action: str,
        step: Step,
    ) -> model.Conversation:
        common.check_staff(cmd)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            conversation = await common.load_conversation(tx, conversation_id)
            changed = step(conversation, self.clock.now())
            await self._check(tx, changed)
            saved = await tx.conversations.save(changed)
            metadata = {"from": conversation.status.value, "to": saved.status.value}
            if saved.assignee_id is not None:
                metadata["assignee_id"] = saved.assignee_id
            await tx.audit.append(
                common.entry(self.id_generator, self.clock, cmd, action, conversation.id, metadata)
            )
            await tx.commit()
        return saved

    async def _check(self, tx: ports.ConversationsTx, changed: model.Conversation) -> None:
        """A last look at the new state before it is saved (nothing by default)."""


@attrs.frozen
class AssignConversationHandler(_StepHandler):
    """Take a conversation over, or hand it to a colleague; the AI stops answering in it."""

    async def __call__(self, cmd: commands.AssignConversation) -> model.Conversation:
        assignee = cmd.assignee_id or cmd.user_id
        return await self._apply(
            cmd, cmd.conversation_id, "conversation.assigned", lambda c, at: c.assign(assignee, at)
        )

    async def _check(self, tx: ports.ConversationsTx, changed: model.Conversation) -> None:
        # Checked inside the transaction that assigns, so a member removed meanwhile is seen.
        if changed.assignee_id is None or not await tx.staff.is_assignable(changed.assignee_id):
            raise errors.InvalidInput(
                "the assignee is not an active member of this tenant",
                code="conversation.unknown_assignee",
            )


@attrs.frozen
class ReleaseConversationHandler(_StepHandler):
    """Hand an assigned conversation back to the AI."""

    async def __call__(self, cmd: commands.ReleaseConversation) -> model.Conversation:
        return await self._apply(
            cmd, cmd.conversation_id, "conversation.released", lambda c, at: c.release(at)
        )


@attrs.frozen
class ResolveConversationHandler(_StepHandler):
    """Mark the customer's matter settled."""

    async def __call__(self, cmd: commands.ResolveConversation) -> model.Conversation:
        return await self._apply(
            cmd, cmd.conversation_id, "conversation.resolved", lambda c, at: c.resolve(at)
        )


@attrs.frozen
class ReopenConversationHandler(_StepHandler):
    """Make a RESOLVED conversation OPEN again."""

    async def __call__(self, cmd: commands.ReopenConversation) -> model.Conversation:
        return await self._apply(
            cmd, cmd.conversation_id, "conversation.reopened", lambda c, at: c.reopen(at)
        )


@attrs.frozen
class CloseConversationHandler(_StepHandler):
    """End a conversation for good."""

    async def __call__(self, cmd: commands.CloseConversation) -> model.Conversation:
        return await self._apply(
            cmd, cmd.conversation_id, "conversation.closed", lambda c, at: c.close(at)
        )


@attrs.frozen
class MarkConversationReadHandler(_StepHandler):
    """Set the unread count back to zero."""

    async def __call__(self, cmd: commands.MarkConversationRead) -> model.Conversation:
        return await self._apply(
            cmd, cmd.conversation_id, "conversation.read", lambda c, at: c.mark_read(at)
        )
