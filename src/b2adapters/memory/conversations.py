"""In-memory adapters of the conversations context: conversations, messages, staff, outbound."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import attrs

from b2core.conversations import channel, delivery, messages, model
from b2core.iam import model as iam_model
from b2core.shared import errors, ids, pagination

if TYPE_CHECKING:
    from b2core.conversations import ports

T = TypeVar("T")
_ASSIGNABLE_ROLES = frozenset({iam_model.Role.TENANT_ADMIN, iam_model.Role.STAFF})


class _Tx(Protocol):
    def table(self, name: str) -> dict[Any, Any]: ...


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _by_activity(conversation: model.Conversation) -> tuple[str, str]:
    return (_instant(conversation.last_message_at), conversation.id)


def _by_time(message: messages.Message) -> tuple[str, str]:
    return (_instant(message.created_at), message.id)


def _after(cursor: str) -> tuple[str, str]:
    first, second = pagination.decode_cursor(cursor, 2)
    if not isinstance(first, str) or not isinstance(second, str):
        raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor")
    return (first, second)


def _newest_first(
    rows: Iterable[T], page: pagination.PageRequest, key: Callable[[T], tuple[str, str]]
) -> pagination.Page[T]:
    ordered = sorted(rows, key=key, reverse=True)
    if page.cursor is not None:
        after = _after(page.cursor)
        ordered = [row for row in ordered if key(row) < after]
    return pagination.page_from_rows(ordered[: page.limit + 1], page.limit, key)


def _same_tenant(found: ids.TenantId, bound: ids.TenantId, code: str) -> None:
    if found != bound:
        raise errors.Forbidden("this record belongs to another tenant", code=code)


class InMemoryConversationRepository:
    """The conversations of one tenant; other tenants' conversations are invisible through it."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._rows: dict[ids.ConversationId, model.Conversation] = tx.table("conversations")
        self._tenant_id = tenant_id

    async def get(self, conversation_id: ids.ConversationId) -> model.Conversation | None:
        found = self._rows.get(conversation_id)
        return found if found is not None and found.tenant_id == self._tenant_id else None

    async def get_or_open_for_customer(
        self, candidate: model.Conversation
    ) -> tuple[model.Conversation, bool]:
        # Transactions on the store are serialized, so look-then-insert cannot race here.
        _same_tenant(candidate.tenant_id, self._tenant_id, "conversation.wrong_tenant")
        live = next(
            (c for c in self._mine() if c.customer_id == candidate.customer_id and not c.is_final),
            None,
        )
        if live is not None:
            return live, False
        if candidate.id in self._rows:
            raise errors.Conflict(
                "this conversation already exists", code="conversation.already_exists"
            )
        self._rows[candidate.id] = candidate
        return candidate, True

    async def save(self, conversation: model.Conversation) -> model.Conversation:
        _same_tenant(conversation.tenant_id, self._tenant_id, "conversation.wrong_tenant")
        stored = await self.get(conversation.id)
        if stored is None:
            raise errors.NotFound("no such conversation", code="conversation.not_found")
        if stored.version != conversation.version:
            raise errors.ConcurrencyConflict(
                "the conversation changed meanwhile", code="conversation.concurrent_update"
            )
        saved = attrs.evolve(conversation, version=conversation.version + 1)
        self._rows[conversation.id] = saved
        return saved

    async def list(
        self,
        page: pagination.PageRequest,
        *,
        status: model.ConversationStatus | None = None,
        assignee_id: ids.UserId | None = None,
        unread: bool | None = None,
    ) -> pagination.Page[model.Conversation]:
        rows = (
            c
            for c in self._mine()
            if (status is None or c.status == status)
            and (assignee_id is None or c.assignee_id == assignee_id)
            and (unread is None or (c.unread_count > 0) == unread)
        )
        return _newest_first(rows, page, _by_activity)

    def _mine(self) -> Sequence[model.Conversation]:
        return [c for c in self._rows.values() if c.tenant_id == self._tenant_id]


class InMemoryMessageRepository:
    """The messages of one tenant; other tenants' messages are invisible through it."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._rows: dict[ids.MessageId, messages.Message] = tx.table("messages")
        self._tenant_id = tenant_id

    async def get(self, message_id: ids.MessageId) -> messages.Message | None:
        found = self._rows.get(message_id)
        return found if found is not None and found.tenant_id == self._tenant_id else None

    async def add(self, message: messages.Message) -> bool:
        _same_tenant(message.tenant_id, self._tenant_id, "message.wrong_tenant")
        if message.id in self._rows:
            raise errors.Conflict("this message already exists", code="message.already_exists")
        if message.provider_message_id is not None and await self.find_by_provider_id(
            message.channel_id, message.provider_message_id
        ):
            return False
        if message.idempotency_key is not None and await self.find_by_idempotency_key(
            message.idempotency_key
        ):
            return False
        self._rows[message.id] = message
        return True

    async def find_by_provider_id(
        self, channel_id: ids.ChannelId, provider_message_id: str
    ) -> messages.Message | None:
        return next(
            (
                m
                for m in self._mine()
                if m.channel_id == channel_id and m.provider_message_id == provider_message_id
            ),
            None,
        )

    async def find_by_idempotency_key(self, key: str) -> messages.Message | None:
        return next((m for m in self._mine() if m.idempotency_key == key), None)

    async def list_for_conversation(
        self, conversation_id: ids.ConversationId, page: pagination.PageRequest
    ) -> pagination.Page[messages.Message]:
        rows = (m for m in self._mine() if m.conversation_id == conversation_id)
        return _newest_first(rows, page, _by_time)

    async def search(
        self, query: str, page: pagination.PageRequest
    ) -> pagination.Page[messages.Message]:
        needle = query.casefold()
        rows = (m for m in self._mine() if needle in m.searchable_text.casefold())
        return _newest_first(rows, page, _by_time)

    async def mark_sent(
        self, message_id: ids.MessageId, provider_message_id: str, at: datetime
    ) -> messages.Message:
        return self._put(self._load(message_id).mark_sent(provider_message_id, at))

    async def mark_failed(
        self, message_id: ids.MessageId, error: str, at: datetime
    ) -> messages.Message:
        failed = self._load(message_id).advance_delivery(delivery.DeliveryState.FAILED, at, error)
        return self._put(failed)

    async def record_media(
        self, message_id: ids.MessageId, attachment: channel.Media
    ) -> messages.Message:
        return self._put(self._load(message_id).with_media(attachment))

    async def apply_delivery_status(
        self, status: channel.DeliveryStatus
    ) -> messages.Message | None:
        _same_tenant(status.tenant_id, self._tenant_id, "message.wrong_tenant")
        found = await self.find_by_provider_id(status.channel_id, status.provider_message_id)
        if found is None or found.direction is not messages.Direction.OUTBOUND:
            return None
        return self._put(found.advance_delivery(status.state, status.timestamp, status.error))

    def _load(self, message_id: ids.MessageId) -> messages.Message:
        found = self._rows.get(message_id)
        if found is None or found.tenant_id != self._tenant_id:
            raise errors.NotFound("no such message", code="message.not_found")
        return found

    def _put(self, message: messages.Message) -> messages.Message:
        self._rows[message.id] = message
        return message

    def _mine(self) -> Sequence[messages.Message]:
        return [m for m in self._rows.values() if m.tenant_id == self._tenant_id]


class InMemoryStaffDirectory:
    """Reads the iam users table: active TENANT_ADMIN and STAFF users of one tenant."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._users: dict[ids.UserId, iam_model.User] = tx.table("users")
        self._tenant_id = tenant_id

    async def is_assignable(self, user_id: ids.UserId) -> bool:
        user = self._users.get(user_id)
        return (
            user is not None
            and user.tenant_id == self._tenant_id
            and user.active
            and user.role in _ASSIGNABLE_ROLES
        )


class InMemoryOutboundQueue:
    """Records the sends it is asked to queue, in order; nothing is sent."""

    def __init__(self) -> None:
        self.enqueued: list[tuple[ids.TenantId, ids.MessageId]] = []

    async def enqueue_send(self, tenant_id: ids.TenantId, message_id: ids.MessageId) -> None:
        self.enqueued.append((tenant_id, message_id))


if TYPE_CHECKING:
    _c: type[ports.ConversationRepository] = InMemoryConversationRepository
    _m: type[ports.MessageRepository] = InMemoryMessageRepository
    _s: type[ports.StaffDirectory] = InMemoryStaffDirectory
    _q: type[ports.OutboundQueue] = InMemoryOutboundQueue
