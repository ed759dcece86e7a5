"""Use cases on existing scheduled messages: change, cancel, delete, read and list them."""

from __future__ import annotations

import attrs

from b2core.scheduling import commands, model, policy, ports
from b2core.scheduling.handlers import common, messages
from b2core.shared import errors, ids, pagination, time


async def _new_content(
    tx: ports.SchedulingTx, message: model.ScheduledMessage, cmd: commands.UpdateScheduledMessage
) -> model.MessageContent | None:
    """The new content the command asks for, or None when it leaves the content alone.

    Variables alone re-render the message's own template with them.
    """
    if cmd.text is None and cmd.template_id is None:
        if cmd.variables is None:
            return None
        if message.template_id is None:
            raise errors.InvalidInput(
                "variables need a template", code="schedule.variables_without_template"
            )
        template_id: ids.TemplateId | None = message.template_id
    else:
        template_id = cmd.template_id
    template = await messages.find_template(tx, cmd.text, template_id)
    return messages.compose(template, cmd.text, cmd.variables or {})


@attrs.frozen
class UpdateScheduledMessageHandler:
    """Change a PENDING message that no dispatcher holds; a no-op is neither saved nor audited."""

    uow: ports.SchedulingUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.UpdateScheduledMessage) -> model.ScheduledMessage:
        common.check_staff(cmd.role, "schedule")
        async with self.uow.tenant(cmd.tenant_id) as tx:
            message = await common.load_message(tx, cmd.message_id)
            content = await _new_content(tx, message, cmd)
            send_at = None
            if cmd.send_at is not None:
                send_at = policy.parse_send_at(cmd.send_at, message.timezone)
            changed = message.revise(
                self.clock.now(),
                recipient=cmd.recipient,
                content=content,
                send_at=send_at,
            )
            if changed == message:
                return message
            saved = await tx.scheduled_messages.save(changed)
            fields = [
                f
                for f in ("recipient", "text", "send_at", "template_id", "variables")
                if getattr(changed, f) != getattr(message, f)
            ]
            await tx.audit.append(
                common.user_entry(
                    self.id_generator,
                    self.clock,
                    (cmd.user_id, cmd.role),
                    "scheduled_message.updated",
                    cmd.tenant_id,
                    ("scheduled_message", message.id),
                    {"fields": fields},
                )
            )
            await tx.commit()
        return saved


@attrs.frozen
class CancelScheduledMessageHandler:
    """Withdraw a PENDING message (``schedule.invalid_transition`` otherwise). One audit entry."""

    uow: ports.SchedulingUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.CancelScheduledMessage) -> model.ScheduledMessage:
        common.check_staff(cmd.role, "schedule")
        async with self.uow.tenant(cmd.tenant_id) as tx:
            message = await common.load_message(tx, cmd.message_id)
            saved = await tx.scheduled_messages.save(message.cancel(self.clock.now()))
            await tx.audit.append(
                common.user_entry(
                    self.id_generator,
                    self.clock,
                    (cmd.user_id, cmd.role),
                    "scheduled_message.canceled",
                    cmd.tenant_id,
                    ("scheduled_message", message.id),
                )
            )
            await tx.commit()
        return saved


@attrs.frozen
class DeleteScheduledMessageHandler:
    """Remove a finished message for good; a PENDING one must be canceled first."""

    uow: ports.SchedulingUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.DeleteScheduledMessage) -> None:
        common.check_staff(cmd.role, "schedule")
        async with self.uow.tenant(cmd.tenant_id) as tx:
            message = await common.load_message(tx, cmd.message_id)
            if not message.is_final:
                raise errors.Conflict(
                    "cancel a pending message before deleting it", code="schedule.still_pending"
                )
            await tx.scheduled_messages.delete(message.id)
            await tx.audit.append(
                common.user_entry(
                    self.id_generator,
                    self.clock,
                    (cmd.user_id, cmd.role),
                    "scheduled_message.deleted",
                    cmd.tenant_id,
                    ("scheduled_message", message.id),
                    {"status": message.status.value},
                )
            )
            await tx.commit()


@attrs.frozen
class GetScheduledMessageHandler:
    """One scheduled message of the tenant."""

    uow: ports.SchedulingUoW

    async def __call__(self, cmd: commands.GetScheduledMessage) -> model.ScheduledMessage:
        common.check_staff(cmd.role, "schedule")
        async with self.uow.tenant(cmd.tenant_id) as tx:
            return await common.load_message(tx, cmd.message_id)


@attrs.frozen
class ListScheduledMessagesHandler:
    """A page of the tenant's scheduled messages by send time, optionally filtered."""

    uow: ports.SchedulingUoW

    async def __call__(
        self, cmd: commands.ListScheduledMessages
    ) -> pagination.Page[model.ScheduledMessage]:
        common.check_staff(cmd.role, "schedule")
        recipient = None if cmd.recipient is None else policy.normalize_phone(cmd.recipient)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            return await tx.scheduled_messages.list(
                cmd.page,
                status=cmd.status,
                recipient=recipient,
                send_from=cmd.send_from,
                send_until=cmd.send_until,
            )
