"""SQL repository of tenants."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from b2adapters.sql import paging, statements
from b2adapters.sql.schema import tenants as tables
from b2core.shared import errors, ids, pagination
from b2core.tenants import model

if TYPE_CHECKING:
    from b2core.tenants import ports


class _Tx(Protocol):
    async def connection(self) -> AsyncConnection: ...


def hours_to_json(hours: model.WorkingHours) -> dict[str, list[list[str]]]:
    """Working hours as JSON: weekday keys become strings; spans keep their order."""
    return {str(day): [[s.opens, s.closes] for s in spans] for day, spans in hours.items()}


def hours_from_json(raw: dict[str, list[list[str]]]) -> dict[int, tuple[model.OpeningSpan, ...]]:
    """The working hours stored by :func:`hours_to_json`."""
    return {
        int(day): tuple(model.OpeningSpan(opens, closes) for opens, closes in spans)
        for day, spans in raw.items()
    }


def tenant_to_row(tenant: model.Tenant) -> dict[str, Any]:
    """The ``tenants`` row of ``tenant``."""
    profile = tenant.profile
    return {
        "id": tenant.id,
        "name": tenant.name,
        "name_key": tenant.name.casefold(),
        "status": tenant.status.value,
        "timezone": tenant.timezone,
        "created_at": tenant.created_at,
        "updated_at": tenant.updated_at,
        "phone": profile.phone,
        "address": profile.address,
        "description": profile.description,
        "working_hours": hours_to_json(profile.working_hours),
    }


def tenant_from_row(row: RowMapping) -> model.Tenant:
    """The tenant stored in a ``tenants`` row."""
    return model.Tenant(
        id=ids.TenantId(row["id"]),
        name=row["name"],
        status=model.TenantStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        timezone=row["timezone"],
        profile=model.Profile(
            phone=row["phone"],
            address=row["address"],
            description=row["description"],
            working_hours=hours_from_json(row["working_hours"]),
        ),
    )


class SqlTenantRepository:
    """Tenants in the ``tenants`` table; search pages newest first."""

    def __init__(self, tx: _Tx) -> None:
        self._tx = tx

    async def get(self, tenant_id: ids.TenantId) -> model.Tenant | None:
        connection = await self._tx.connection()
        query = select(tables.tenants).where(tables.tenants.c.id == tenant_id)
        row = (await connection.execute(query)).mappings().first()
        return None if row is None else tenant_from_row(row)

    async def add(self, tenant: model.Tenant) -> None:
        connection = await self._tx.connection()
        with statements.integrity_errors_as_conflicts("tenants", code="tenant.already_exists"):
            await connection.execute(insert(tables.tenants).values(tenant_to_row(tenant)))

    async def save(self, tenant: model.Tenant) -> None:
        connection = await self._tx.connection()
        values = tenant_to_row(tenant)
        del values["id"]
        statement = update(tables.tenants).where(tables.tenants.c.id == tenant.id).values(values)
        result = await connection.execute(statement)
        if result.rowcount != 1:
            raise errors.NotFound(f"no tenant {tenant.id}", code="tenant.not_found")

    async def count(self, *, include_archived: bool = False) -> int:
        connection = await self._tx.connection()
        query = select(func.count()).select_from(tables.tenants)
        if not include_archived:
            query = query.where(tables.tenants.c.status != model.TenantStatus.ARCHIVED.value)
        return int(await connection.scalar(query) or 0)

    async def search(
        self,
        page: pagination.PageRequest,
        *,
        text: str | None = None,
        status: model.TenantStatus | None = None,
    ) -> pagination.Page[model.Tenant]:
        connection = await self._tx.connection()
        table = tables.tenants
        id_column = paging.by_code_point(connection, table.c.id)
        query = select(table)
        if text:
            query = query.where(table.c.name_key.contains(text.casefold(), autoescape=True))
        if status is not None:
            query = query.where(table.c.status == status.value)
        if page.cursor is not None:
            query = query.where(
                paging.after(table.c.created_at, id_column, page.cursor, descending=True)
            )
        query = query.order_by(table.c.created_at.desc(), id_column.desc()).limit(page.limit + 1)
        rows = (await connection.execute(query)).mappings().all()
        found = [tenant_from_row(row) for row in rows]
        return pagination.page_from_rows(found, page.limit, _newest_first)


def _newest_first(tenant: model.Tenant) -> tuple[str, str]:
    return (paging.time_key(tenant.created_at), tenant.id)


if TYPE_CHECKING:
    _: type[ports.TenantRepository] = SqlTenantRepository
