"""SQL repositories of the conversations context: conversations, messages and assignable staff.

Every statement names the bound tenant (on PostgreSQL row-level security also holds), so no
other tenant's row is ever read, listed or changed through these repositories.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import attrs
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from b2adapters.sql import conversation_rows as rows
from b2adapters.sql import paging, statements
from b2adapters.sql.schema import conversations as tables
from b2adapters.sql.schema import iam as iam_tables
from b2core.conversations import channel, delivery, messages, model
from b2core.iam import model as iam_model
from b2core.shared import errors, ids, pagination

if TYPE_CHECKING:
    from b2core.conversations import ports

_ASSIGNABLE_ROLES = (iam_model.Role.TENANT_ADMIN.value, iam_model.Role.STAFF.value)
# Opening races end in one round: a loser's next look finds the winner's conversation. More
# rounds only happen while the live conversation keeps being closed under our feet.
_OPEN_ROUNDS = 3


class _Tx(Protocol):
    async def connection(self) -> AsyncConnection: ...


def _same_tenant(found: ids.TenantId, bound: ids.TenantId, code: str) -> None:
    if found != bound:
        raise errors.Forbidden("this record belongs to another tenant", code=code)


async def _newest_first(
    connection: AsyncConnection, query: Select[Any], at_column: Any, page: pagination.PageRequest
) -> Sequence[RowMapping]:
    """Up to ``limit + 1`` rows of ``query`` after the cursor, by (time, id) descending."""
    id_column = paging.by_code_point(connection, query.selected_columns.id)
    if page.cursor is not None:
        query = query.where(paging.after(at_column, id_column, page.cursor, descending=True))
    query = query.order_by(at_column.desc(), id_column.desc()).limit(page.limit + 1)
    fetched: Sequence[RowMapping] = (await connection.execute(query)).mappings().all()
    return fetched


def _by_activity(conversation: model.Conversation) -> tuple[str, str]:
    return (paging.time_key(conversation.last_message_at), conversation.id)


def _by_time(message: messages.Message) -> tuple[str, str]:
    return (paging.time_key(message.created_at), message.id)


def _like_pattern(needle: str) -> str:
    """A LIKE pattern (escape character ``/``) matching ``needle`` anywhere, taken literally."""
    escaped = needle.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


class SqlConversationRepository:
    """The conversations of one tenant, in ``conversations``."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    async def get(self, conversation_id: ids.ConversationId) -> model.Conversation | None:
        return await self._one(tables.conversations.c.id == conversation_id)

    async def get_or_open_for_customer(
        self, candidate: model.Conversation
    ) -> tuple[model.Conversation, bool]:
        _same_tenant(candidate.tenant_id, self._tenant_id, "conversation.wrong_tenant")
        table = tables.conversations
        live = (table.c.customer_id == candidate.customer_id) & (
            table.c.status != model.ConversationStatus.CLOSED.value
        )
        connection = await self._tx.connection()
        for _ in range(_OPEN_ROUNDS):
            found = await self._one(live)
            if found is not None:
                return found, False
            # A racing opener makes this insert wait for it, then do nothing (the partial
            # unique index on live conversations); the next look then finds its conversation.
            new_row = rows.conversation_to_row(candidate)
            if await statements.insert_if_absent(connection, table, new_row):
                return candidate, True
        raise errors.Conflict(
            "this conversation already exists", code="conversation.already_exists"
        )

    async def save(self, conversation: model.Conversation) -> model.Conversation:
        _same_tenant(conversation.tenant_id, self._tenant_id, "conversation.wrong_tenant")
        table = tables.conversations
        values = rows.conversation_to_row(conversation)
        del values["id"], values["tenant_id"]
        values["version"] = conversation.version + 1
        statement = (
            update(table)
            .where(self._mine, table.c.id == conversation.id)
            .where(table.c.version == conversation.version)
            .values(values)
        )
        connection = await self._tx.connection()
        with statements.integrity_errors_as_conflicts("conversations", "conversation.conflict"):
            result = await connection.execute(statement)
        if result.rowcount == 1:
            return attrs.evolve(conversation, version=conversation.version + 1)
        if await self.get(conversation.id) is None:
            raise errors.NotFound("no such conversation", code="conversation.not_found")
        raise errors.ConcurrencyConflict(
            "the conversation changed meanwhile", code="conversation.concurrent_update"
        )

    async def list(
        self,
        page: pagination.PageRequest,
        *,
        status: model.ConversationStatus | None = None,
        assignee_id: ids.UserId | None = None,
        unread: bool | None = None,
    ) -> pagination.Page[model.Conversation]:
        table = tables.conversations
        query = select(table).where(self._mine)
        if status is not None:
            query = query.where(table.c.status == status.value)
        if assignee_id is not None:
            query = query.where(table.c.assignee_id == assignee_id)
        if unread is not None:
            has_unread = table.c.unread_count > 0
            query = query.where(has_unread if unread else ~has_unread)
        connection = await self._tx.connection()
        fetched = await _newest_first(connection, query, table.c.last_message_at, page)
        found = [rows.conversation_from_row(row) for row in fetched]
        return pagination.page_from_rows(found, page.limit, _by_activity)

    async def _one(self, condition: Any) -> model.Conversation | None:
        connection = await self._tx.connection()
        query = select(tables.conversations).where(self._mine, condition)
        row = (await connection.execute(query)).mappings().first()
        return None if row is None else rows.conversation_from_row(row)

    @property
    def _mine(self) -> Any:
        return tables.conversations.c.tenant_id == self._tenant_id


class SqlMessageRepository:
    """The messages of one tenant, in ``messages``."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    async def get(self, message_id: ids.MessageId) -> messages.Message | None:
        return await self._one(tables.messages.c.id == message_id)

    async def add(self, message: messages.Message) -> bool:
        _same_tenant(message.tenant_id, self._tenant_id, "message.wrong_tenant")
        connection = await self._tx.connection()
        # Racing repeats wait for the first insert and then do nothing (the unique indexes).
        # A message whose conversation this tenant lacks breaks the foreign key: Conflict.
        if await statements.insert_if_absent(
            connection, tables.messages, rows.message_to_row(message)
        ):
            return True
        if await self.get(message.id) is None and await self._is_repeat(message):
            return False
        # The id is taken: by a message of ours, or (invisible to us) of another tenant.
        raise errors.Conflict("this message already exists", code="message.already_exists")

    async def find_by_provider_id(
        self, channel_id: ids.ChannelId, provider_message_id: str
    ) -> messages.Message | None:
        table = tables.messages
        return await self._one(
            (table.c.channel_id == channel_id)
            & (table.c.provider_message_id == provider_message_id)
        )

    async def find_by_idempotency_key(self, key: str) -> messages.Message | None:
        return await self._one(tables.messages.c.idempotency_key == key)

    async def list_for_conversation(
        self, conversation_id: ids.ConversationId, page: pagination.PageRequest
    ) -> pagination.Page[messages.Message]:
        table = tables.messages
        query = select(table).where(self._mine, table.c.conversation_id == conversation_id)
        return await self._page(query, page)

    async def search(
        self, query: str, page: pagination.PageRequest
    ) -> pagination.Page[messages.Message]:
        table = tables.messages
        # No index serves these under row-level security (see the schema): this walks the
        # tenant's messages newest first and stops once the page is full.
        needle = query.casefold()
        matches: Any = table.c.search_key.like(_like_pattern(needle), escape="/")
        connection = await self._tx.connection()
        if connection.dialect.name == "postgresql":
            # PostgreSQL adds full-text matching: every word of the query, in any order
            # ("strasse 100" finds "100% off na Straße"), besides the substring match.
            words = func.plainto_tsquery("simple", needle)
            matches = or_(matches, func.to_tsvector("simple", table.c.search_key).op("@@")(words))
        return await self._page(select(table).where(self._mine, matches), page)

    async def mark_sent(
        self, message_id: ids.MessageId, provider_message_id: str, at: datetime
    ) -> messages.Message:
        def sent(message: messages.Message) -> messages.Message:
            return message.mark_sent(provider_message_id, at)

        return self._found(await self._change(tables.messages.c.id == message_id, sent))

    async def mark_failed(
        self, message_id: ids.MessageId, error: str, at: datetime
    ) -> messages.Message:
        def failed(message: messages.Message) -> messages.Message:
            return message.advance_delivery(delivery.DeliveryState.FAILED, at, error)

        return self._found(await self._change(tables.messages.c.id == message_id, failed))

    async def record_media(
        self, message_id: ids.MessageId, attachment: channel.Media
    ) -> messages.Message:
        table = tables.messages
        changed = self._found(await self.get(message_id)).with_media(attachment)
        connection = await self._tx.connection()
        statement = (
            update(table)
            .where(self._mine, table.c.id == message_id)
            .values(media=rows.media_to_json(attachment))
        )
        await connection.execute(statement)
        return changed

    async def apply_delivery_status(
        self, status: channel.DeliveryStatus
    ) -> messages.Message | None:
        _same_tenant(status.tenant_id, self._tenant_id, "message.wrong_tenant")
        table = tables.messages

        def reported(message: messages.Message) -> messages.Message:
            return message.advance_delivery(status.state, status.timestamp, status.error)

        return await self._change(
            (table.c.channel_id == status.channel_id)
            & (table.c.provider_message_id == status.provider_message_id)
            & (table.c.direction == messages.Direction.OUTBOUND.value),
            reported,
        )

    async def _change(
        self, condition: Any, change: Callable[[messages.Message], messages.Message]
    ) -> messages.Message | None:
        """Apply ``change`` to the message ``condition`` picks, atomically; None if none."""
        table = tables.messages
        connection = await self._tx.connection()
        # FOR UPDATE makes a racing report wait here and then read what this one wrote
        # (PostgreSQL; SQLite runs writing transactions one at a time anyway).
        query = select(table).where(self._mine, condition).with_for_update()
        row = (await connection.execute(query)).mappings().first()
        if row is None:
            return None
        current = rows.message_from_row(row)
        changed = change(current)
        if changed == current:
            return current
        # Compare-and-set on what was read: the state can only move by the rule, never back.
        statement = (
            update(table)
            .where(self._mine, table.c.id == current.id)
            .where(table.c.delivery_state == row["delivery_state"])
            .where(table.c.provider_message_id.is_not_distinct_from(row["provider_message_id"]))
            .values(rows.delivery_values(changed))
        )
        with statements.integrity_errors_as_conflicts("messages", "message.duplicate_provider_id"):
            result = await connection.execute(statement)
        if result.rowcount != 1:
            raise errors.ConcurrencyConflict(
                "the message changed meanwhile", code="message.concurrent_update"
            )
        return changed

    async def _is_repeat(self, message: messages.Message) -> bool:
        provider_id, key = message.provider_message_id, message.idempotency_key
        if provider_id is not None and await self.find_by_provider_id(
            message.channel_id, provider_id
        ):
            return True
        return key is not None and await self.find_by_idempotency_key(key) is not None

    async def _one(self, condition: Any) -> messages.Message | None:
        connection = await self._tx.connection()
        query = select(tables.messages).where(self._mine, condition)
        row = (await connection.execute(query)).mappings().first()
        return None if row is None else rows.message_from_row(row)

    async def _page(
        self, query: Select[Any], page: pagination.PageRequest
    ) -> pagination.Page[messages.Message]:
        connection = await self._tx.connection()
        fetched = await _newest_first(connection, query, tables.messages.c.created_at, page)
        found = [rows.message_from_row(row) for row in fetched]
        return pagination.page_from_rows(found, page.limit, _by_time)

    @staticmethod
    def _found(message: messages.Message | None) -> messages.Message:
        if message is None:
            raise errors.NotFound("no such message", code="message.not_found")
        return message

    @property
    def _mine(self) -> Any:
        return tables.messages.c.tenant_id == self._tenant_id


class SqlStaffDirectory:
    """Reads ``users``: active TENANT_ADMIN and STAFF users of one tenant may hold conversations."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    async def is_assignable(self, user_id: ids.UserId) -> bool:
        users = iam_tables.users
        query = select(users.c.id).where(
            users.c.id == user_id,
            users.c.tenant_id == self._tenant_id,
            users.c.active.is_(True),
            users.c.role.in_(_ASSIGNABLE_ROLES),
        )
        connection = await self._tx.connection()
        return await connection.scalar(query.limit(1)) is not None


if TYPE_CHECKING:
    _c: type[ports.ConversationRepository] = SqlConversationRepository
    _m: type[ports.MessageRepository] = SqlMessageRepository
    _s: type[ports.StaffDirectory] = SqlStaffDirectory
