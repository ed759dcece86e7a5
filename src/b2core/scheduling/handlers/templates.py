"""Use cases of message templates: create, change, delete, read, list and preview."""

from __future__ import annotations

import attrs

from b2core.scheduling import commands, ports, templates
from b2core.scheduling.handlers import common
from b2core.shared import ids, pagination, time

_FIELDS = ("name", "content", "variables", "whatsapp")


@attrs.frozen
class CreateTemplateHandler:
    """Add a template; its name must be new in the tenant. One audit entry."""

    uow: ports.SchedulingUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.CreateTemplate) -> templates.MessageTemplate:
        common.check_staff(cmd.role, "template")
        template = templates.MessageTemplate.create(
            ids.TemplateId(self.id_generator.new()),
            cmd.tenant_id,
            cmd.name,
            cmd.content,
            cmd.variables,
            by=cmd.user_id,
            at=self.clock.now(),
            whatsapp=cmd.whatsapp,
        )
        async with self.uow.tenant(cmd.tenant_id) as tx:
            await tx.message_templates.add(template)
            await tx.audit.append(
                common.user_entry(
                    self.id_generator,
                    self.clock,
                    (cmd.user_id, cmd.role),
                    "template.created",
                    cmd.tenant_id,
                    ("template", template.id),
                    {"variables": list(template.variables)},
                )
            )
            await tx.commit()
        return template


@attrs.frozen
class UpdateTemplateHandler:
    """Change a template; a no-op change is neither saved nor audited.

    Messages already scheduled from it keep the text they were rendered with.
    """

    uow: ports.SchedulingUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.UpdateTemplate) -> templates.MessageTemplate:
        common.check_staff(cmd.role, "template")
        async with self.uow.tenant(cmd.tenant_id) as tx:
            template = await common.load_template(tx, cmd.template_id)
            changed = template.update(
                self.clock.now(),
                name=cmd.name,
                content=cmd.content,
                variables=cmd.variables,
                whatsapp=cmd.whatsapp,
                remove_whatsapp=cmd.remove_whatsapp,
            )
            if changed == template:
                return template
            saved = await tx.message_templates.save(changed)
            fields = [f for f in _FIELDS if getattr(changed, f) != getattr(template, f)]
            await tx.audit.append(
                common.user_entry(
                    self.id_generator,
                    self.clock,
                    (cmd.user_id, cmd.role),
                    "template.updated",
                    cmd.tenant_id,
                    ("template", template.id),
                    {"fields": fields},
                )
            )
            await tx.commit()
        return saved


@attrs.frozen
class DeleteTemplateHandler:
    """Remove a template. One audit entry, keeping its name."""

    uow: ports.SchedulingUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.DeleteTemplate) -> None:
        common.check_staff(cmd.role, "template")
        async with self.uow.tenant(cmd.tenant_id) as tx:
            template = await common.load_template(tx, cmd.template_id)
            await tx.message_templates.delete(template.id)
            await tx.audit.append(
                common.user_entry(
                    self.id_generator,
                    self.clock,
                    (cmd.user_id, cmd.role),
                    "template.deleted",
                    cmd.tenant_id,
                    ("template", template.id),
                    {"name": template.name},
                )
            )
            await tx.commit()


@attrs.frozen
class GetTemplateHandler:
    """One template of the tenant."""

    uow: ports.SchedulingUoW

    async def __call__(self, cmd: commands.GetTemplate) -> templates.MessageTemplate:
        common.check_staff(cmd.role, "template")
        async with self.uow.tenant(cmd.tenant_id) as tx:
            return await common.load_template(tx, cmd.template_id)


@attrs.frozen
class ListTemplatesHandler:
    """A page of the tenant's templates, by name."""

    uow: ports.SchedulingUoW

    async def __call__(
        self, cmd: commands.ListTemplates
    ) -> pagination.Page[templates.MessageTemplate]:
        common.check_staff(cmd.role, "template")
        async with self.uow.tenant(cmd.tenant_id) as tx:
            return await tx.message_templates.list(cmd.page)


@attrs.frozen
class PreviewTemplateHandler:
    """The template rendered with sample values (missing ones show as ``[name]``)."""

    uow: ports.SchedulingUoW

    async def __call__(self, cmd: commands.PreviewTemplate) -> str:
        common.check_staff(cmd.role, "template")
        async with self.uow.tenant(cmd.tenant_id) as tx:
            template = await common.load_template(tx, cmd.template_id)
        return template.preview(cmd.samples)
