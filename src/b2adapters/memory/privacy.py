"""In-memory privacy adapters: a tenant's customer data read and erased straight from the
store's tables, and a record of stored media files."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from b2core.conversations import messages, model
from b2core.orders import model as order_model
from b2core.privacy import model as privacy
from b2core.shared import audit, ids

if TYPE_CHECKING:
    from b2core.privacy import ports


class _Tx(Protocol):
    def table(self, name: str) -> dict[Any, Any]: ...


def conversation_record(conversation: model.Conversation) -> privacy.ConversationRecord:
    """The exported form of a conversation."""
    contact = conversation.contact
    return privacy.ConversationRecord(
        id=conversation.id,
        channel_id=conversation.channel_id,
        status=str(conversation.status),
        opened_at=conversation.opened_at,
        last_message_at=conversation.last_message_at,
        contact_name=contact.name,
        contact_phone=contact.phone,
        contact_email=contact.email,
    )


def message_record(message: messages.Message) -> privacy.MessageRecord:
    """The exported form of a message (its media by reference)."""
    media = message.media
    return privacy.MessageRecord(
        id=message.id,
        conversation_id=message.conversation_id,
        direction=str(message.direction),
        type=str(message.type),
        created_at=message.created_at,
        text=message.text,
        media=None
        if media is None
        else privacy.MediaReference(
            str(media.type), media.media_id, media.mime_type, media.caption, media.filename
        ),
        from_ai=message.from_ai,
    )


def order_record(order: order_model.Order) -> privacy.OrderRecord:
    """The exported form of an order."""
    items = tuple(
        privacy.OrderItemRecord(
            item.service_id,
            item.name,
            item.unit_price.amount_minor,
            item.unit_price.currency,
            item.quantity,
        )
        for item in order.items
    )
    customer = order.customer
    return privacy.OrderRecord(
        id=order.id,
        status=str(order.status),
        created_at=order.created_at,
        items=items,
        conversation_id=order.conversation_id,
        customer_name=customer.name,
        customer_phone=customer.phone,
        customer_email=customer.email,
    )


def _anonymised(order: order_model.Order) -> order_model.Order:
    name = None if order.customer.name is None else privacy.ERASED
    customer = order_model.Customer(privacy.anonymous_customer_id(order.id), name)
    return attrs.evolve(order, customer=customer, conversation_id=None)


class InMemoryCustomerDataStore:
    """One tenant's customer data in the store's ``conversations``, ``messages``, ``orders``
    and ``audit_logs`` tables (the transaction's copies, published on commit)."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._conversations: dict[Any, model.Conversation] = tx.table("conversations")
        self._messages: dict[Any, messages.Message] = tx.table("messages")
        self._orders: dict[Any, order_model.Order] = tx.table("orders")
        self._audit: dict[Any, audit.AuditEntry] = tx.table("audit_logs")
        self._tenant_id = tenant_id

    def _tenant_conversations(self, customer_id: str | None) -> list[model.Conversation]:
        return [
            c
            for c in self._conversations.values()
            if c.tenant_id == self._tenant_id and customer_id in (None, c.customer_id)
        ]

    def _tenant_messages(self, conversation_ids: set[Any]) -> list[messages.Message]:
        return [
            m
            for m in self._messages.values()
            if m.tenant_id == self._tenant_id and m.conversation_id in conversation_ids
        ]

    def _tenant_orders(self, customer_id: str | None) -> list[order_model.Order]:
        return [
            o
            for o in self._orders.values()
            if o.tenant_id == self._tenant_id and customer_id in (None, o.customer.id)
        ]

    async def customer_ids(self) -> list[str]:
        found = {c.customer_id for c in self._tenant_conversations(None)}
        found.update(o.customer.id for o in self._tenant_orders(None))
        return sorted(found)

    async def export(self, customer_id: str) -> privacy.CustomerData:
        conversations = self._tenant_conversations(customer_id)
        found = self._tenant_messages({c.id for c in conversations})
        return privacy.CustomerData(
            self._tenant_id,
            customer_id,
            tuple(conversation_record(c) for c in conversations),
            tuple(message_record(m) for m in found),
            tuple(order_record(o) for o in self._tenant_orders(customer_id)),
        )

    async def erase(self, customer_id: str) -> privacy.ErasureReport:
        conversations = self._tenant_conversations(customer_id)
        return self._erase(conversations, self._tenant_orders(customer_id), anonymise=True)

    async def erase_all(self) -> privacy.ErasureReport:
        conversations = self._tenant_conversations(None)
        return self._erase(conversations, self._tenant_orders(None), anonymise=False)

    def _erase(
        self,
        conversations: list[model.Conversation],
        orders: list[order_model.Order],
        *,
        anonymise: bool,
    ) -> privacy.ErasureReport:
        found = self._tenant_messages({c.id for c in conversations})
        for message in found:
            del self._messages[message.id]
        for conversation in conversations:
            del self._conversations[conversation.id]
        for order in orders:
            if anonymise:
                self._orders[order.id] = _anonymised(order)
            else:
                del self._orders[order.id]
        return privacy.ErasureReport(
            conversations_deleted=len(conversations),
            messages_deleted=len(found),
            orders_anonymised=len(orders) if anonymise else 0,
            orders_deleted=0 if anonymise else len(orders),
        )

    def _tenant_entries(self) -> list[audit.AuditEntry]:
        return [e for e in self._audit.values() if e.tenant_id == self._tenant_id]

    async def scrub_audit(self, personal: frozenset[str]) -> int:
        changed = 0
        for entry in self._tenant_entries():
            metadata = privacy.scrub_metadata(entry.metadata, personal)
            target = entry.target_id
            scrubbed_target = None if target is None else privacy.scrub_text(target, personal)
            if metadata is None and scrubbed_target == target:
                continue
            self._audit[entry.id] = attrs.evolve(
                entry,
                metadata=entry.metadata if metadata is None else metadata,
                target_id=scrubbed_target,
            )
            changed += 1
        return changed

    async def clear_audit_metadata(self) -> int:
        changed = 0
        for entry in self._tenant_entries():
            if entry.metadata and not entry.action.startswith(privacy.PRIVACY_ACTIONS):
                self._audit[entry.id] = attrs.evolve(entry, metadata={})
                changed += 1
        return changed


@attrs.define
class InMemoryMediaFiles:
    """Stored media files as ``(tenant, message, filename)`` triples; for tests and embedding."""

    files: set[tuple[str, str, str]] = attrs.field(factory=set)

    def add(self, tenant_id: ids.TenantId, message_id: ids.MessageId, filename: str) -> None:
        """Record a stored file."""
        self.files.add((tenant_id, message_id, filename))

    async def delete_for_messages(
        self, tenant_id: ids.TenantId, files: Collection[privacy.MediaFile]
    ) -> int:
        wanted = {file.message_id for file in files}
        gone = {f for f in self.files if f[0] == tenant_id and f[1] in wanted}
        self.files -= gone
        return len(gone)

    async def delete_tenant(self, tenant_id: ids.TenantId) -> int:
        gone = {f for f in self.files if f[0] == tenant_id}
        self.files -= gone
        return len(gone)


if TYPE_CHECKING:
    _store: type[ports.CustomerDataStore] = InMemoryCustomerDataStore
    _media: type[ports.MediaFiles] = InMemoryMediaFiles
