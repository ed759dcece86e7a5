"""The ScheduledMessage aggregate: what to send to whom and when, and its dispatch state machine.

PENDING -> SENT | FAILED | CANCELED; the three are final. While PENDING, a dispatcher may hold a
*claim* on the message (``claimed_by`` until ``claim_expires_at``): only the holder records the
outcome, and a claim that expires (its worker died) can be taken by another dispatcher. Named
transitions:

* ``claim`` (dispatcher): PENDING, due, and not claimed by a live claim -> PENDING, claimed.
* ``mark_sent`` (claim holder): -> SENT.
* ``record_failure`` (claim holder): one more failed attempt; the third is FAILED, the others
  stay PENDING and wait until ``retry_at``.
* ``fail`` (claim holder): FAILED at once, for failures no retry can fix.
* ``defer`` (claim holder): stays PENDING, due again at ``until`` (quiet hours).
* ``release`` (claim holder): drops the claim, nothing else changes.
* ``cancel`` and ``revise`` (staff): PENDING and not under a live claim.

A transition from a final status is ``schedule.invalid_transition``; a worker acting without
the claim gets ``schedule.claim_lost``; staff acting during a live claim get
``schedule.dispatch_in_progress``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime, timedelta

import attrs

from b2core.scheduling import policy
from b2core.shared import errors, ids, time

MAX_TEXT = 4096
MAX_ERROR = 500


class ScheduleStatus(enum.StrEnum):
    """Where a scheduled message stands."""

    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


FINAL_STATUSES = frozenset({ScheduleStatus.SENT, ScheduleStatus.FAILED, ScheduleStatus.CANCELED})


def idempotency_key(message_id: ids.ScheduledMessageId) -> str:
    """The key every send of this message carries, on every attempt and from every worker."""
    return f"scheduled-message:{message_id}"


def _check_phone(_: object, __: attrs.Attribute[str], value: str) -> None:
    # Stored numbers are normalized; ``create`` and ``revise`` normalize what people type.
    if not policy.is_e164(value):
        raise errors.InvalidInput("a recipient must be an E.164 number", code="schedule.bad_phone")


def _check_text(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise errors.InvalidInput(
            f"a message text has 1 to {MAX_TEXT} characters", code="schedule.bad_text"
        )


@attrs.frozen
class WhatsAppPayload:
    """The WhatsApp template a message is sent as outside the service window: a snapshot of the
    template's name and language with the parameter values filled in at scheduling time."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()


@attrs.frozen
class MessageContent:
    """What a message says: its final text, and the template and values it came from, if any."""

    text: str
    template_id: ids.TemplateId | None = None
    variables: Mapping[str, str] = attrs.field(factory=dict)
    whatsapp: WhatsAppPayload | None = None


@attrs.frozen
class ScheduledMessage:
    """One message to one recipient at one time; see the module docstring for its lifecycle.

    ``text`` is final at scheduling time (a template is rendered then, so that later edits of
    the template never change what was previewed). ``send_at`` is the time asked for;
    ``due_at`` is when the dispatcher next looks at it (later after quiet hours or a failure).
    ``version`` works as in every repository: compared on save, then bumped.
    """

    id: ids.ScheduledMessageId
    tenant_id: ids.TenantId
    recipient: str = attrs.field(validator=_check_phone)
    text: str = attrs.field(validator=_check_text)
    send_at: datetime
    due_at: datetime
    timezone: str
    created_by: ids.UserId
    created_at: datetime
    updated_at: datetime
    status: ScheduleStatus = ScheduleStatus.PENDING
    template_id: ids.TemplateId | None = None
    variables: Mapping[str, str] = attrs.field(factory=dict)
    whatsapp: WhatsAppPayload | None = None
    retry_count: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    finished_at: datetime | None = None
    provider_message_id: str | None = None
    claimed_by: str | None = None
    claim_expires_at: datetime | None = None
    version: int = 0

    @classmethod
    def create(
        cls,
        message_id: ids.ScheduledMessageId,
        tenant_id: ids.TenantId,
        recipient: str,
        content: MessageContent,
        send_at: datetime,
        *,
        timezone: str,
        by: ids.UserId,
        at: datetime,
    ) -> ScheduledMessage:
        """A new PENDING message; the phone is normalized, the time must be ahead of ``at``."""
        now, moment = time.ensure_utc(at), time.ensure_utc(send_at)
        policy.check_send_at(moment, now)
        return cls(
            message_id,
            tenant_id,
            policy.normalize_phone(recipient),
            content.text,
            moment,
            moment,
            timezone,
            by,
            now,
            now,
            template_id=content.template_id,
            variables=dict(content.variables),
            whatsapp=content.whatsapp,
        )

    @property
    def is_final(self) -> bool:
        """Whether nothing can happen to the message any more."""
        return self.status in FINAL_STATUSES

    @property
    def idempotency_key(self) -> str:
        """See :func:`idempotency_key`."""
        return idempotency_key(self.id)

    def is_claimed(self, at: datetime) -> bool:
        """Whether a dispatcher holds a claim that has not expired at ``at``."""
        return self.claim_expires_at is not None and self.claim_expires_at > at

    def is_due(self, at: datetime) -> bool:
        """Whether a dispatcher may claim it at ``at``."""
        return (
            self.status is ScheduleStatus.PENDING and self.due_at <= at and not self.is_claimed(at)
        )

    # Dispatcher transitions.

    def claim(self, worker_id: str, at: datetime, ttl: timedelta) -> ScheduledMessage:
        """Take the message for ``worker_id`` until ``at + ttl``."""
        self._check_pending("claim")
        if not worker_id or ttl <= timedelta(0):
            raise errors.InvalidInput("a claim needs a worker id and a positive ttl")
        if self.is_claimed(at):
            raise errors.Conflict("another dispatcher holds it", code="schedule.already_claimed")
        if self.due_at > at:
            raise errors.Conflict("the message is not due yet", code="schedule.not_due")
        return attrs.evolve(self, claimed_by=worker_id, claim_expires_at=at + ttl)

    def mark_sent(
        self, worker_id: str, at: datetime, provider_message_id: str | None = None
    ) -> ScheduledMessage:
        """The channel accepted the message."""
        self._check_claim("mark_sent", worker_id)
        return self._finish(ScheduleStatus.SENT, at, sent_at=at, provider_id=provider_message_id)

    def record_failure(
        self, worker_id: str, at: datetime, error: str, retry_at: datetime
    ) -> ScheduledMessage:
        """One more failed attempt: FAILED on the last one, else due again at ``retry_at``."""
        self._check_claim("record_failure", worker_id)
        failed = attrs.evolve(self, retry_count=self.retry_count + 1, last_error=_clip(error))
        if failed.retry_count >= policy.MAX_ATTEMPTS:
            return failed._finish(ScheduleStatus.FAILED, at)
        return attrs.evolve(
            failed, due_at=retry_at, updated_at=at, claimed_by=None, claim_expires_at=None
        )

    def fail(self, worker_id: str, at: datetime, error: str) -> ScheduledMessage:
        """Give up at once: no later attempt could succeed."""
        self._check_claim("fail", worker_id)
        return attrs.evolve(self, last_error=_clip(error))._finish(ScheduleStatus.FAILED, at)

    def defer(self, worker_id: str, until: datetime, at: datetime) -> ScheduledMessage:
        """Not now (quiet hours): due again at ``until``; no attempt is counted."""
        self._check_claim("defer", worker_id)
        return attrs.evolve(
            self, due_at=until, updated_at=at, claimed_by=None, claim_expires_at=None
        )

    def release(self, worker_id: str) -> ScheduledMessage:
        """Drop the claim without any other change."""
        self._check_claim("release", worker_id)
        return attrs.evolve(self, claimed_by=None, claim_expires_at=None)

    # Staff transitions.

    def cancel(self, at: datetime) -> ScheduledMessage:
        """Withdraw a PENDING message that no dispatcher is handling right now."""
        self._check_editable("cancel", at)
        return self._finish(ScheduleStatus.CANCELED, at)

    def revise(
        self,
        at: datetime,
        *,
        recipient: str | None = None,
        content: MessageContent | None = None,
        send_at: datetime | None = None,
    ) -> ScheduledMessage:
        """Change a PENDING message; a new ``send_at`` must lie ahead and makes it due then."""
        self._check_editable("revise", at)
        changed = self
        if recipient is not None:
            changed = attrs.evolve(changed, recipient=policy.normalize_phone(recipient))
        if content is not None:
            changed = attrs.evolve(
                changed,
                text=content.text,
                template_id=content.template_id,
                variables=dict(content.variables),
                whatsapp=content.whatsapp,
            )
        if send_at is not None:
            moment = time.ensure_utc(send_at)
            policy.check_send_at(moment, at)
            changed = attrs.evolve(changed, send_at=moment, due_at=moment)
        return self if changed == self else attrs.evolve(changed, updated_at=at)

    # Guards.

    def _check_pending(self, action: str) -> None:
        if self.status is not ScheduleStatus.PENDING:
            raise errors.Conflict(
                f"a {self.status.value} message cannot {action}",
                code="schedule.invalid_transition",
            )

    def _check_claim(self, action: str, worker_id: str) -> None:
        self._check_pending(action)
        if self.claimed_by is None or self.claimed_by != worker_id:
            raise errors.Conflict(
                "this dispatcher no longer holds the message", code="schedule.claim_lost"
            )

    def _check_editable(self, action: str, at: datetime) -> None:
        self._check_pending(action)
        if self.is_claimed(at):
            raise errors.Conflict(
                "the message is being sent right now", code="schedule.dispatch_in_progress"
            )

    def _finish(
        self,
        status: ScheduleStatus,
        at: datetime,
        *,
        sent_at: datetime | None = None,
        provider_id: str | None = None,
    ) -> ScheduledMessage:
        return attrs.evolve(
            self,
            status=status,
            sent_at=sent_at,
            provider_message_id=provider_id,
            finished_at=at,
            updated_at=at,
            claimed_by=None,
            claim_expires_at=None,
        )


def _clip(error: str) -> str:
    text = error.strip() or "unknown error"
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"


@attrs.frozen
class RowError:
    """Why one row of a bulk request was not scheduled; ``index`` counts from 0."""

    index: int
    recipient: str
    code: str
    message: str


@attrs.frozen
class BulkOutcome:
    """The rows that were scheduled and the rows that were refused, each with its reason."""

    scheduled: tuple[ScheduledMessage, ...]
    rejected: tuple[RowError, ...]
