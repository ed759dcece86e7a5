"""The tenant's scheduled messages: ``/scheduled-messages``.

A message is a ``text``, or a ``template_id`` with ``variables`` (rendered now, so what you
preview is what goes out), sent to ``recipient_phone`` (E.164) at ``scheduled_at`` (ISO 8601
with an offset; without one, the tenant's time zone). The dispatcher sends each exactly once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import attrs
from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from b2app.http import auth, codec, pagination
from b2app.http.controllers import bodies
from b2app.http.controllers.templates import caller
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.scheduling import commands, model
from b2core.shared import errors, ids
from b2core.shared import pagination as core_pagination

_MANAGE = permissions.Action.SCHEDULE_MANAGE


@attrs.frozen
class ScheduledMessageCreate:
    """One message: ``text``, or ``template_id`` with ``variables``; not both."""

    recipient_phone: str
    scheduled_at: str
    text: str | None = None
    template_id: str | None = None
    variables: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class ScheduledMessageUpdate:
    """The parts of a PENDING message to change; an absent or null part stays as it is.

    New content is ``text``, or ``template_id`` with ``variables``; ``variables`` alone
    re-render the message's own template.
    """

    recipient_phone: str | None = None
    scheduled_at: str | None = None
    text: str | None = None
    template_id: str | None = None
    variables: dict[str, str] | None = None


@attrs.frozen
class BulkRow:
    """One recipient of a bulk request, with the variables only this row uses."""

    recipient_phone: str
    variables: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class BulkCreate:
    """The same message to many recipients at one time (up to 1000 rows)."""

    recipients: list[BulkRow]
    scheduled_at: str
    text: str | None = None
    template_id: str | None = None
    variables: dict[str, str] = attrs.field(factory=dict)


@attrs.frozen
class ScheduledMessage:
    """A scheduled message and where it stands."""

    scheduled_message_id: str
    recipient_phone: str
    text: str
    template_id: str | None
    status: model.ScheduleStatus
    scheduled_at: datetime
    timezone: str
    retry_count: int
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, message: model.ScheduledMessage) -> ScheduledMessage:
        """The public view of ``message``."""
        return cls(
            message.id,
            message.recipient,
            message.text,
            message.template_id,
            message.status,
            message.send_at,
            message.timezone,
            message.retry_count,
            message.last_error,
            message.sent_at,
            message.created_at,
        )


@attrs.frozen
class ScheduledMessagePage:
    """One page of scheduled messages."""

    items: list[ScheduledMessage]
    next_cursor: str | None


@attrs.frozen
class RowError:
    """Why a row was refused."""

    code: str
    message: str


@attrs.frozen
class RowResult:
    """The outcome of one row, by its index in the request."""

    index: int
    recipient_phone: str
    status: str  # scheduled | rejected
    scheduled_message: ScheduledMessage | None = None
    error: RowError | None = None


@attrs.frozen
class BulkResult:
    """Per-row results, in request order, and the counts."""

    scheduled: int
    rejected: int
    results: list[RowResult]


def _shown(message: model.ScheduledMessage) -> dict[str, Any]:
    return bodies.dump(ScheduledMessage.of(message))


def _bulk_result(outcome: model.BulkOutcome, rows: int) -> BulkResult:
    refused = {r.index: r for r in outcome.rejected}
    accepted = iter(outcome.scheduled)
    results = []
    for index in range(rows):
        if index in refused:
            row = refused[index]
            error = RowError(row.code, errors_message(row.message))
            results.append(RowResult(index, row.recipient, "rejected", error=error))
        else:
            message = next(accepted)
            shown = ScheduledMessage.of(message)
            results.append(RowResult(index, message.recipient, "scheduled", shown))
    return BulkResult(len(outcome.scheduled), len(outcome.rejected), results)


def errors_message(message: str) -> str:
    """A row's error message as clients see it (first line, bounded)."""
    line = message.strip().splitlines()[0] if message.strip() else ""
    return line[:300]


def parse_status(value: str | None) -> model.ScheduleStatus | None:
    """The ``status`` filter; ``schedule.bad_status`` (422) for an unknown one."""
    if not value:
        return None
    try:
        return model.ScheduleStatus(value.upper())
    except ValueError:
        allowed = ", ".join(s.value for s in model.ScheduleStatus)
        raise errors.InvalidInput(
            f"status must be one of {allowed}", code="schedule.bad_status"
        ) from None


def _template(value: str | None) -> ids.TemplateId | None:
    return None if value is None else ids.TemplateId(value)


class ScheduledMessagesController(Controller):
    """The caller's own scheduled messages only: another tenant's are simply not found.

    Bad input answers 422 with its code: ``schedule.in_past``, ``schedule.bad_time``,
    ``schedule.bad_phone``, ``template.missing_variable``, ``schedule.text_or_template``; an
    unknown template is 404 ``template.not_found``. Only a PENDING message changes (409
    ``schedule.invalid_transition`` otherwise); only a finished one is deleted (409
    ``schedule.still_pending`` otherwise).
    """

    path = "/scheduled-messages"
    tags = ["scheduling"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(_MANAGE),
        **bodies.answers(200, ScheduledMessagePage, "scheduled messages", (401, 403, 422)),
    )
    async def list_messages(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
        status: Annotated[
            str | None, QueryParameter(description="PENDING, SENT, FAILED or CANCELED")
        ] = None,
    ) -> dict[str, Any]:
        """Your scheduled messages by send time, optionally by status."""
        query = commands.ListScheduledMessages(
            **caller(principal), page=page, status=parse_status(status)
        )
        return pagination.render(await bus.handle(query), item=_shown)

    @post(
        "/",
        **auth.guarded(_MANAGE),
        **bodies.answers(201, ScheduledMessage, "scheduled", (400, 401, 403, 404, 422)),
    )
    async def schedule(
        self,
        data: bodies.Json[ScheduledMessageCreate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Schedule one message."""
        form = codec.structure(data, ScheduledMessageCreate)
        command = commands.ScheduleMessage(
            **caller(principal),
            recipient=form.recipient_phone,
            send_at=form.scheduled_at,
            text=form.text,
            template_id=_template(form.template_id),
            variables=form.variables,
        )
        return _shown(await bus.handle(command))

    @post(
        "/bulk",
        **auth.guarded(_MANAGE),
        **bodies.answers(200, BulkResult, "per-row results", (400, 401, 403, 404, 422)),
    )
    async def schedule_bulk(
        self,
        data: bodies.Json[BulkCreate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """One message per recipient; bad rows are reported, the others are scheduled."""
        form = codec.structure(data, BulkCreate)
        command = commands.ScheduleBulk(
            **caller(principal),
            recipients=tuple(
                commands.BulkRecipient(r.recipient_phone, r.variables) for r in form.recipients
            ),
            send_at=form.scheduled_at,
            text=form.text,
            template_id=_template(form.template_id),
            variables=form.variables,
        )
        outcome = await bus.handle(command)
        return bodies.dump(_bulk_result(outcome, len(form.recipients)))

    @get(
        "/{message_id:str}",
        **auth.guarded(_MANAGE),
        **bodies.answers(200, ScheduledMessage, "the message", (401, 403, 404)),
    )
    async def get_message(
        self,
        message_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """One scheduled message."""
        query = commands.GetScheduledMessage(
            **caller(principal), message_id=ids.ScheduledMessageId(message_id)
        )
        return _shown(await bus.handle(query))

    @post(
        "/{message_id:str}/cancel",
        **auth.guarded(_MANAGE),
        **bodies.answers(200, ScheduledMessage, "canceled", (401, 403, 404, 409)),
    )
    async def cancel(
        self,
        message_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Withdraw a PENDING message (409 ``schedule.invalid_transition`` otherwise)."""
        command = commands.CancelScheduledMessage(
            **caller(principal), message_id=ids.ScheduledMessageId(message_id)
        )
        return _shown(await bus.handle(command))

    @patch(
        "/{message_id:str}",
        **auth.guarded(_MANAGE),
        **bodies.answers(200, ScheduledMessage, "changed", (400, 401, 403, 404, 409, 422)),
    )
    async def update_message(
        self,
        message_id: FromPath[str],
        data: bodies.Json[ScheduledMessageUpdate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Change a PENDING message's recipient, time or content."""
        form = codec.structure(data, ScheduledMessageUpdate)
        command = commands.UpdateScheduledMessage(
            **caller(principal),
            message_id=ids.ScheduledMessageId(message_id),
            recipient=form.recipient_phone,
            send_at=form.scheduled_at,
            text=form.text,
            template_id=_template(form.template_id),
            variables=form.variables,
        )
        return _shown(await bus.handle(command))

    @delete(
        "/{message_id:str}",
        **auth.guarded(_MANAGE),
        **bodies.answers(204, None, "deleted", (401, 403, 404, 409)),
    )
    async def delete_message(
        self,
        message_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> None:
        """Remove a SENT, FAILED or CANCELED message for good; cancel a PENDING one first."""
        command = commands.DeleteScheduledMessage(
            **caller(principal), message_id=ids.ScheduledMessageId(message_id)
        )
        await bus.handle(command)
