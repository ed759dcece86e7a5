"""SQL repositories of the orders context: one tenant's catalog and its orders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import attrs
from sqlalchemy import and_, delete, exc, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from b2adapters.sql import order_rows, paging, statements
from b2adapters.sql.schema import orders as tables
from b2core.orders import catalog, model
from b2core.shared import errors, ids, pagination

if TYPE_CHECKING:
    from b2core.orders import ports


class _Tx(Protocol):
    async def connection(self) -> AsyncConnection: ...


def _by_name(service: catalog.Service) -> tuple[str, str]:
    return (order_rows.joined_key(service), service.id)


def _newest_first(order: model.Order) -> tuple[str, str]:
    return (paging.time_key(order.created_at), order.id)


def _name_cursor(cursor: str) -> tuple[str, str]:
    key, item_id = pagination.decode_cursor(cursor, 2)
    if not isinstance(key, str) or not isinstance(item_id, str):
        raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor")
    return key, item_id


def _same_tenant(found: ids.TenantId, bound: ids.TenantId, code: str) -> None:
    if found != bound:
        raise errors.Forbidden("this record belongs to another tenant", code=code)


def _duplicate_name(service: catalog.Service) -> errors.Conflict:
    return errors.Conflict(
        f"a service named {service.name!r} already exists", code="service.duplicate_name"
    )


def _names_clash(error: exc.IntegrityError) -> bool:
    # PostgreSQL names the violated constraint, SQLite its columns: both mention name_key.
    return "name_key" in str(error.orig)


class SqlServiceRepository:
    """The services of one tenant. Every statement names the tenant (and, on PostgreSQL,
    row-level security holds too), so other tenants' services stay out of reach."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    async def get(self, service_id: ids.ServiceId) -> catalog.Service | None:
        connection = await self._tx.connection()
        query = select(tables.services).where(self._mine, tables.services.c.id == service_id)
        row = (await connection.execute(query)).mappings().first()
        return None if row is None else order_rows.service_from_row(row)

    async def add(self, service: catalog.Service) -> None:
        _same_tenant(service.tenant_id, self._tenant_id, "service.wrong_tenant")
        connection = await self._tx.connection()
        row = order_rows.service_to_row(service)
        # Checked first so that the usual refusals leave the transaction usable (a failed
        # statement aborts a PostgreSQL transaction); the constraints catch the races.
        found = [found_id for found_id, _ in await self._same_id_or_name(connection, row)]
        if service.id in found:
            raise errors.Conflict("this service already exists", code="service.already_exists")
        if found:
            raise _duplicate_name(service)
        try:
            await connection.execute(insert(tables.services).values(row))
        except exc.IntegrityError as error:
            if _names_clash(error):
                raise _duplicate_name(service) from error
            # The id is taken, maybe by another tenant's service (invisible here).
            raise errors.Conflict(
                "this service already exists", code="service.already_exists"
            ) from error

    async def save(self, service: catalog.Service) -> catalog.Service:
        _same_tenant(service.tenant_id, self._tenant_id, "service.wrong_tenant")
        connection = await self._tx.connection()
        row = order_rows.service_to_row(service)
        found = await self._same_id_or_name(connection, row)
        stored = [version for other_id, version in found if other_id == service.id]
        if not stored:
            raise errors.NotFound("no such service", code="service.not_found")
        if stored[0] != service.version:
            raise _stale("service")
        if len(found) > 1:
            raise _duplicate_name(service)
        saved = attrs.evolve(service, version=service.version + 1)
        values = order_rows.service_to_row(saved)
        del values["id"], values["tenant_id"]
        statement = (
            update(tables.services)
            .where(
                self._mine,
                tables.services.c.id == service.id,
                tables.services.c.version == service.version,
            )
            .values(values)
        )
        try:
            result = await connection.execute(statement)
        except exc.IntegrityError as error:
            raise _duplicate_name(service) from error
        if result.rowcount != 1:
            raise _stale("service")
        return saved

    async def delete(self, service_id: ids.ServiceId) -> bool:
        connection = await self._tx.connection()
        statement = delete(tables.services).where(self._mine, tables.services.c.id == service_id)
        result = await connection.execute(statement)
        return result.rowcount == 1

    async def list(
        self, page: pagination.PageRequest, *, active: bool | None = None
    ) -> pagination.Page[catalog.Service]:
        connection = await self._tx.connection()
        services = tables.services
        key = paging.by_code_point(connection, services.c.name_key)
        id_column = paging.by_code_point(connection, services.c.id)
        query = select(services).where(self._mine)
        if active is not None:
            query = query.where(services.c.active.is_(active))
        if page.cursor is not None:
            after_key, after_id = _name_cursor(page.cursor)
            query = query.where(
                or_(key > after_key, and_(services.c.name_key == after_key, id_column > after_id))
            )
        query = query.order_by(key, id_column).limit(page.limit + 1)
        rows = (await connection.execute(query)).mappings().all()
        found = [order_rows.service_from_row(row) for row in rows]
        return pagination.page_from_rows(found, page.limit, _by_name)

    async def list_active(self) -> Sequence[catalog.Service]:
        connection = await self._tx.connection()
        services = tables.services
        query = (
            select(services)
            .where(self._mine, services.c.active.is_(True))
            .order_by(
                paging.by_code_point(connection, services.c.name_key),
                paging.by_code_point(connection, services.c.id),
            )
        )
        rows = (await connection.execute(query)).mappings().all()
        return [order_rows.service_from_row(row) for row in rows]

    async def _same_id_or_name(
        self, connection: AsyncConnection, row: dict[str, Any]
    ) -> Sequence[tuple[str, int]]:
        """(id, version) of this tenant's services with the id or the name key of ``row``."""
        services = tables.services
        query = select(services.c.id, services.c.version).where(
            self._mine,
            or_(services.c.id == row["id"], services.c.name_key == row["name_key"]),
        )
        return [(found_id, version) for found_id, version in await connection.execute(query)]

    @property
    def _mine(self) -> Any:
        return tables.services.c.tenant_id == self._tenant_id


def _stale(what: str) -> errors.ConcurrencyConflict:
    return errors.ConcurrencyConflict(
        f"the {what} changed meanwhile", code=f"{what}.concurrent_update"
    )


class SqlOrderRepository:
    """The orders of one tenant; other tenants' orders stay out of reach."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    async def get(self, order_id: ids.OrderId) -> model.Order | None:
        connection = await self._tx.connection()
        query = select(tables.orders).where(self._mine, tables.orders.c.id == order_id)
        row = (await connection.execute(query)).mappings().first()
        return None if row is None else order_rows.order_from_row(row)

    async def add(self, order: model.Order) -> None:
        _same_tenant(order.tenant_id, self._tenant_id, "order.wrong_tenant")
        connection = await self._tx.connection()
        with statements.integrity_errors_as_conflicts("orders", code="order.already_exists"):
            await connection.execute(insert(tables.orders).values(order_rows.order_to_row(order)))

    async def save(self, order: model.Order) -> model.Order:
        _same_tenant(order.tenant_id, self._tenant_id, "order.wrong_tenant")
        connection = await self._tx.connection()
        saved = attrs.evolve(order, version=order.version + 1)
        values = order_rows.order_to_row(saved)
        del values["id"], values["tenant_id"]
        # One conditional UPDATE: of racing writers of one version only the first matches
        # (PostgreSQL re-checks the WHERE after waiting for it; SQLite runs writers in turn).
        statement = (
            update(tables.orders)
            .where(
                self._mine,
                tables.orders.c.id == order.id,
                tables.orders.c.version == order.version,
            )
            .values(values)
        )
        if (await connection.execute(statement)).rowcount == 1:
            return saved
        if await self.get(order.id) is None:
            raise errors.NotFound("no such order", code="order.not_found")
        raise _stale("order")

    async def list(
        self,
        page: pagination.PageRequest,
        *,
        status: model.OrderStatus | None = None,
        customer_id: str | None = None,
    ) -> pagination.Page[model.Order]:
        connection = await self._tx.connection()
        orders = tables.orders
        id_column = paging.by_code_point(connection, orders.c.id)
        query = select(orders).where(self._mine)
        if status is not None:
            query = query.where(orders.c.status == status.value)
        if customer_id is not None:
            query = query.where(orders.c.customer_id == customer_id)
        if page.cursor is not None:
            query = query.where(
                paging.after(orders.c.created_at, id_column, page.cursor, descending=True)
            )
        query = query.order_by(orders.c.created_at.desc(), id_column.desc()).limit(page.limit + 1)
        rows = (await connection.execute(query)).mappings().all()
        found = [order_rows.order_from_row(row) for row in rows]
        return pagination.page_from_rows(found, page.limit, _newest_first)

    @property
    def _mine(self) -> Any:
        return tables.orders.c.tenant_id == self._tenant_id


if TYPE_CHECKING:
    _s: type[ports.ServiceRepository] = SqlServiceRepository
    _o: type[ports.OrderRepository] = SqlOrderRepository
