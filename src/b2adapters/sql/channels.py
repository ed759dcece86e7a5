"""SQL connected channels: one tenant's repository and the platform-wide index for webhooks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import RowMapping, delete, exc, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from b2adapters.sql import paging
from b2adapters.sql.schema import channels as tables
from b2core.conversations import connections
from b2core.shared import errors, ids, pagination

_T = tables.connected_channels


class _Tx(Protocol):
    async def connection(self) -> AsyncConnection: ...


def _to_row(connection: connections.ConnectedChannel) -> dict[str, Any]:
    return {
        "id": connection.id,
        "tenant_id": connection.tenant_id,
        "kind": connection.kind.value,
        "phone_number_id": connection.phone_number_id,
        "provider": None if connection.provider is None else connection.provider.value,
        "base_url": connection.base_url,
        "session": connection.session,
        "sealed": dict(connection.sealed),
        "hints": dict(connection.hints),
        "created_at": connection.created_at,
    }


def _from_row(row: RowMapping) -> connections.ConnectedChannel:
    provider = row["provider"]
    return connections.ConnectedChannel(
        id=ids.ChannelId(row["id"]),
        tenant_id=ids.TenantId(row["tenant_id"]),
        kind=connections.ChannelKind(row["kind"]),
        created_at=row["created_at"],
        sealed=dict(row["sealed"]),
        hints=dict(row["hints"]),
        phone_number_id=row["phone_number_id"],
        provider=None if provider is None else connections.BridgeProvider(provider),
        base_url=row["base_url"],
        session=row["session"],
    )


def _oldest_first(connection: connections.ConnectedChannel) -> tuple[str, str]:
    return (paging.time_key(connection.created_at), connection.id)


class SqlChannelRepository:
    """The connections of one tenant. Every statement names the tenant (and, on PostgreSQL,
    row-level security holds too); the unique phone number spans every tenant."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    @property
    def _mine(self) -> Any:
        return _T.c.tenant_id == self._tenant_id

    async def add(self, connection: connections.ConnectedChannel) -> None:
        if connection.tenant_id != self._tenant_id:
            raise errors.Forbidden(
                "this channel belongs to another tenant", code="channel.wrong_tenant"
            )
        db = await self._tx.connection()
        # No look-before-insert: another tenant's number is invisible under row-level
        # security, but the unique constraint sees every row.
        try:
            await db.execute(insert(_T).values(_to_row(connection)))
        except exc.IntegrityError as error:
            if "phone_number_id" in str(error.orig):
                raise errors.Conflict(
                    "this WhatsApp number is already connected", code="channel.duplicate_number"
                ) from error
            raise errors.Conflict(
                "this channel already exists", code="channel.already_exists"
            ) from error

    async def get(self, channel_id: ids.ChannelId) -> connections.ConnectedChannel | None:
        db = await self._tx.connection()
        row = (
            (await db.execute(select(_T).where(self._mine, _T.c.id == channel_id)))
            .mappings()
            .first()
        )
        return None if row is None else _from_row(row)

    async def list(
        self, page: pagination.PageRequest
    ) -> pagination.Page[connections.ConnectedChannel]:
        db = await self._tx.connection()
        id_column = paging.by_code_point(db, _T.c.id)
        query = select(_T).where(self._mine)
        if page.cursor is not None:
            query = query.where(
                paging.after(_T.c.created_at, id_column, page.cursor, descending=False)
            )
        query = query.order_by(_T.c.created_at, id_column).limit(page.limit + 1)
        rows = [_from_row(row) for row in (await db.execute(query)).mappings()]
        return pagination.page_from_rows(rows, page.limit, _oldest_first)

    async def remove(self, channel_id: ids.ChannelId) -> bool:
        db = await self._tx.connection()
        result = await db.execute(delete(_T).where(self._mine, _T.c.id == channel_id))
        return result.rowcount == 1


class SqlChannelIndex:
    """Every tenant's connections by id (platform transactions only)."""

    def __init__(self, tx: _Tx) -> None:
        self._tx = tx

    async def find(self, channel_id: ids.ChannelId) -> connections.ConnectedChannel | None:
        db = await self._tx.connection()
        row = (await db.execute(select(_T).where(_T.c.id == channel_id))).mappings().first()
        return None if row is None else _from_row(row)

    async def bridges(self) -> list[connections.ConnectedChannel]:
        kind = connections.ChannelKind.WHATSAPP_BRIDGE.value
        query = select(_T).where(_T.c.kind == kind).order_by(_T.c.created_at, _T.c.id)
        db = await self._tx.connection()
        return [_from_row(row) for row in (await db.execute(query)).mappings()]


if TYPE_CHECKING:
    from b2adapters.sql import uow

    _repo: type[connections.ChannelRepository] = SqlChannelRepository
    _index: type[connections.ChannelIndex] = SqlChannelIndex
    _uow: type[connections.ChannelsUoW] = uow.SqlUnitOfWork
