"""The Conversation aggregate: one customer's thread with a tenant, and who answers it.

OPEN (the AI answers) -> ASSIGNED (a person took over; the AI stays silent) -> back to OPEN on
release. OPEN or ASSIGNED -> RESOLVED; RESOLVED -> OPEN on reopen or on the customer's next
message. Anything but CLOSED -> CLOSED, which is final: the customer's next message opens a new
conversation. A human reply takes the conversation over (ASSIGNED to the replier unless someone
already holds it).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from b2core.conversations import channel
from b2core.shared import errors, ids

_PHONE = re.compile(r"^\+?[0-9 ()-]{6,24}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class ConversationStatus(enum.StrEnum):
    """Who is in charge of a conversation, if anyone."""

    OPEN = "OPEN"
    ASSIGNED = "ASSIGNED"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"


_S = ConversationStatus
_LIVE = frozenset({_S.OPEN, _S.ASSIGNED, _S.RESOLVED})
# transition -> statuses it may start from
SOURCES: Mapping[str, frozenset[ConversationStatus]] = {
    "assign": frozenset({_S.OPEN, _S.ASSIGNED}),
    "release": frozenset({_S.ASSIGNED}),
    "resolve": frozenset({_S.OPEN, _S.ASSIGNED}),
    "reopen": frozenset({_S.RESOLVED}),
    "close": _LIVE,
    "receive": _LIVE,
    "reply": _LIVE,
    "send": _LIVE,
    "hand_off": frozenset({_S.OPEN}),
}


def _bad_contact(message: str) -> errors.InvalidInput:
    return errors.InvalidInput(message, code="conversation.bad_contact")


@attrs.frozen
class Contact:
    """What the business learned about the customer: name, phone and email, each optional."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.name is not None and (not self.name.strip() or len(self.name) > channel.MAX_NAME):
            raise _bad_contact(f"a customer name has 1 to {channel.MAX_NAME} characters")
        if self.phone is not None and not _PHONE.match(self.phone):
            raise _bad_contact("the customer phone number is not valid")
        if self.email is not None and (len(self.email) > 254 or not _EMAIL.match(self.email)):
            raise _bad_contact("the customer email address is not valid")

    def merge(
        self, name: str | None = None, phone: str | None = None, email: str | None = None
    ) -> Contact:
        """This contact with every given (non-None) detail replaced."""
        return Contact(
            name if name is not None else self.name,
            phone if phone is not None else self.phone,
            email if email is not None else self.email,
        )


def _check_assignee(instance: Conversation, _: object, value: ids.UserId | None) -> None:
    if (value is not None) != (instance.status is ConversationStatus.ASSIGNED):
        raise errors.InvalidInput(
            "an ASSIGNED conversation has an assignee; no other one does",
            code="conversation.bad_assignee",
        )


def _check_count(_: object, __: object, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.InvalidInput(
            "counts and versions are non-negative integers", code="conversation.bad_count"
        )


@attrs.frozen
class Conversation:
    """The thread between one tenant and one customer (at most one not CLOSED at a time).

    ``channel_id`` is where replies go: the channel the customer last wrote on.
    ``last_inbound_at`` (the customer's last message) tells whether the channel's service window
    is open. ``version`` is the stored version (optimistic concurrency); transitions keep it.
    """

    id: ids.ConversationId
    tenant_id: ids.TenantId
    channel_id: ids.ChannelId
    customer_id: str
    status: ConversationStatus
    opened_at: datetime = attrs.field(converter=channel.utc)
    last_message_at: datetime = attrs.field(converter=channel.utc)
    updated_at: datetime = attrs.field(converter=channel.utc)
    assignee_id: ids.UserId | None = attrs.field(default=None, validator=_check_assignee)
    contact: Contact = attrs.field(factory=Contact)
    unread_count: int = attrs.field(default=0, validator=_check_count)
    last_inbound_at: datetime | None = None
    version: int = attrs.field(default=0, validator=_check_count)
    # Set when the AI handed the customer to a person (blocked, unsure, asked for a human):
    # the conversation waits OPEN in the inbox, the AI stays quiet until staff take or release it.
    needs_human: bool = False

    def __attrs_post_init__(self) -> None:
        channel.check_id(self.customer_id, "customer id")

    @classmethod
    def open(
        cls,
        conversation_id: ids.ConversationId,
        tenant_id: ids.TenantId,
        channel_id: ids.ChannelId,
        customer_id: str,
        at: datetime,
    ) -> Conversation:
        """A new OPEN conversation with nothing in it yet."""
        return cls(conversation_id, tenant_id, channel_id, customer_id, _S.OPEN, at, at, at)

    @property
    def ai_may_reply(self) -> bool:
        """Whether the AI answers here: OPEN, no person holds it, not handed to a person."""
        return self.status is _S.OPEN and not self.needs_human

    @property
    def is_final(self) -> bool:
        """Whether nothing can happen to the conversation any more."""
        return self.status is _S.CLOSED

    def assign(self, user_id: ids.UserId, at: datetime) -> Conversation:
        """A person takes the conversation over (or it passes to another); the AI stops."""
        if not user_id:
            raise errors.InvalidInput("an assignee is required", code="conversation.bad_assignee")
        return self._move(
            "assign", at, _S.ASSIGNED, assignee_id=user_id, unread_count=0, needs_human=False
        )

    def release(self, at: datetime) -> Conversation:
        """The person hands the conversation back: OPEN again, and the AI resumes."""
        return self._move("release", at, _S.OPEN, assignee_id=None, needs_human=False)

    def resolve(self, at: datetime) -> Conversation:
        """The customer's matter is settled; nobody holds the conversation any more."""
        return self._move(
            "resolve", at, _S.RESOLVED, assignee_id=None, unread_count=0, needs_human=False
        )

    def hand_off(self, at: datetime) -> Conversation:
        """The AI steps back and asks for a person; the conversation waits in the inbox."""
        return self._move("hand_off", at, _S.OPEN, needs_human=True)

    def reopen(self, at: datetime) -> Conversation:
        """A RESOLVED conversation becomes OPEN again (the AI answers)."""
        return self._move("reopen", at, _S.OPEN)

    def close(self, at: datetime) -> Conversation:
        """End the conversation for good; the customer's next message starts a new one."""
        return self._move("close", at, _S.CLOSED, assignee_id=None)

    def receive(
        self,
        at: datetime,
        *,
        channel_id: ids.ChannelId | None = None,
        customer_name: str | None = None,
        customer_phone: str | None = None,
    ) -> Conversation:
        """The customer wrote: one more unread message; a RESOLVED conversation reopens.

        A name or phone the channel reports fills in what is not known yet; details the
        business collected are not overwritten by a profile name.
        """
        target = _S.OPEN if self.status is _S.RESOLVED else self.status
        contact = Contact(
            self.contact.name or _name_or_none(customer_name),
            self.contact.phone or _phone_or_none(customer_phone),
            self.contact.email,
        )
        moved = self._move("receive", at, target, unread_count=self.unread_count + 1)
        return attrs.evolve(
            moved,
            channel_id=channel_id or self.channel_id,
            contact=contact,
            last_inbound_at=_latest(self.last_inbound_at, at),
        )

    def reply_by_human(self, user_id: ids.UserId, at: datetime) -> Conversation:
        """A person replied: they hold the conversation now, unless someone else already does."""
        assignee = self.assignee_id if self.status is _S.ASSIGNED else user_id
        return self._move("reply", at, _S.ASSIGNED, assignee_id=assignee, unread_count=0)

    def record_outbound(self, at: datetime) -> Conversation:
        """The AI or the platform sent something: the conversation was active at ``at``."""
        return self._move("send", at, self.status)

    def mark_read(self, at: datetime) -> Conversation:
        """Staff saw every message so far."""
        return attrs.evolve(self, unread_count=0, updated_at=_latest(self.updated_at, at))

    def update_contact(
        self,
        at: datetime,
        *,
        name: str | None = None,
        phone: str | None = None,
        email: str | None = None,
    ) -> Conversation:
        """Record customer details collected in the conversation (None keeps a detail)."""
        contact = self.contact.merge(name, phone, email)
        return attrs.evolve(self, contact=contact, updated_at=_latest(self.updated_at, at))

    def _move(
        self, action: str, at: datetime, target: ConversationStatus, **changes: Any
    ) -> Conversation:
        if self.status not in SOURCES[action]:
            raise errors.Conflict(
                f"a {self.status.value} conversation cannot {action}",
                code="conversation.invalid_transition",
            )
        moment = channel.utc(at)
        if action in ("receive", "reply", "send"):
            changes["last_message_at"] = _latest(self.last_message_at, moment)
        return attrs.evolve(
            self, status=target, updated_at=_latest(self.updated_at, moment), **changes
        )


def _latest(current: datetime | None, moment: datetime) -> datetime:
    return moment if current is None or moment > current else current


def _name_or_none(name: str | None) -> str | None:
    cleaned = name.strip() if name is not None else ""
    return cleaned if 0 < len(cleaned) <= channel.MAX_NAME else None


def _phone_or_none(phone: str | None) -> str | None:
    # A channel's phone format is its own; keep it only when it is one we can store.
    return phone if phone is not None and _PHONE.match(phone) else None
