"""SQL repositories of the scheduling context: one tenant's templates, scheduled messages and
settings.

Every statement names the bound tenant (and, on PostgreSQL, row-level security holds too), so
no other tenant's row is ever read, listed or changed through them. The dispatcher's
cross-tenant queue lives in :mod:`b2adapters.sql.scheduling_dispatch`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import attrs
from sqlalchemy import and_, delete, exc, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from b2adapters.sql import paging, statements
from b2adapters.sql import scheduling_rows as rows
from b2adapters.sql.schema import scheduling as tables
from b2core.scheduling import model, quiet_hours, templates
from b2core.shared import errors, ids, pagination

if TYPE_CHECKING:
    from b2core.scheduling import ports

_T, _M = tables.message_templates, tables.scheduled_messages


class _Tx(Protocol):
    async def connection(self) -> AsyncConnection: ...


def _same_tenant(found: ids.TenantId, bound: ids.TenantId, code: str) -> None:
    if found != bound:
        raise errors.Forbidden("this record belongs to another tenant", code=code)


def _stale(what: str, code: str) -> errors.ConcurrencyConflict:
    return errors.ConcurrencyConflict(f"the {what} changed meanwhile", code=code)


def _name_cursor(cursor: str) -> tuple[str, str]:
    key, item_id = pagination.decode_cursor(cursor, 2)
    if not isinstance(key, str) or not isinstance(item_id, str):
        raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor")
    return key, item_id


def _duplicate_name(template: templates.MessageTemplate) -> errors.Conflict:
    return errors.Conflict(
        f"a template named {template.name!r} already exists", code="template.duplicate_name"
    )


class SqlTemplateRepository:
    """The message templates of one tenant."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    async def get(self, template_id: ids.TemplateId) -> templates.MessageTemplate | None:
        connection = await self._tx.connection()
        query = select(_T).where(_T.c.tenant_id == self._tenant_id, _T.c.id == template_id)
        row = (await connection.execute(query)).mappings().first()
        return None if row is None else rows.template_from_row(row)

    async def add(self, template: templates.MessageTemplate) -> None:
        _same_tenant(template.tenant_id, self._tenant_id, "template.wrong_tenant")
        connection = await self._tx.connection()
        # Checked first so that the usual refusals leave the transaction usable.
        found = await self._same_id_or_name(connection, template)
        if any(other_id == template.id for other_id, _ in found):
            raise errors.Conflict("this template already exists", code="template.already_exists")
        if found:
            raise _duplicate_name(template)
        try:
            await connection.execute(insert(_T).values(rows.template_to_row(template)))
        except exc.IntegrityError as error:
            if "name_key" in str(error.orig):
                raise _duplicate_name(template) from error
            raise errors.Conflict(
                "this template already exists", code="template.already_exists"
            ) from error

    async def save(self, template: templates.MessageTemplate) -> templates.MessageTemplate:
        _same_tenant(template.tenant_id, self._tenant_id, "template.wrong_tenant")
        connection = await self._tx.connection()
        found = await self._same_id_or_name(connection, template)
        stored = [version for other_id, version in found if other_id == template.id]
        if not stored:
            raise errors.NotFound("no such template", code="template.not_found")
        if stored[0] != template.version:
            raise _stale("template", "template.concurrent_update")
        if len(found) > 1:
            raise _duplicate_name(template)
        saved = attrs.evolve(template, version=template.version + 1)
        values = rows.template_to_row(saved)
        del values["id"], values["tenant_id"]
        statement = (
            update(_T)
            .where(
                _T.c.tenant_id == self._tenant_id,
                _T.c.id == template.id,
                _T.c.version == template.version,
            )
            .values(values)
        )
        try:
            result = await connection.execute(statement)
        except exc.IntegrityError as error:
            raise _duplicate_name(template) from error
        if result.rowcount != 1:
            raise _stale("template", "template.concurrent_update")
        return saved

    async def delete(self, template_id: ids.TemplateId) -> bool:
        connection = await self._tx.connection()
        statement = delete(_T).where(_T.c.tenant_id == self._tenant_id, _T.c.id == template_id)
        return (await connection.execute(statement)).rowcount == 1

    async def list(
        self, page: pagination.PageRequest
    ) -> pagination.Page[templates.MessageTemplate]:
        connection = await self._tx.connection()
        key = paging.by_code_point(connection, _T.c.name_key)
        id_column = paging.by_code_point(connection, _T.c.id)
        query = select(_T).where(_T.c.tenant_id == self._tenant_id)
        if page.cursor is not None:
            after_key, after_id = _name_cursor(page.cursor)
            query = query.where(
                or_(key > after_key, and_(_T.c.name_key == after_key, id_column > after_id))
            )
        query = query.order_by(key, id_column).limit(page.limit + 1)
        fetched = (await connection.execute(query)).mappings().all()
        found = [rows.template_from_row(row) for row in fetched]
        return pagination.page_from_rows(found, page.limit, lambda t: (t.key, t.id))

    async def _same_id_or_name(
        self, connection: AsyncConnection, template: templates.MessageTemplate
    ) -> Sequence[tuple[str, int]]:
        query = select(_T.c.id, _T.c.version).where(
            or_(
                _T.c.id == template.id,
                and_(_T.c.tenant_id == self._tenant_id, _T.c.name_key == template.key),
            )
        )
        return [(row.id, row.version) for row in await connection.execute(query)]


class SqlScheduledMessageRepository:
    """The scheduled messages of one tenant."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    async def get(self, message_id: ids.ScheduledMessageId) -> model.ScheduledMessage | None:
        connection = await self._tx.connection()
        query = select(_M).where(_M.c.tenant_id == self._tenant_id, _M.c.id == message_id)
        row = (await connection.execute(query)).mappings().first()
        return None if row is None else rows.message_from_row(row)

    async def add(self, message: model.ScheduledMessage) -> None:
        _same_tenant(message.tenant_id, self._tenant_id, "schedule.wrong_tenant")
        connection = await self._tx.connection()
        values = rows.message_to_row(message)
        # ON CONFLICT DO NOTHING: a taken id (maybe another tenant's) never aborts the
        # transaction on PostgreSQL.
        if not await statements.insert_if_absent(connection, _M, values):
            raise errors.Conflict("this message already exists", code="schedule.already_exists")

    async def save(self, message: model.ScheduledMessage) -> model.ScheduledMessage:
        _same_tenant(message.tenant_id, self._tenant_id, "schedule.wrong_tenant")
        connection = await self._tx.connection()
        saved = attrs.evolve(message, version=message.version + 1)
        values = rows.message_to_row(saved)
        del values["id"], values["tenant_id"]
        statement = (
            update(_M)
            .where(
                _M.c.tenant_id == self._tenant_id,
                _M.c.id == message.id,
                _M.c.version == message.version,
            )
            .values(values)
        )
        if (await connection.execute(statement)).rowcount == 1:
            return saved
        if await self.get(message.id) is None:
            raise errors.NotFound("no such scheduled message", code="schedule.not_found")
        raise _stale("message", "schedule.concurrent_update")

    async def delete(self, message_id: ids.ScheduledMessageId) -> bool:
        connection = await self._tx.connection()
        statement = delete(_M).where(_M.c.tenant_id == self._tenant_id, _M.c.id == message_id)
        return (await connection.execute(statement)).rowcount == 1

    async def list(
        self,
        page: pagination.PageRequest,
        *,
        status: model.ScheduleStatus | None = None,
        recipient: str | None = None,
        send_from: datetime | None = None,
        send_until: datetime | None = None,
    ) -> pagination.Page[model.ScheduledMessage]:
        connection = await self._tx.connection()
        id_column = paging.by_code_point(connection, _M.c.id)
        query = select(_M).where(_M.c.tenant_id == self._tenant_id)
        if status is not None:
            query = query.where(_M.c.status == status.value)
        if recipient is not None:
            query = query.where(_M.c.recipient == recipient)
        if send_from is not None:
            query = query.where(_M.c.send_at >= send_from)
        if send_until is not None:
            query = query.where(_M.c.send_at < send_until)
        if page.cursor is not None:
            query = query.where(
                paging.after(_M.c.send_at, id_column, page.cursor, descending=False)
            )
        query = query.order_by(_M.c.send_at, id_column).limit(page.limit + 1)
        fetched = (await connection.execute(query)).mappings().all()
        found = [rows.message_from_row(row) for row in fetched]
        return pagination.page_from_rows(
            found, page.limit, lambda m: (paging.time_key(m.send_at), m.id)
        )


class SqlSchedulingSettingsRepository:
    """One tenant's scheduling settings."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    async def get(self) -> quiet_hours.SchedulingSettings | None:
        connection = await self._tx.connection()
        table = tables.scheduling_settings
        query = select(table).where(table.c.tenant_id == self._tenant_id)
        row = (await connection.execute(query)).mappings().first()
        if row is None:
            return None
        hours = None
        if row["quiet_start"] is not None and row["quiet_end"] is not None:
            hours = quiet_hours.QuietHours(row["quiet_start"], row["quiet_end"])
        return quiet_hours.SchedulingSettings(self._tenant_id, hours, row["updated_at"])

    async def save(self, settings: quiet_hours.SchedulingSettings) -> None:
        _same_tenant(settings.tenant_id, self._tenant_id, "schedule.wrong_tenant")
        connection = await self._tx.connection()
        hours = settings.quiet_hours
        values: Mapping[str, Any] = {
            "tenant_id": self._tenant_id,
            "quiet_start": hours.start if hours else None,
            "quiet_end": hours.end if hours else None,
            "updated_at": settings.updated_at,
        }
        await statements.upsert(connection, tables.scheduling_settings, values, "tenant_id")


if TYPE_CHECKING:
    _t: type[ports.TemplateRepository] = SqlTemplateRepository
    _m: type[ports.ScheduledMessageRepository] = SqlScheduledMessageRepository
    _s: type[ports.SchedulingSettingsRepository] = SqlSchedulingSettingsRepository
