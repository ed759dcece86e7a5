"""The dispatcher and retention: send due messages exactly once, and forget old ones.

Exactly once, with any number of dispatchers in any number of processes:

1. *Claim* (one short platform transaction): the queue marks up to ``batch_size`` due messages
   as this worker's until ``now + claim_ttl`` and returns them. Claims are atomic (``FOR UPDATE
   SKIP LOCKED`` on PostgreSQL, the store's lock in memory): no two live claims on one message.
2. *Decide and send* (no transaction held): a tenant transaction re-reads the message and skips
   it unless this worker still holds it; then the rules of :mod:`dispatching` decide, and a send
   goes to the channel with the message's idempotency key.
3. *Record* (one tenant transaction): the outcome is a transition that only the claim holder may
   make; one audit entry when the message reaches SENT or FAILED.

A worker that dies between 1 and 3 leaves a claim that expires; the next dispatcher claims the
message again and sends it with the same idempotency key, which the channel port answers
without sending twice.
"""

from __future__ import annotations

import collections
import logging
from datetime import datetime

import attrs

from b2core.scheduling import commands, dispatching, model, policy, ports
from b2core.shared import audit, errors, ids, time

log = logging.getLogger(__name__)

Action = dispatching.Action
MAX_BATCH = 500


@attrs.frozen
class DispatchDueMessagesHandler:
    """Claim due messages, send each, record each outcome (see the module docstring)."""

    uow: ports.SchedulingUoW
    tenants: ports.TenantStates
    windows: ports.ServiceWindows
    sender: ports.MessageSender
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.DispatchDueMessages) -> dispatching.DispatchReport:
        if not cmd.worker_id or not 1 <= cmd.batch_size <= MAX_BATCH:
            raise errors.InvalidInput(
                f"a dispatcher needs a worker id and a batch of 1 to {MAX_BATCH}",
                code="schedule.bad_dispatch",
            )
        now = cmd.now or self.clock.now()
        async with self.uow.platform() as tx:
            claimed = await tx.scheduled_dispatch.claim_due(
                now, cmd.batch_size, cmd.worker_id, cmd.claim_ttl
            )
            await tx.commit()
        states: dict[ids.TenantId, dispatching.TenantState | None] = {}
        counts: collections.Counter[str] = collections.Counter()
        for message in claimed:
            if message.tenant_id not in states:
                states[message.tenant_id] = await self.tenants.get(message.tenant_id)
            counts[
                await self._dispatch(message, states[message.tenant_id], cmd.worker_id, now)
            ] += 1
        return dispatching.DispatchReport(claimed=len(claimed), **counts)

    async def _dispatch(
        self,
        claimed: model.ScheduledMessage,
        tenant: dispatching.TenantState | None,
        worker_id: str,
        now: datetime,
    ) -> str:
        async with self.uow.tenant(claimed.tenant_id) as tx:
            message = await tx.scheduled_messages.get(claimed.id)
            settings = await tx.scheduling_settings.get()
        if message is None or message.is_final or message.claimed_by != worker_id:
            return "lost"
        last = await self.windows.last_customer_message_at(message.tenant_id, message.recipient)
        quiet = settings.quiet_hours if settings is not None else None
        decision = dispatching.decide(message, tenant, quiet, last, now)
        provider_id = None
        if decision.outbound is not None:
            try:
                provider_id = await self.sender.send(decision.outbound)
            except errors.DomainError as exc:
                decision = dispatching.Decision(Action.RETRY, code=exc.code, reason=exc.message)
            except Exception as exc:
                # An adapter that failed to translate its error: still an attempt, so that a
                # message that always breaks the channel ends FAILED instead of looping.
                log.exception("scheduled message %s: unexpected send error", message.id)
                reason = type(exc).__name__
                decision = dispatching.Decision(
                    Action.RETRY, code="schedule.send_error", reason=reason
                )
        return await self._record(message, decision, provider_id, worker_id, now)

    async def _record(
        self,
        message: model.ScheduledMessage,
        decision: dispatching.Decision,
        provider_id: str | None,
        worker_id: str,
        now: datetime,
    ) -> str:
        async with self.uow.tenant(message.tenant_id) as tx:
            current = await tx.scheduled_messages.get(message.id)
            if current is None:
                return "lost"
            try:
                saved = await tx.scheduled_messages.save(
                    _apply(current, decision, provider_id, worker_id, now)
                )
            except errors.Conflict:
                # Our claim expired and another dispatcher took the message over; its send
                # carries the same idempotency key, so the customer still gets one message.
                log.warning("scheduled message %s: claim lost before recording", message.id)
                return "lost"
            if saved.is_final:
                await tx.audit.append(self._final_entry(saved))
            await tx.commit()
        return _outcome(saved, decision)

    def _final_entry(self, message: model.ScheduledMessage) -> audit.AuditEntry:
        sent = message.status is model.ScheduleStatus.SENT
        return audit.record(
            self.id_generator,
            self.clock,
            audit.Actor.system(),
            "scheduled_message.sent" if sent else "scheduled_message.failed",
            tenant_id=message.tenant_id,
            target=("scheduled_message", message.id),
            metadata={"retry_count": message.retry_count, "error": message.last_error},
        )


def _apply(
    message: model.ScheduledMessage,
    decision: dispatching.Decision,
    provider_id: str | None,
    worker_id: str,
    now: datetime,
) -> model.ScheduledMessage:
    """The transition ``decision`` calls for (raises Conflict when the claim is gone)."""
    if decision.action is Action.SEND:
        return message.mark_sent(worker_id, now, provider_id)
    if decision.action is Action.DEFER:
        assert decision.until is not None
        return message.defer(worker_id, decision.until, now)
    if decision.action is Action.FAIL:
        return message.fail(worker_id, now, decision.error)
    retry_at = now + policy.retry_delay(message.retry_count + 1)
    return message.record_failure(worker_id, now, decision.error, retry_at)


def _outcome(message: model.ScheduledMessage, decision: dispatching.Decision) -> str:
    """The report field that counts this message."""
    if message.status is model.ScheduleStatus.SENT:
        return "sent"
    if message.status is model.ScheduleStatus.FAILED:
        return "failed"
    return "deferred" if decision.action is Action.DEFER else "retried"


@attrs.frozen
class PurgeOldMessagesHandler:
    """Delete SENT, FAILED and CANCELED messages that finished more than ``older_than`` ago.

    Returns how many went; one platform audit entry when any did.
    """

    uow: ports.SchedulingUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.PurgeOldMessages) -> int:
        if cmd.older_than.total_seconds() <= 0:
            raise errors.InvalidInput(
                "the retention period must be positive", code="schedule.bad_retention"
            )
        before = (cmd.now or self.clock.now()) - cmd.older_than
        async with self.uow.platform() as tx:
            purged = await tx.scheduled_dispatch.purge_finished(before)
            if purged:
                await tx.audit.append(
                    audit.record(
                        self.id_generator,
                        self.clock,
                        audit.Actor.system(),
                        "scheduled_message.purged",
                        metadata={"count": purged, "finished_before": before.isoformat()},
                    )
                )
            await tx.commit()
        return purged
