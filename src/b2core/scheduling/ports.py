"""Ports of the scheduling context: templates, scheduled messages, the dispatch queue, and what
the dispatcher asks of the rest of the system (tenant state, service windows, the channel).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Protocol

from b2core.scheduling import dispatching, model, quiet_hours, templates
from b2core.shared import audit, ids, pagination, uow


class TemplateRepository(Protocol):
    """The message templates of the one tenant the transaction is bound to.

    Names are unique per tenant by :attr:`templates.MessageTemplate.key`. ``save`` succeeds only
    if the stored version equals the instance's, and stores (and returns) it bumped by one.
    """

    async def get(self, template_id: ids.TemplateId) -> templates.MessageTemplate | None:
        """The template with this id in this tenant, or None."""
        ...

    async def add(self, template: templates.MessageTemplate) -> None:
        """Store a new template.

        Raises:
            errors.Conflict: ``template.already_exists`` (same id), ``template.duplicate_name``.
        """
        ...

    async def save(self, template: templates.MessageTemplate) -> templates.MessageTemplate:
        """Store the new state of an existing template; return it with its new version.

        Raises:
            errors.NotFound: ``template.not_found``.
            errors.ConcurrencyConflict: ``template.concurrent_update`` (stale version).
            errors.Conflict: ``template.duplicate_name``.
        """
        ...

    async def delete(self, template_id: ids.TemplateId) -> bool:
        """Remove the template; False when there was none. Scheduled messages keep their text."""
        ...

    async def list(
        self, page: pagination.PageRequest
    ) -> pagination.Page[templates.MessageTemplate]:
        """Templates ordered by name key, then id."""
        ...


class ScheduledMessageRepository(Protocol):
    """The scheduled messages of the one tenant the transaction is bound to. Same ``version``
    rule as templates; ``add``/``save`` of another tenant's message is ``schedule.wrong_tenant``.
    """

    async def get(self, message_id: ids.ScheduledMessageId) -> model.ScheduledMessage | None:
        """The message with this id in this tenant, or None."""
        ...

    async def add(self, message: model.ScheduledMessage) -> None:
        """Store a new message. Raises ``errors.Conflict`` ``schedule.already_exists``."""
        ...

    async def save(self, message: model.ScheduledMessage) -> model.ScheduledMessage:
        """Store the new state of a message; return it with its new version.

        Raises:
            errors.NotFound: ``schedule.not_found``.
            errors.ConcurrencyConflict: ``schedule.concurrent_update`` (stale version).
        """
        ...

    async def delete(self, message_id: ids.ScheduledMessageId) -> bool:
        """Remove the message; False when there was none."""
        ...

    async def list(
        self,
        page: pagination.PageRequest,
        *,
        status: model.ScheduleStatus | None = None,
        recipient: str | None = None,
        send_from: datetime | None = None,
        send_until: datetime | None = None,
    ) -> pagination.Page[model.ScheduledMessage]:
        """Messages by ``send_at`` then id, ascending; filters combine (``send_*`` bound
        ``send_at``: from included, until excluded)."""
        ...


class DispatchQueue(Protocol):
    """Scheduled messages across all tenants, for the dispatcher and retention (platform
    transactions only; tenant-bound ones must not offer it).
    """

    async def claim_due(
        self, now: datetime, limit: int, worker_id: str, claim_ttl: timedelta
    ) -> Sequence[model.ScheduledMessage]:
        """Claim up to ``limit`` messages that are due at ``now`` for ``worker_id``.

        Due means PENDING, ``due_at <= now`` and no live claim (none, or expired at ``now``).
        Earliest ``due_at`` first. Each returned message is claimed until ``now + claim_ttl``
        and saved with a bumped version, which the returned instances carry. Atomic: two
        callers, in any number of processes, never claim the same message while a claim lives.
        On PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` then ``UPDATE`` in one transaction.
        """
        ...

    async def purge_finished(self, before: datetime) -> int:
        """Delete SENT, FAILED and CANCELED messages that finished before ``before``; return
        how many went."""
        ...


class SchedulingSettingsRepository(Protocol):
    """The scheduling settings of the one tenant the transaction is bound to."""

    async def get(self) -> quiet_hours.SchedulingSettings | None:
        """This tenant's settings, or None when it never set any."""
        ...

    async def save(self, settings: quiet_hours.SchedulingSettings) -> None:
        """Store this tenant's settings (insert or replace)."""
        ...


class SchedulingTx(uow.Transaction, Protocol):
    """A tenant-bound transaction of the scheduling context."""

    @property
    def message_templates(self) -> TemplateRepository: ...

    @property
    def scheduled_messages(self) -> ScheduledMessageRepository: ...

    @property
    def scheduling_settings(self) -> SchedulingSettingsRepository: ...

    @property
    def audit(self) -> audit.AuditLog:
        """Each change by a person, and each final outcome of a dispatch, appends one entry."""
        ...


class DispatchTx(uow.Transaction, Protocol):
    """A platform transaction for the dispatcher's claims and for retention."""

    @property
    def scheduled_dispatch(self) -> DispatchQueue: ...

    @property
    def audit(self) -> audit.AuditLog: ...


class SchedulingUoW(Protocol):
    """Opens tenant-bound scheduling transactions and platform dispatch transactions."""

    def tenant(self, tenant_id: ids.TenantId) -> AbstractAsyncContextManager[SchedulingTx]: ...

    def platform(self) -> AbstractAsyncContextManager[DispatchTx]: ...


class TenantStates(Protocol):
    """What scheduling needs to know of a tenant, gathered from the tenants and platform
    contexts by the composition root (status, the WhatsApp kill switches, time zone).

    Callers do not hold a transaction of their own while they ask.
    """

    async def get(self, tenant_id: ids.TenantId) -> dispatching.TenantState | None:
        """The tenant's state, or None for an unknown tenant."""
        ...


class ServiceWindows(Protocol):
    """When a customer last wrote to the tenant (the conversations context knows)."""

    async def last_customer_message_at(
        self, tenant_id: ids.TenantId, phone: str
    ) -> datetime | None:
        """The time of the last message the customer with this E.164 ``phone`` sent the
        tenant, or None if never (or unknown)."""
        ...


class MessageSender(Protocol):
    """Hands a scheduled message to the tenant's WhatsApp channel.

    Must be idempotent by ``outbound.idempotency_key``: a key seen before sends nothing and
    answers with the first send's provider message id (a retry after a timeout, or a second
    dispatcher after an expired claim, must not reach the customer twice).
    """

    async def send(self, outbound: dispatching.OutboundMessage) -> str:
        """Send it; return the provider's message id.

        Raises:
            errors.DomainError: any refusal or failure (``channel.*`` codes); the dispatcher
                records its code and message and retries later.
        """
        ...
