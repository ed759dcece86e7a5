"""Use cases that schedule messages: one, or one per recipient of a bulk request.

A message is text, or a template rendered at scheduling time with its variables (and, when the
template has a WhatsApp twin, that twin's parameters filled in too): what staff previewed is
what goes out, whatever happens to the template later.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from b2core.scheduling import commands, model, policy, ports, templates
from b2core.scheduling.handlers import common
from b2core.shared import errors, ids, time

MAX_BULK = 1000


def compose(
    template: templates.MessageTemplate | None, text: str | None, variables: Mapping[str, str]
) -> model.MessageContent:
    """The content of a message from plain ``text`` or from ``template`` and ``variables``."""
    if template is None:
        if variables:
            raise errors.InvalidInput(
                "variables need a template", code="schedule.variables_without_template"
            )
        return model.MessageContent(text or "")
    values = dict(variables)
    rendered = template.render(values)
    slots = template.whatsapp_parameters(values)
    payload = None
    if template.whatsapp is not None:
        payload = model.WhatsAppPayload(template.whatsapp.name, template.whatsapp.language, slots)
    return model.MessageContent(rendered, template.id, values, payload)


async def find_template(
    tx: ports.SchedulingTx, text: str | None, template_id: ids.TemplateId | None
) -> templates.MessageTemplate | None:
    """The template a request names, after checking it names text or a template, not both."""
    if (text is None) == (template_id is None):
        raise errors.InvalidInput(
            "give either a text or a template", code="schedule.text_or_template"
        )
    return None if template_id is None else await common.load_template(tx, template_id)


@attrs.frozen
class _Scheduler:
    """What scheduling one or many messages shares: time zone, time and new messages."""

    uow: ports.SchedulingUoW
    tenants: ports.TenantStates
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def _timezone(self, tenant_id: ids.TenantId) -> str:
        state = await self.tenants.get(tenant_id)
        return state.timezone if state is not None else "UTC"

    def _new(
        self,
        cmd: commands.ScheduleMessage | commands.ScheduleBulk,
        recipient: str,
        content: model.MessageContent,
        send_at: datetime,
        timezone: str,
    ) -> model.ScheduledMessage:
        return model.ScheduledMessage.create(
            ids.ScheduledMessageId(self.id_generator.new()),
            cmd.tenant_id,
            recipient,
            content,
            send_at,
            timezone=timezone,
            by=cmd.user_id,
            at=self.clock.now(),
        )


@attrs.frozen
class ScheduleMessageHandler(_Scheduler):
    """Schedule one message. One audit entry (no phone number or text in it)."""

    async def __call__(self, cmd: commands.ScheduleMessage) -> model.ScheduledMessage:
        common.check_staff(cmd.role, "schedule")
        timezone = await self._timezone(cmd.tenant_id)
        send_at = policy.parse_send_at(cmd.send_at, timezone)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            template = await find_template(tx, cmd.text, cmd.template_id)
            content = compose(template, cmd.text, cmd.variables)
            message = self._new(cmd, cmd.recipient, content, send_at, timezone)
            await tx.scheduled_messages.add(message)
            await tx.audit.append(
                common.user_entry(
                    self.id_generator,
                    self.clock,
                    (cmd.user_id, cmd.role),
                    "scheduled_message.created",
                    cmd.tenant_id,
                    ("scheduled_message", message.id),
                    {"send_at": message.send_at.isoformat(), "template_id": message.template_id},
                )
            )
            await tx.commit()
        return message


@attrs.frozen
class ScheduleBulkHandler(_Scheduler):
    """Schedule one message per recipient; a bad row is reported, the others are scheduled.

    Problems of the whole request (role, time, template, no or too many rows) refuse it all.
    A recipient repeated in one request is refused from its second row on
    (``schedule.duplicate_recipient``). One audit entry when anything was scheduled.
    """

    async def __call__(self, cmd: commands.ScheduleBulk) -> model.BulkOutcome:
        common.check_staff(cmd.role, "schedule")
        if not 1 <= len(cmd.recipients) <= MAX_BULK:
            raise errors.InvalidInput(
                f"a bulk request has 1 to {MAX_BULK} recipients", code="schedule.bad_recipients"
            )
        timezone = await self._timezone(cmd.tenant_id)
        send_at = policy.parse_send_at(cmd.send_at, timezone)
        policy.check_send_at(send_at, self.clock.now())
        async with self.uow.tenant(cmd.tenant_id) as tx:
            template = await find_template(tx, cmd.text, cmd.template_id)
            outcome = self._rows(cmd, template, send_at, timezone)
            if not outcome.scheduled:
                return outcome
            for message in outcome.scheduled:
                await tx.scheduled_messages.add(message)
            await tx.audit.append(
                common.user_entry(
                    self.id_generator,
                    self.clock,
                    (cmd.user_id, cmd.role),
                    "scheduled_message.bulk_created",
                    cmd.tenant_id,
                    ("scheduled_message", outcome.scheduled[0].id),
                    {
                        "scheduled": len(outcome.scheduled),
                        "rejected": len(outcome.rejected),
                        "send_at": send_at.isoformat(),
                        "template_id": cmd.template_id,
                    },
                )
            )
            await tx.commit()
        return outcome

    def _rows(
        self,
        cmd: commands.ScheduleBulk,
        template: templates.MessageTemplate | None,
        send_at: datetime,
        timezone: str,
    ) -> model.BulkOutcome:
        scheduled: list[model.ScheduledMessage] = []
        rejected: list[model.RowError] = []
        seen: set[str] = set()
        for index, row in enumerate(cmd.recipients):
            try:
                phone = policy.normalize_phone(row.recipient)
                if phone in seen:
                    raise errors.InvalidInput(
                        "this recipient is already in the request",
                        code="schedule.duplicate_recipient",
                    )
                content = compose(template, cmd.text, {**cmd.variables, **row.variables})
                scheduled.append(self._new(cmd, phone, content, send_at, timezone))
                seen.add(phone)
            except errors.DomainError as exc:
                rejected.append(model.RowError(index, str(row.recipient), exc.code, exc.message))
        return model.BulkOutcome(tuple(scheduled), tuple(rejected))
