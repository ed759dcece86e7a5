"""What the dispatcher does with one claimed message: send it (as text or template), defer it,
count a failed attempt, or fail it. One pure function, fixed precedence:

1. the tenant: archived or unknown -> FAIL ``schedule.tenant_inactive``; suspended -> RETRY
   ``schedule.tenant_suspended`` (an attempt that sends nothing);
2. the WhatsApp kill switches (platform or tenant) off -> RETRY ``schedule.whatsapp_disabled``;
3. quiet hours -> DEFER to their end (no attempt counted);
4. the customer's 24-hour service window open -> SEND the text; closed -> SEND the WhatsApp
   template when the message has one, else FAIL ``schedule.window_closed_no_template``.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from b2core.scheduling import model, policy, quiet_hours
from b2core.shared import errors, ids
from b2core.tenants import model as tenants


@attrs.frozen
class OutboundMessage:
    """What the dispatcher hands to the channel: text, or a WhatsApp template with parameters.

    ``idempotency_key`` is the same on every attempt of one message; a sender that saw it before
    must not send again but answer as it did the first time.
    """

    tenant_id: ids.TenantId
    message_id: ids.ScheduledMessageId
    recipient: str
    idempotency_key: str
    text: str | None = None
    whatsapp: model.WhatsAppPayload | None = None

    def __attrs_post_init__(self) -> None:
        if (self.text is None) == (self.whatsapp is None):
            raise errors.InvalidInput("an outbound message is either text or a template")


@attrs.frozen
class TenantState:
    """What the dispatcher must know of a tenant: its status, whether WhatsApp may send (the
    platform's and the tenant's kill switches both on), and its time zone."""

    status: tenants.TenantStatus
    whatsapp_enabled: bool = True
    timezone: str = "UTC"


class Action(enum.StrEnum):
    """The four things that can happen to a claimed message."""

    SEND = "send"
    DEFER = "defer"
    RETRY = "retry"
    FAIL = "fail"


@attrs.frozen
class Decision:
    """The dispatcher's verdict: what to send, until when to wait, or which error to record."""

    action: Action
    outbound: OutboundMessage | None = None
    until: datetime | None = None
    code: str | None = None
    reason: str | None = None

    @property
    def error(self) -> str:
        """``code: reason``, as stored in the message's ``last_error``."""
        return f"{self.code}: {self.reason}"


def _refuse(action: Action, code: str, reason: str) -> Decision:
    return Decision(action, code=code, reason=reason)


def decide(
    message: model.ScheduledMessage,
    tenant: TenantState | None,
    quiet: quiet_hours.QuietHours | None,
    last_customer_message_at: datetime | None,
    now: datetime,
) -> Decision:
    """The verdict for ``message`` at ``now`` (see the module docstring for the precedence)."""
    if tenant is None or tenant.status is tenants.TenantStatus.ARCHIVED:
        return _refuse(Action.FAIL, "schedule.tenant_inactive", "the business is closed")
    if tenant.status is not tenants.TenantStatus.ACTIVE:
        return _refuse(Action.RETRY, "schedule.tenant_suspended", "the business is suspended")
    if not tenant.whatsapp_enabled:
        return _refuse(Action.RETRY, "schedule.whatsapp_disabled", "WhatsApp sending is off")
    if quiet is not None and quiet.is_quiet(now, tenant.timezone):
        return Decision(Action.DEFER, until=quiet.next_allowed(now, tenant.timezone))
    outbound = OutboundMessage(
        message.tenant_id, message.id, message.recipient, message.idempotency_key, text=message.text
    )
    if policy.window_open(last_customer_message_at, now):
        return Decision(Action.SEND, outbound=outbound)
    if message.whatsapp is not None:
        return Decision(
            Action.SEND, outbound=attrs.evolve(outbound, text=None, whatsapp=message.whatsapp)
        )
    return _refuse(
        Action.FAIL,
        "schedule.window_closed_no_template",
        "the customer has not written in 24 hours and the message has no WhatsApp template",
    )


@attrs.frozen
class DispatchReport:
    """What one dispatcher run did: how many messages it claimed and what became of them.

    ``lost`` counts messages whose claim this run no longer held when it came to record the
    outcome (it expired and another dispatcher took over, or a person canceled it meanwhile).
    """

    claimed: int = 0
    sent: int = 0
    deferred: int = 0
    retried: int = 0
    failed: int = 0
    lost: int = 0
