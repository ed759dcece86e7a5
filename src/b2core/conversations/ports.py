"""Ports of the conversations context: channels, tenant-bound repositories, the outbound queue.

Repositories are bound to the one tenant their transaction was opened for: another tenant's
conversations and messages are invisible through them (``get`` gives None, lists leave them
out), whatever id a caller passes.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Protocol

from b2core.conversations import channel, messages, model
from b2core.shared import audit, ids, outbox, pagination, uow


class Channel(Protocol):
    """One connected channel (a WhatsApp number, a bridge session, the simulator).

    ``customer_id`` is the channel's id for the recipient (see :mod:`channel`). Sends return the
    provider's message id, which later delivery reports name. ``idempotency_key`` is passed on
    to providers that deduplicate by key; the caller deduplicates anyway.

    Every method raises only these errors, which the outbound pipeline acts on:
        channel.RateLimited: (``channel.rate_limited``) retry after ``retry_after``.
        channel.WindowClosed: (``channel.window_closed``) send a template instead.
        channel.InvalidRecipient: (``channel.invalid_recipient``) do not retry.
        channel.ChannelUnavailable: (``channel.unavailable``) retry later.
    """

    async def send_text(
        self, customer_id: str, text: str, *, idempotency_key: str | None = None
    ) -> str:
        """Send a text message; return the provider's message id."""
        ...

    async def send_template(
        self, customer_id: str, template: channel.Template, *, idempotency_key: str | None = None
    ) -> str:
        """Send a pre-approved template (allowed outside the service window)."""
        ...

    async def send_media(
        self, customer_id: str, media: channel.Media, *, idempotency_key: str | None = None
    ) -> str:
        """Send an image, audio, document or video by the provider's media handle."""
        ...

    async def show_typing(self, customer_id: str, *, in_reply_to: str | None = None) -> None:
        """Show the typing indicator (providers that tie it to a message use ``in_reply_to``)."""
        ...

    async def mark_read(self, customer_id: str, provider_message_id: str) -> None:
        """Send the read receipt for the customer's message ``provider_message_id``."""
        ...


class ChannelSessions(Protocol):
    """Bridge-style channels, linked by scanning a QR code with the business's phone.

    Raises ``channel.ChannelUnavailable`` when the bridge cannot be reached and
    ``errors.NotFound`` (``channel.not_found``) for a channel the bridge does not know.
    """

    async def start(self, channel_id: ids.ChannelId) -> channel.SessionStatus:
        """Start (or resume) the session; it usually waits for a QR scan first."""
        ...

    async def stop(self, channel_id: ids.ChannelId) -> None:
        """Stop the session; stopping a stopped one does nothing."""
        ...

    async def status(self, channel_id: ids.ChannelId) -> channel.SessionStatus:
        """Where the session stands now."""
        ...

    async def qr_code(self, channel_id: ids.ChannelId) -> str | None:
        """The QR payload to scan while the session is SCAN_QR, else None."""
        ...


class ConversationRepository(Protocol):
    """The conversations of the one tenant the transaction is bound to.

    ``version`` implements optimistic concurrency: ``save`` succeeds only if the stored version
    equals the instance's, and stores (and returns) it bumped by one.
    """

    async def get(self, conversation_id: ids.ConversationId) -> model.Conversation | None:
        """The conversation with this id in this tenant, or None."""
        ...

    async def get_or_open_for_customer(
        self, candidate: model.Conversation
    ) -> tuple[model.Conversation, bool]:
        """The customer's conversation that is not CLOSED, or ``candidate`` stored as new.

        Returns the conversation and whether it was opened now. Race-safe: however many callers
        race for the same customer, one conversation that is not CLOSED exists per (tenant,
        customer) and all of them get it (SQL: a partial unique index and insert-or-select).
        """
        ...

    async def save(self, conversation: model.Conversation) -> model.Conversation:
        """Store the new state of an existing conversation; return it with its new version.

        Raises:
            errors.NotFound: ``conversation.not_found``.
            errors.ConcurrencyConflict: ``conversation.concurrent_update`` (stale version).
        """
        ...

    async def list(
        self,
        page: pagination.PageRequest,
        *,
        status: model.ConversationStatus | None = None,
        assignee_id: ids.UserId | None = None,
        unread: bool | None = None,
    ) -> pagination.Page[model.Conversation]:
        """Most recent activity first (last_message_at, then id, descending), filtered."""
        ...


class MessageRepository(Protocol):
    """The messages of the one tenant the transaction is bound to."""

    async def get(self, message_id: ids.MessageId) -> messages.Message | None:
        """The message with this id in this tenant, or None."""
        ...

    async def add(self, message: messages.Message) -> bool:
        """Store a new message; False (and nothing stored) when it is a repeat.

        A repeat has the same (channel, provider message id) as a stored message, or the same
        idempotency key. Raises ``errors.Conflict`` (``message.already_exists``) for a reused id.
        """
        ...

    async def find_by_provider_id(
        self, channel_id: ids.ChannelId, provider_message_id: str
    ) -> messages.Message | None:
        """The message the channel knows as ``provider_message_id``, or None."""
        ...

    async def find_by_idempotency_key(self, key: str) -> messages.Message | None:
        """The outbound message recorded under ``key``, or None."""
        ...

    async def list_for_conversation(
        self, conversation_id: ids.ConversationId, page: pagination.PageRequest
    ) -> pagination.Page[messages.Message]:
        """Newest first (created_at, then id, descending); the next page goes further back."""
        ...

    async def search(
        self, query: str, page: pagination.PageRequest
    ) -> pagination.Page[messages.Message]:
        """Messages whose text or caption contains ``query``, ignoring case; newest first."""
        ...

    async def mark_sent(
        self, message_id: ids.MessageId, provider_message_id: str, at: datetime
    ) -> messages.Message:
        """Record that the channel accepted the message; the state moves to SENT at most.

        Raises ``errors.NotFound`` (``message.not_found``) and ``errors.Conflict``
        (``message.already_sent``) when it was sent under another provider id.
        """
        ...

    async def mark_failed(
        self, message_id: ids.MessageId, error: str, at: datetime
    ) -> messages.Message:
        """Record that sending gave up (FAILED unless the message was already delivered).

        Raises ``errors.NotFound`` (``message.not_found``).
        """
        ...

    async def record_media(
        self, message_id: ids.MessageId, attachment: channel.Media
    ) -> messages.Message:
        """Record what became of the message's attachment (its storage key, or why none).

        Only the attachment changes. Raises ``errors.NotFound`` (``message.not_found``) and
        ``errors.InvalidInput`` (``message.bad_content``) for another attachment.
        """
        ...

    async def apply_delivery_status(
        self, status: channel.DeliveryStatus
    ) -> messages.Message | None:
        """Apply a channel's report by the monotonic rule; None for an unknown message.

        Reports never move a message backwards, so duplicates and late arrivals are harmless.
        """
        ...


class StaffDirectory(Protocol):
    """Who in the bound tenant may hold a conversation."""

    async def is_assignable(self, user_id: ids.UserId) -> bool:
        """Whether ``user_id`` is an active TENANT_ADMIN or STAFF member of the tenant."""
        ...


class ConversationsTx(uow.Transaction, Protocol):
    """A tenant-bound transaction of the conversations context."""

    @property
    def conversations(self) -> ConversationRepository: ...

    @property
    def messages(self) -> MessageRepository: ...

    @property
    def staff(self) -> StaffDirectory: ...

    @property
    def audit(self) -> audit.AuditLog:
        """The audit trail: each staff action on a conversation appends one entry here."""
        ...

    @property
    def outbox(self) -> outbox.OutboxWriter:
        """Jobs that must follow this transaction's changes (the send of a stored reply)."""
        ...


class ConversationsUoW(Protocol):
    """Opens conversations transactions bound to one tenant."""

    def tenant(self, tenant_id: ids.TenantId) -> AbstractAsyncContextManager[ConversationsTx]: ...


class OutboundQueue(Protocol):
    """Hands a recorded outbound message to the send job (after the recording committed).

    The transaction that stored the message also wrote its outbox entry
    (:func:`b2core.conversations.outbound.send_entry`); this is the fast path that enqueues it
    right away. When it fails, the outbox sweep enqueues the job later: nothing is lost.
    """

    async def enqueue_send(self, tenant_id: ids.TenantId, message_id: ids.MessageId) -> None:
        """Queue the sending of ``message_id``; raises ``errors.Unavailable`` when it cannot."""
        ...


class ChannelDirectory(Protocol):
    """Finds the adapter that serves one tenant's channel."""

    async def channel_for(self, tenant_id: ids.TenantId, channel_id: ids.ChannelId) -> Channel:
        """The channel; ``errors.NotFound`` (``channel.not_found``) when it is not connected."""
        ...


class SendingSwitches(Protocol):
    """Whether anything may be sent for a tenant right now (the WhatsApp kill switches)."""

    async def may_send(self, tenant_id: ids.TenantId) -> bool:
        """False while the global or the tenant's WhatsApp switch is off, or it is not active."""
        ...


class SendRate(Protocol):
    """Token buckets shared by every worker: how fast one channel number (or recipient) may send.

    A bucket holds at most ``burst`` tokens and gains ``rate_per_s`` tokens a second. Each
    bucket is atomic across processes, and its state expires once it would be full again (a
    missing bucket is a full one), so no crash can leave a channel throttled for good.

    Raises ``errors.InvalidInput`` (``send_rate.bad_bucket``) for an empty key, a rate that is
    not a positive number or a burst below 1, and ``errors.Unavailable`` when the store is down.
    """

    async def acquire(self, channel_key: str, rate_per_s: float, burst: int) -> timedelta:
        """Take one token now and return zero, or take nothing and return how long to wait."""
        ...


class Sleeper(Protocol):
    """Waits a while (``asyncio.sleep`` in production; tests record the waits instead)."""

    async def sleep(self, seconds: float) -> None:
        """Return after ``seconds`` (at once for zero or less)."""
        ...


class ChannelKinds(Protocol):
    """Says how a tenant's channel reaches WhatsApp, so that it gets its provider's send rate."""

    async def kind_of(self, tenant_id: ids.TenantId, channel_id: ids.ChannelId) -> str | None:
        """The channel's kind (``whatsapp_cloud``, ``whatsapp_bridge``), or None if unknown."""
        ...
