"""In-memory connected channels: one tenant's repository and the platform-wide index."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any, Protocol

from b2core.conversations import connections
from b2core.shared import errors, ids, pagination

TABLE = "connected_channels"


class _Tx(Protocol):
    def table(self, name: str) -> dict[Any, Any]: ...


def _oldest_first(connection: connections.ConnectedChannel) -> tuple[str, str]:
    return (connection.created_at.astimezone(UTC).isoformat(timespec="microseconds"), connection.id)


def _after(cursor: str) -> tuple[str, str]:
    first, second = pagination.decode_cursor(cursor, 2)
    if not isinstance(first, str) or not isinstance(second, str):
        raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor")
    return (first, second)


class InMemoryChannelRepository:
    """The connections of one tenant; phone numbers are unique across every tenant."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    @property
    def _rows(self) -> dict[ids.ChannelId, connections.ConnectedChannel]:
        return self._tx.table(TABLE)

    async def add(self, connection: connections.ConnectedChannel) -> None:
        if connection.tenant_id != self._tenant_id:
            raise errors.Forbidden(
                "this channel belongs to another tenant", code="channel.wrong_tenant"
            )
        if connection.id in self._rows:
            raise errors.Conflict("this channel already exists", code="channel.already_exists")
        number = connection.phone_number_id
        if number is not None and any(r.phone_number_id == number for r in self._rows.values()):
            raise errors.Conflict(
                "this WhatsApp number is already connected", code="channel.duplicate_number"
            )
        self._rows[connection.id] = connection

    async def get(self, channel_id: ids.ChannelId) -> connections.ConnectedChannel | None:
        found = self._rows.get(channel_id)
        return found if found is not None and found.tenant_id == self._tenant_id else None

    async def list(
        self, page: pagination.PageRequest
    ) -> pagination.Page[connections.ConnectedChannel]:
        rows = sorted(
            (r for r in self._rows.values() if r.tenant_id == self._tenant_id), key=_oldest_first
        )
        if page.cursor is not None:
            after = _after(page.cursor)
            rows = [r for r in rows if _oldest_first(r) > after]
        return pagination.page_from_rows(rows[: page.limit + 1], page.limit, _oldest_first)

    async def remove(self, channel_id: ids.ChannelId) -> bool:
        if await self.get(channel_id) is None:
            return False
        del self._rows[channel_id]
        return True


class InMemoryChannelIndex:
    """Every tenant's connections, by id (platform transactions only)."""

    def __init__(self, tx: _Tx) -> None:
        self._tx = tx

    async def find(self, channel_id: ids.ChannelId) -> connections.ConnectedChannel | None:
        found: connections.ConnectedChannel | None = self._tx.table(TABLE).get(channel_id)
        return found

    async def bridges(self) -> list[connections.ConnectedChannel]:
        every: list[connections.ConnectedChannel] = list(self._tx.table(TABLE).values())
        bridges = [c for c in every if c.kind is connections.ChannelKind.WHATSAPP_BRIDGE]
        return sorted(bridges, key=lambda c: (c.created_at, c.id))


if TYPE_CHECKING:
    from b2adapters.memory import uow

    _repo: type[connections.ChannelRepository] = InMemoryChannelRepository
    _index: type[connections.ChannelIndex] = InMemoryChannelIndex
    _uow: type[connections.ChannelsUoW] = uow.InMemoryUnitOfWork
