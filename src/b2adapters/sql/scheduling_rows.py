"""Rows of the scheduling tables and the domain objects they hold, both ways."""

from __future__ import annotations

from typing import Any

import attrs
from sqlalchemy.engine import RowMapping

from b2core.scheduling import model, templates


def _wa_to_json(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"name": value.name, "language": value.language, "parameters": list(value.parameters)}


def template_to_row(template: templates.MessageTemplate) -> dict[str, Any]:
    """The row of ``template``."""
    row = {f.name: getattr(template, f.name) for f in attrs.fields(templates.MessageTemplate)}
    row.update(
        name_key=template.key,
        variables=list(template.variables),
        whatsapp=_wa_to_json(template.whatsapp),
    )
    return row


def template_from_row(row: RowMapping) -> templates.MessageTemplate:
    """The template a row holds."""
    values = {f.name: row[f.name] for f in attrs.fields(templates.MessageTemplate)}
    raw = row["whatsapp"]
    values.update(
        variables=tuple(row["variables"]),
        whatsapp=None
        if raw is None
        else templates.WhatsAppTemplate(raw["name"], raw["language"], tuple(raw["parameters"])),
    )
    return templates.MessageTemplate(**values)


def message_to_row(message: model.ScheduledMessage) -> dict[str, Any]:
    """The row of ``message``."""
    row = {f.name: getattr(message, f.name) for f in attrs.fields(model.ScheduledMessage)}
    row.update(
        status=message.status.value,
        variables=dict(message.variables),
        whatsapp=_wa_to_json(message.whatsapp),
    )
    return row


def message_from_row(row: RowMapping) -> model.ScheduledMessage:
    """The scheduled message a row holds."""
    values = {f.name: row[f.name] for f in attrs.fields(model.ScheduledMessage)}
    raw = row["whatsapp"]
    values.update(
        status=model.ScheduleStatus(row["status"]),
        variables=dict(row["variables"]),
        whatsapp=None
        if raw is None
        else model.WhatsAppPayload(raw["name"], raw["language"], tuple(raw["parameters"])),
    )
    return model.ScheduledMessage(**values)
