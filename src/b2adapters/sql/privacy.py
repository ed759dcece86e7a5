"""SQL privacy adapter: one tenant's customer data read and erased straight from the
conversations, messages, orders and audit tables (privacy does not go through the other
contexts' repositories)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import ColumnElement, case, delete, literal, null, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from b2adapters.sql.schema import conversations as conversation_tables
from b2adapters.sql.schema import orders as order_tables
from b2adapters.sql.schema import platform as platform_tables
from b2core.privacy import model as privacy
from b2core.shared import ids

if TYPE_CHECKING:
    from b2core.privacy import ports

_conversations = conversation_tables.conversations
_messages = conversation_tables.messages
_orders = order_tables.orders
_audit = platform_tables.audit_logs
_SLICE = 500


class _Tx(Protocol):
    async def connection(self) -> AsyncConnection: ...


def _conversation_record(row: RowMapping) -> privacy.ConversationRecord:
    return privacy.ConversationRecord(
        id=ids.ConversationId(row["id"]),
        channel_id=row["channel_id"],
        status=row["status"],
        opened_at=row["opened_at"],
        last_message_at=row["last_message_at"],
        contact_name=row["contact_name"],
        contact_phone=row["contact_phone"],
        contact_email=row["contact_email"],
    )


def _media_reference(raw: dict[str, Any] | None) -> privacy.MediaReference | None:
    if raw is None:
        return None
    return privacy.MediaReference(
        raw["type"], raw["media_id"], raw.get("mime_type"), raw.get("caption"), raw.get("filename")
    )


def _message_record(row: RowMapping) -> privacy.MessageRecord:
    return privacy.MessageRecord(
        id=ids.MessageId(row["id"]),
        conversation_id=ids.ConversationId(row["conversation_id"]),
        direction=row["direction"],
        type=row["type"],
        created_at=row["created_at"],
        text=row["text"],
        media=_media_reference(row["media"]),
        from_ai=bool(row["from_ai"]),
    )


def _order_record(row: RowMapping) -> privacy.OrderRecord:
    items = tuple(
        privacy.OrderItemRecord(
            item["service_id"],
            item["name"],
            int(item["unit_price_minor"]),
            item["currency"],
            int(item["quantity"]),
        )
        for item in row["items"]
    )
    conversation_id = row["conversation_id"]
    return privacy.OrderRecord(
        id=ids.OrderId(row["id"]),
        status=row["status"],
        created_at=row["created_at"],
        items=items,
        conversation_id=None if conversation_id is None else ids.ConversationId(conversation_id),
        customer_name=row["customer_name"],
        customer_phone=row["customer_phone"],
        customer_email=row["customer_email"],
    )


class SqlCustomerDataStore:
    """One tenant's customer data; every statement names the tenant (and on PostgreSQL the
    transaction's row-level security scope says the same)."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    def _conversation_filter(self, customer_id: str | None) -> list[ColumnElement[bool]]:
        found = [_conversations.c.tenant_id == self._tenant_id]
        if customer_id is not None:
            found.append(_conversations.c.customer_id == customer_id)
        return found

    def _order_filter(self, customer_id: str | None) -> list[ColumnElement[bool]]:
        found = [_orders.c.tenant_id == self._tenant_id]
        if customer_id is not None:
            found.append(_orders.c.customer_id == customer_id)
        return found

    def _messages_of(self, customer_id: str | None) -> ColumnElement[bool]:
        chosen = select(_conversations.c.id).where(*self._conversation_filter(customer_id))
        return (_messages.c.tenant_id == self._tenant_id) & _messages.c.conversation_id.in_(chosen)

    async def _rows(self, query: Any) -> Sequence[RowMapping]:
        connection = await self._tx.connection()
        return (await connection.execute(query)).mappings().all()

    async def customer_ids(self) -> list[str]:
        talked = select(_conversations.c.customer_id).where(*self._conversation_filter(None))
        ordered = select(_orders.c.customer_id).where(*self._order_filter(None))
        rows = await self._rows(talked.union(ordered))
        return sorted({row["customer_id"] for row in rows})

    async def export(self, customer_id: str) -> privacy.CustomerData:
        conversations = await self._rows(
            select(_conversations).where(*self._conversation_filter(customer_id))
        )
        found = await self._rows(select(_messages).where(self._messages_of(customer_id)))
        orders = await self._rows(select(_orders).where(*self._order_filter(customer_id)))
        return privacy.CustomerData(
            self._tenant_id,
            customer_id,
            tuple(_conversation_record(row) for row in conversations),
            tuple(_message_record(row) for row in found),
            tuple(_order_record(row) for row in orders),
        )

    async def _delete_conversations(self, customer_id: str | None) -> tuple[int, int]:
        connection = await self._tx.connection()
        # Messages first: SQLite does not enforce the cascading foreign key by default.
        gone = await connection.execute(delete(_messages).where(self._messages_of(customer_id)))
        talks = await connection.execute(
            delete(_conversations).where(*self._conversation_filter(customer_id))
        )
        return talks.rowcount, gone.rowcount

    async def erase(self, customer_id: str) -> privacy.ErasureReport:
        talks, gone = await self._delete_conversations(customer_id)
        connection = await self._tx.connection()
        anonymised = await connection.execute(
            update(_orders)
            .where(*self._order_filter(customer_id))
            .values(
                customer_id=literal(privacy.ANONYMOUS_CUSTOMER_PREFIX).concat(_orders.c.id),
                customer_name=case(
                    (_orders.c.customer_name.is_(None), null()), else_=literal(privacy.ERASED)
                ),
                customer_phone=None,
                customer_email=None,
                conversation_id=None,
            )
        )
        return privacy.ErasureReport(
            conversations_deleted=talks,
            messages_deleted=gone,
            orders_anonymised=anonymised.rowcount,
        )

    async def erase_all(self) -> privacy.ErasureReport:
        talks, gone = await self._delete_conversations(None)
        connection = await self._tx.connection()
        orders = await connection.execute(delete(_orders).where(*self._order_filter(None)))
        return privacy.ErasureReport(
            conversations_deleted=talks, messages_deleted=gone, orders_deleted=orders.rowcount
        )

    async def scrub_audit(self, personal: frozenset[str]) -> int:
        rows = await self._rows(
            select(_audit.c.id, _audit.c.metadata, _audit.c.target_id).where(
                _audit.c.tenant_id == self._tenant_id
            )
        )
        connection = await self._tx.connection()
        changed = 0
        for row in rows:
            metadata = privacy.scrub_metadata(row["metadata"] or {}, personal)
            target = row["target_id"]
            scrubbed = None if target is None else privacy.scrub_text(target, personal)
            if metadata is None and scrubbed == target:
                continue
            values: dict[str, Any] = {"target_id": scrubbed}
            if metadata is not None:
                values["metadata"] = metadata
            await connection.execute(update(_audit).where(_audit.c.id == row["id"]).values(values))
            changed += 1
        return changed

    async def clear_audit_metadata(self) -> int:
        rows = await self._rows(
            select(_audit.c.id, _audit.c.metadata).where(
                _audit.c.tenant_id == self._tenant_id,
                _audit.c.action.not_like(f"{privacy.PRIVACY_ACTIONS}%"),
            )
        )
        chosen = [row["id"] for row in rows if row["metadata"]]
        connection = await self._tx.connection()
        # In slices: a database takes only so many bound parameters in one statement.
        for start in range(0, len(chosen), _SLICE):
            part = chosen[start : start + _SLICE]
            await connection.execute(
                update(_audit).where(_audit.c.id.in_(part)).values(metadata={})
            )
        return len(chosen)


if TYPE_CHECKING:
    _store: type[ports.CustomerDataStore] = SqlCustomerDataStore
