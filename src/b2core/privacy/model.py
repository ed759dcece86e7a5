"""What privacy exports are made of, what erasure reports, and the pure scrubbing rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs

from b2core.shared import ids

# What replaces personal data that must stay in place (order contact fields, audit metadata).
ERASED = "[erased]"
# Anonymised orders keep a customer id (the column is required) that names no one.
ANONYMOUS_CUSTOMER_PREFIX = "erased:"
# Shorter values are only scrubbed when a whole field equals them: as substrings, one or two
# characters would blank unrelated text.
MIN_SUBSTRING = 3
# Numbers in metadata are compared with the digits of phone-like values only: an email with a
# digit in it must not blank every count.
MIN_PHONE_DIGITS = 6
# The privacy context's own audit entries hold only counts; clearing metadata skips them, so a
# repeated tenant erasure finds nothing left.
PRIVACY_ACTIONS = "privacy."


@attrs.frozen
class MediaReference:
    """A media attachment of a message, by its handle (the bytes live in storage)."""

    type: str
    media_id: str
    mime_type: str | None = None
    caption: str | None = None
    filename: str | None = None


@attrs.frozen
class MediaFile:
    """Where a message's stored file may be: the message, the attachment's file name, and
    when the message was recorded (storage files media under the month it stored them)."""

    message_id: ids.MessageId
    filename: str | None
    at: datetime


@attrs.frozen
class MessageRecord:
    """One message of a customer's conversation, as exported."""

    id: ids.MessageId
    conversation_id: ids.ConversationId
    direction: str
    type: str
    created_at: datetime
    text: str | None = None
    media: MediaReference | None = None
    from_ai: bool = False


@attrs.frozen
class ConversationRecord:
    """One conversation with the customer, as exported."""

    id: ids.ConversationId
    channel_id: str
    status: str
    opened_at: datetime
    last_message_at: datetime
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


@attrs.frozen
class OrderItemRecord:
    """One line of an order: the snapshot taken when it was drafted."""

    service_id: str
    name: str
    unit_price_minor: int
    currency: str
    quantity: int


@attrs.frozen
class OrderRecord:
    """One order placed by or for the customer, as exported."""

    id: ids.OrderId
    status: str
    created_at: datetime
    items: tuple[OrderItemRecord, ...]
    conversation_id: ids.ConversationId | None = None
    customer_name: str | None = None
    customer_phone: str | None = None
    customer_email: str | None = None


def _by_customer(customers: Iterable[CustomerData]) -> tuple[CustomerData, ...]:
    return tuple(sorted(customers, key=lambda c: c.customer_id))


def _sorted_by_id(records: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(sorted(records, key=lambda record: record.id))


@attrs.frozen
class CustomerData:
    """Everything held about one customer of one tenant, in a stable order (by id)."""

    tenant_id: ids.TenantId
    customer_id: str
    conversations: tuple[ConversationRecord, ...] = attrs.field(default=(), converter=_sorted_by_id)
    messages: tuple[MessageRecord, ...] = attrs.field(default=(), converter=_sorted_by_id)
    orders: tuple[OrderRecord, ...] = attrs.field(default=(), converter=_sorted_by_id)

    @property
    def is_empty(self) -> bool:
        """True when nothing at all is held about the customer."""
        return not (self.conversations or self.messages or self.orders)

    @property
    def media(self) -> tuple[MediaReference, ...]:
        """The media references of the customer's messages."""
        return tuple(m.media for m in self.messages if m.media is not None)

    def media_files(self) -> tuple[MediaFile, ...]:
        """The stored files the customer's messages may have."""
        return tuple(
            MediaFile(m.id, m.media.filename, m.created_at) for m in self.messages if m.media
        )

    def personal_values(self) -> frozenset[str]:
        """The customer id and every name, phone and email held with the customer's data."""
        found: list[str | None] = [self.customer_id]
        for conversation in self.conversations:
            c = conversation
            found += [c.contact_name, c.contact_phone, c.contact_email]
        for order in self.orders:
            found += [order.customer_name, order.customer_phone, order.customer_email]
        return frozenset(value for value in found if value)


@attrs.frozen
class TenantData:
    """Everything held about every customer of one tenant, ordered by customer id."""

    tenant_id: ids.TenantId
    customers: tuple[CustomerData, ...] = attrs.field(default=(), converter=_by_customer)


@attrs.frozen
class ErasureReport:
    """What one erasure removed or changed; all zero when nothing was left to erase."""

    conversations_deleted: int = 0
    messages_deleted: int = 0
    orders_anonymised: int = 0
    orders_deleted: int = 0
    media_files_deleted: int = 0
    audit_entries_scrubbed: int = 0

    @property
    def nothing_left(self) -> bool:
        """True when the erasure found nothing to do (a repeated erasure)."""
        return not any(attrs.astuple(self))

    def counts(self) -> dict[str, int]:
        """The counts by name (what the audit entry and the API report)."""
        return attrs.asdict(self)


def anonymous_customer_id(order_id: ids.OrderId) -> str:
    """The customer id an anonymised order keeps: derived from the order, naming no one."""
    return f"{ANONYMOUS_CUSTOMER_PREFIX}{order_id}"


def scrub_text(text: str, personal: frozenset[str]) -> str:
    """``text`` with every personal value in it replaced by ``ERASED``."""
    if text in personal:
        return ERASED
    for value in sorted(personal, key=len, reverse=True):
        if len(value) >= MIN_SUBSTRING and value in text:
            text = text.replace(value, ERASED)
    return text


def scrub(value: Any, personal: frozenset[str]) -> Any:
    """A copy of a JSON-like ``value`` with personal values replaced in strings and keys."""
    if isinstance(value, str):
        return scrub_text(value, personal)
    # A phone number kept as a number (without its "+" or spaces) is personal data too.
    if isinstance(value, int | float) and not isinstance(value, bool):
        found = ("".join(c for c in v if c.isdigit()) for v in personal)
        digits = frozenset(d for d in found if len(d) >= MIN_PHONE_DIGITS)
        text = str(value)
        return ERASED if scrub_text(text, personal | digits) != text else value
    if isinstance(value, Mapping):
        return {scrub_text(str(k), personal): scrub(v, personal) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item, personal) for item in value]
    return value


def scrub_metadata(metadata: Mapping[str, Any], personal: frozenset[str]) -> dict[str, Any] | None:
    """The scrubbed metadata, or None when it holds no personal value (nothing to change)."""
    cleaned = scrub(metadata, personal)
    return None if cleaned == scrub(metadata, frozenset()) else dict(cleaned)
