"""The tenant's message templates: ``/templates``.

A template is a text with ``{{ variable }}`` placeholders; it declares exactly the variables it
uses. Preview renders it with sample values (a variable without one shows as ``[name]``).
Changing or deleting a template leaves the messages already scheduled from it as they are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from b2app.http import auth, codec, pagination
from b2app.http.controllers import bodies
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.scheduling import commands, templates
from b2core.shared import errors, ids
from b2core.shared import pagination as core_pagination

_MANAGE = permissions.Action.TEMPLATES_MANAGE


def caller(principal: tokens.Principal) -> dict[str, Any]:
    """The caller fields every scheduling command takes, from the verified token.

    Raises ``errors.Forbidden`` (``auth.tenant_required``) when the token names no tenant.
    """
    if principal.tenant_id is None:
        raise errors.Forbidden("this action needs a tenant account", code="auth.tenant_required")
    return {
        "tenant_id": principal.tenant_id,
        "user_id": principal.user_id,
        "role": principal.role.value,
    }


@attrs.frozen
class WhatsAppTemplateBody:
    """A Meta-approved template: name, language, and the variables filling ``{{1}}``, ..."""

    name: str
    language: str
    parameters: list[str] = attrs.field(factory=list)


@attrs.frozen
class TemplateCreate:
    """A new template: a unique name, the content, the variables it uses."""

    name: str
    content: str
    variables: list[str] = attrs.field(factory=list)
    whatsapp: WhatsAppTemplateBody | None = None


@attrs.frozen
class TemplateUpdate:
    """The fields to change; an absent or null field stays as it is.

    ``remove_whatsapp: true`` drops the WhatsApp template (not together with a new ``whatsapp``).
    New ``content`` usually needs its ``variables`` too: they must match exactly.
    """

    name: str | None = None
    content: str | None = None
    variables: list[str] | None = None
    whatsapp: WhatsAppTemplateBody | None = None
    remove_whatsapp: bool = False


@attrs.frozen
class Template:
    """A message template."""

    template_id: str
    name: str
    content: str
    variables: list[str]
    whatsapp: WhatsAppTemplateBody | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, template: templates.MessageTemplate) -> Template:
        """The public view of ``template``."""
        wa = template.whatsapp
        return cls(
            template.id,
            template.name,
            template.content,
            list(template.variables),
            None if wa is None else WhatsAppTemplateBody(wa.name, wa.language, list(wa.parameters)),
            template.created_at,
            template.updated_at,
        )


@attrs.frozen
class TemplatePage:
    """One page of templates."""

    items: list[Template]
    next_cursor: str | None


@attrs.frozen
class PreviewRequest:
    """Sample values by variable name (all optional)."""

    variables: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Preview:
    """The template rendered with the samples."""

    text: str


def check_lists(data: object, *names: str) -> None:
    """Refuse a string where a list belongs (cattrs would split it into characters)."""
    if isinstance(data, dict):
        for name in names:
            if isinstance(data.get(name), str):
                raise errors.InvalidInput(f"{name}: expected a list", code="request.invalid")


def check_template_lists(data: object) -> None:
    """Refuse a string for ``variables`` or ``whatsapp.parameters``."""
    check_lists(data, "variables")
    if isinstance(data, dict):
        check_lists(data.get("whatsapp"), "parameters")


def _shown(template: templates.MessageTemplate) -> dict[str, Any]:
    return bodies.dump(Template.of(template))


def _whatsapp(body: WhatsAppTemplateBody | None) -> templates.WhatsAppTemplate | None:
    if body is None:
        return None
    return templates.WhatsAppTemplate(body.name, body.language, tuple(body.parameters))


class TemplatesController(Controller):
    """The caller's own templates only: another tenant's are simply not found."""

    path = "/templates"
    tags = ["scheduling"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(_MANAGE),
        **bodies.answers(200, TemplatePage, "templates", (401, 403, 422)),
    )
    async def list_templates(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
    ) -> dict[str, Any]:
        """Your templates by name."""
        query = commands.ListTemplates(**caller(principal), page=page)
        return pagination.render(await bus.handle(query), item=_shown)

    @post(
        "/",
        **auth.guarded(_MANAGE),
        **bodies.answers(201, Template, "created", (400, 401, 403, 409, 422)),
    )
    async def create_template(
        self,
        data: bodies.Json[TemplateCreate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Add a template; ``template.duplicate_name`` (409) when the name is taken."""
        check_template_lists(data)
        form = codec.structure(data, TemplateCreate)
        command = commands.CreateTemplate(
            **caller(principal),
            name=form.name,
            content=form.content,
            variables=tuple(form.variables),
            whatsapp=_whatsapp(form.whatsapp),
        )
        return _shown(await bus.handle(command))

    @get(
        "/{template_id:str}",
        **auth.guarded(_MANAGE),
        **bodies.answers(200, Template, "the template", (401, 403, 404)),
    )
    async def get_template(
        self,
        template_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """One template."""
        query = commands.GetTemplate(**caller(principal), template_id=ids.TemplateId(template_id))
        return _shown(await bus.handle(query))

    @patch(
        "/{template_id:str}",
        **auth.guarded(_MANAGE),
        **bodies.answers(200, Template, "changed", (400, 401, 403, 404, 409, 422)),
    )
    async def update_template(
        self,
        template_id: FromPath[str],
        data: bodies.Json[TemplateUpdate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Change some fields; ``template.duplicate_name`` (409) when the new name is taken."""
        check_template_lists(data)
        form = codec.structure(data, TemplateUpdate)
        if form.remove_whatsapp and form.whatsapp is not None:
            raise errors.InvalidInput(
                "give a new whatsapp template or remove_whatsapp, not both",
                code="request.invalid",
            )
        command = commands.UpdateTemplate(
            **caller(principal),
            template_id=ids.TemplateId(template_id),
            name=form.name,
            content=form.content,
            variables=None if form.variables is None else tuple(form.variables),
            whatsapp=_whatsapp(form.whatsapp),
            remove_whatsapp=form.remove_whatsapp,
        )
        return _shown(await bus.handle(command))

    @delete(
        "/{template_id:str}",
        **auth.guarded(_MANAGE),
        **bodies.answers(204, None, "deleted", (401, 403, 404)),
    )
    async def delete_template(
        self,
        template_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> None:
        """Remove a template; messages scheduled from it keep their text."""
        command = commands.DeleteTemplate(
            **caller(principal), template_id=ids.TemplateId(template_id)
        )
        await bus.handle(command)

    @post(
        "/{template_id:str}/preview",
        **auth.guarded(_MANAGE),
        **bodies.answers(200, Preview, "the rendered text", (400, 401, 403, 404, 422)),
    )
    async def preview(
        self,
        template_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        data: bodies.Json[PreviewRequest | None] = None,
    ) -> dict[str, Any]:
        """The template rendered with sample values (the body is optional)."""
        form = PreviewRequest() if data is None else codec.structure(data, PreviewRequest)
        query = commands.PreviewTemplate(
            **caller(principal),
            template_id=ids.TemplateId(template_id),
            samples=form.variables,
        )
        return bodies.dump(Preview(await bus.handle(query)))
