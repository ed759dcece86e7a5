"""SQL audit log: append-only rows in ``audit_logs``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from b2adapters.sql import paging, statements
from b2adapters.sql.schema import platform as tables
from b2core.shared import audit, errors, ids, pagination

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from b2core.platform import commands, ports


class _Tx(Protocol):
    async def connection(self) -> AsyncConnection: ...


def entry_to_row(entry: audit.AuditEntry) -> dict[str, Any]:
    """The ``audit_logs`` row of ``entry``; its metadata must be JSON-compatible."""
    return {
        "id": entry.id,
        "at": entry.at,
        "actor_kind": entry.actor.kind,
        "actor_user_id": entry.actor.user_id,
        "actor_role": entry.actor.role,
        "action": entry.action,
        "tenant_id": entry.tenant_id,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "metadata": dict(entry.metadata),
        "ip": entry.ip,
    }


def entry_from_row(row: RowMapping) -> audit.AuditEntry:
    """The entry stored in an ``audit_logs`` row."""
    actor_user = row["actor_user_id"]
    tenant_id = row["tenant_id"]
    actor = audit.Actor(
        row["actor_kind"], None if actor_user is None else ids.UserId(actor_user), row["actor_role"]
    )
    return audit.AuditEntry(
        id=ids.AuditId(row["id"]),
        at=row["at"],
        actor=actor,
        action=row["action"],
        tenant_id=None if tenant_id is None else ids.TenantId(tenant_id),
        target_type=row["target_type"],
        target_id=row["target_id"],
        metadata=row["metadata"],
        ip=row["ip"],
    )


class SqlAuditLog:
    """Appends entries in the current transaction. Bound to a tenant, it takes and shows
    only that tenant's entries; in a platform transaction, everyone's."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId | None) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    async def append(self, entry: audit.AuditEntry) -> None:
        if self._tenant_id is not None and entry.tenant_id != self._tenant_id:
            raise errors.Forbidden("the entry belongs to another tenant", code="audit.wrong_tenant")
        connection = await self._tx.connection()
        with statements.integrity_errors_as_conflicts("audit_logs", code="audit.conflict"):
            await connection.execute(insert(tables.audit_logs).values(entry_to_row(entry)))

    async def all(self) -> list[audit.AuditEntry]:
        """Every entry this log may show, oldest first (for tests and exports)."""
        connection = await self._tx.connection()
        logs = tables.audit_logs
        query = select(logs)
        if self._tenant_id is not None:
            query = query.where(logs.c.tenant_id == self._tenant_id)
        query = query.order_by(logs.c.at, paging.by_code_point(connection, logs.c.id))
        rows = (await connection.execute(query)).mappings().all()
        return [entry_from_row(row) for row in rows]


def _conditions(
    criteria: commands.AuditFilter, tenant_id: ids.TenantId | None
) -> list[ColumnElement[bool]]:
    logs = tables.audit_logs
    # A tenant-bound reader sees its own tenant, whatever the filter asked for.
    tenant = tenant_id if tenant_id is not None else criteria.tenant_id
    found: list[ColumnElement[bool]] = []
    if tenant is not None:
        found.append(logs.c.tenant_id == tenant)
    if criteria.action is not None:
        found.append(logs.c.action == criteria.action)
    if criteria.actor_user_id is not None:
        found.append(logs.c.actor_user_id == criteria.actor_user_id)
    if criteria.since is not None:
        found.append(logs.c.at >= criteria.since)
    if criteria.until is not None:
        found.append(logs.c.at < criteria.until)
    return found


def _newest_key(entry: audit.AuditEntry) -> tuple[str, str]:
    return (paging.time_key(entry.at), entry.id)


class SqlAuditReader:
    """Reads entries newest first; bound to a tenant, only that tenant's."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId | None) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    async def page(
        self, criteria: commands.AuditFilter, page: pagination.PageRequest
    ) -> pagination.Page[audit.AuditEntry]:
        connection = await self._tx.connection()
        logs = tables.audit_logs
        id_column = paging.by_code_point(connection, logs.c.id)
        query = select(logs).where(*_conditions(criteria, self._tenant_id))
        if page.cursor is not None:
            query = query.where(paging.after(logs.c.at, id_column, page.cursor, descending=True))
        query = query.order_by(logs.c.at.desc(), id_column.desc()).limit(page.limit + 1)
        rows = (await connection.execute(query)).mappings().all()
        found = [entry_from_row(row) for row in rows]
        return pagination.page_from_rows(found, page.limit, _newest_key)


if TYPE_CHECKING:
    _: type[audit.AuditLog] = SqlAuditLog
    _reader: type[ports.AuditReader] = SqlAuditReader
