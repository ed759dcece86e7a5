"""Typed identifiers and the port that makes new ones."""

from __future__ import annotations

from typing import NewType, Protocol

TenantId = NewType("TenantId", str)
UserId = NewType("UserId", str)
ChannelId = NewType("ChannelId", str)
ConversationId = NewType("ConversationId", str)
MessageId = NewType("MessageId", str)
ServiceId = NewType("ServiceId", str)
OrderId = NewType("OrderId", str)
PlanId = NewType("PlanId", str)
SubscriptionId = NewType("SubscriptionId", str)
PaymentId = NewType("PaymentId", str)
CouponId = NewType("CouponId", str)
TemplateId = NewType("TemplateId", str)
ScheduledMessageId = NewType("ScheduledMessageId", str)
AuditId = NewType("AuditId", str)


class IdGenerator(Protocol):
    """Makes new, unique, opaque string ids. Time-ordered ids are preferred (UUIDv7)."""

    def new(self) -> str:
        """Return a fresh id, never returned before by this generator."""
        ...
