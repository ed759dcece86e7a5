"""In-memory adapters of the scheduling context: repositories, the dispatch queue, tenant states,
service windows and a recording channel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from b2adapters.memory.store import InMemoryStore
from b2core.scheduling import dispatching, model, quiet_hours, templates
from b2core.shared import errors, ids, pagination

if TYPE_CHECKING:
    from b2core.scheduling import ports


class _Tx(Protocol):
    def table(self, name: str) -> dict[Any, Any]: ...


def _after(cursor: str) -> tuple[str, str]:
    first, second = pagination.decode_cursor(cursor, 2)
    if not isinstance(first, str) or not isinstance(second, str):
        raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor")
    return (first, second)


def _same_tenant(found: ids.TenantId, bound: ids.TenantId, code: str) -> None:
    if found != bound:
        raise errors.Forbidden("this record belongs to another tenant", code=code)


def _by_name(template: templates.MessageTemplate) -> tuple[str, str]:
    return (template.key, template.id)


def _by_send_time(message: model.ScheduledMessage) -> tuple[str, str]:
    return (message.send_at.astimezone(UTC).isoformat(timespec="microseconds"), message.id)


class InMemoryTemplateRepository:
    """The message templates of one tenant; other tenants' are invisible through it."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._rows: dict[ids.TemplateId, templates.MessageTemplate] = tx.table("message_templates")
        self._tenant_id = tenant_id

    async def get(self, template_id: ids.TemplateId) -> templates.MessageTemplate | None:
        found = self._rows.get(template_id)
        return found if found is not None and found.tenant_id == self._tenant_id else None

    async def add(self, template: templates.MessageTemplate) -> None:
        _same_tenant(template.tenant_id, self._tenant_id, "template.wrong_tenant")
        if template.id in self._rows:
            raise errors.Conflict("this template already exists", code="template.already_exists")
        self._unique_name(template)
        self._rows[template.id] = template

    async def save(self, template: templates.MessageTemplate) -> templates.MessageTemplate:
        _same_tenant(template.tenant_id, self._tenant_id, "template.wrong_tenant")
        stored = await self.get(template.id)
        if stored is None:
            raise errors.NotFound("no such template", code="template.not_found")
        if stored.version != template.version:
            raise errors.ConcurrencyConflict(
                "the template changed meanwhile", code="template.concurrent_update"
            )
        self._unique_name(template)
        saved = attrs.evolve(template, version=template.version + 1)
        self._rows[template.id] = saved
        return saved

    async def delete(self, template_id: ids.TemplateId) -> bool:
        if await self.get(template_id) is None:
            return False
        del self._rows[template_id]
        return True

    async def list(
        self, page: pagination.PageRequest
    ) -> pagination.Page[templates.MessageTemplate]:
        rows = sorted(self._mine(), key=_by_name)
        if page.cursor is not None:
            after = _after(page.cursor)
            rows = [t for t in rows if _by_name(t) > after]
        return pagination.page_from_rows(rows[: page.limit + 1], page.limit, _by_name)

    def _mine(self) -> Sequence[templates.MessageTemplate]:
        return [t for t in self._rows.values() if t.tenant_id == self._tenant_id]

    def _unique_name(self, template: templates.MessageTemplate) -> None:
        if any(t.key == template.key and t.id != template.id for t in self._mine()):
            raise errors.Conflict(
                f"a template named {template.name!r} already exists",
                code="template.duplicate_name",
            )


class InMemoryScheduledMessageRepository:
    """The scheduled messages of one tenant; other tenants' are invisible through it."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._rows: dict[ids.ScheduledMessageId, model.ScheduledMessage] = tx.table(
            "scheduled_messages"
        )
        self._tenant_id = tenant_id

    async def get(self, message_id: ids.ScheduledMessageId) -> model.ScheduledMessage | None:
        found = self._rows.get(message_id)
        return found if found is not None and found.tenant_id == self._tenant_id else None

    async def add(self, message: model.ScheduledMessage) -> None:
        _same_tenant(message.tenant_id, self._tenant_id, "schedule.wrong_tenant")
        if message.id in self._rows:
            raise errors.Conflict("this message already exists", code="schedule.already_exists")
        self._rows[message.id] = message

    async def save(self, message: model.ScheduledMessage) -> model.ScheduledMessage:
        _same_tenant(message.tenant_id, self._tenant_id, "schedule.wrong_tenant")
        stored = await self.get(message.id)
        if stored is None:
            raise errors.NotFound("no such scheduled message", code="schedule.not_found")
        if stored.version != message.version:
            raise errors.ConcurrencyConflict(
                "the message changed meanwhile", code="schedule.concurrent_update"
            )
        saved = attrs.evolve(message, version=message.version + 1)
        self._rows[message.id] = saved
        return saved

    async def delete(self, message_id: ids.ScheduledMessageId) -> bool:
        if await self.get(message_id) is None:
            return False
        del self._rows[message_id]
        return True

    async def list(
        self,
        page: pagination.PageRequest,
        *,
        status: model.ScheduleStatus | None = None,
        recipient: str | None = None,
        send_from: datetime | None = None,
        send_until: datetime | None = None,
    ) -> pagination.Page[model.ScheduledMessage]:
        rows = sorted(
            (
                m
                for m in self._rows.values()
                if m.tenant_id == self._tenant_id
                and (status is None or m.status is status)
                and (recipient is None or m.recipient == recipient)
                and (send_from is None or m.send_at >= send_from)
                and (send_until is None or m.send_at < send_until)
            ),
            key=_by_send_time,
        )
        if page.cursor is not None:
            after = _after(page.cursor)
            rows = [m for m in rows if _by_send_time(m) > after]
        return pagination.page_from_rows(rows[: page.limit + 1], page.limit, _by_send_time)


class InMemorySchedulingSettingsRepository:
    """One tenant's scheduling settings."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._rows: dict[ids.TenantId, quiet_hours.SchedulingSettings] = tx.table(
            "scheduling_settings"
        )
        self._tenant_id = tenant_id

    async def get(self) -> quiet_hours.SchedulingSettings | None:
        return self._rows.get(self._tenant_id)

    async def save(self, settings: quiet_hours.SchedulingSettings) -> None:
        _same_tenant(settings.tenant_id, self._tenant_id, "schedule.wrong_tenant")
        self._rows[self._tenant_id] = settings


class InMemoryDispatchQueue:
    """Every tenant's scheduled messages, for claims and retention. The transaction holds the
    store's lock, which makes each claim atomic against every other transaction."""

    def __init__(self, tx: _Tx) -> None:
        self._rows: dict[ids.ScheduledMessageId, model.ScheduledMessage] = tx.table(
            "scheduled_messages"
        )

    async def claim_due(
        self, now: datetime, limit: int, worker_id: str, claim_ttl: timedelta
    ) -> Sequence[model.ScheduledMessage]:
        due = sorted(
            (m for m in self._rows.values() if m.is_due(now)), key=lambda m: (m.due_at, m.id)
        )
        claimed = []
        for message in due[: max(limit, 0)]:
            taken = message.claim(worker_id, now, claim_ttl)
            taken = attrs.evolve(taken, version=taken.version + 1)
            self._rows[taken.id] = taken
            claimed.append(taken)
        return claimed

    async def purge_finished(self, before: datetime) -> int:
        old = [
            m.id
            for m in self._rows.values()
            if m.is_final and m.finished_at is not None and m.finished_at < before
        ]
        for message_id in old:
            del self._rows[message_id]
        return len(old)


class InMemoryTenantStates:
    """Tenant status and time zone from the store's tenants; WhatsApp is enabled when the
    platform's switch (system settings), the tenant's switch (its AI settings) and the override
    held here (:meth:`switch_whatsapp`, for tests and demos) are all on."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._whatsapp_off: set[ids.TenantId] = set()

    def switch_whatsapp(self, tenant_id: ids.TenantId, enabled: bool) -> None:
        """Turn one tenant's WhatsApp sending on or off (its kill switch)."""
        if enabled:
            self._whatsapp_off.discard(tenant_id)
        else:
            self._whatsapp_off.add(tenant_id)

    async def get(self, tenant_id: ids.TenantId) -> dispatching.TenantState | None:
        async with self._store.lock:  # committed state only, never a transaction's copy
            tenant = self._store.tables.get("tenants", {}).get(tenant_id)
            system = self._store.tables.get("settings", {}).get("system")
            ai = self._store.tables.get("ai_settings", {}).get(tenant_id)
        if tenant is None:
            return None
        switches = (
            getattr(system, "global_whatsapp_enabled", True),
            getattr(ai, "whatsapp_enabled", True),
            tenant_id not in self._whatsapp_off,
        )
        return dispatching.TenantState(tenant.status, all(switches), tenant.timezone)


class InMemoryServiceWindows:
    """When each customer last wrote, as tests and the simulator record it."""

    def __init__(self) -> None:
        self._last: dict[tuple[ids.TenantId, str], datetime] = {}

    def customer_wrote(self, tenant_id: ids.TenantId, phone: str, at: datetime) -> None:
        """Note a message from the customer with E.164 ``phone`` at ``at``."""
        key = (tenant_id, phone)
        self._last[key] = max(at, self._last.get(key, at))

    async def last_customer_message_at(
        self, tenant_id: ids.TenantId, phone: str
    ) -> datetime | None:
        return self._last.get((tenant_id, phone))


class RecordingMessageSender:
    """A channel that records what it would send, idempotent by key like a real one must be.

    ``sent`` holds each message that reached the "customer", once; ``calls`` counts every call,
    repeats included.
    """

    def __init__(self) -> None:
        self.sent: list[dispatching.OutboundMessage] = []
        self.calls = 0
        self._provider_ids: dict[str, str] = {}

    async def send(self, outbound: dispatching.OutboundMessage) -> str:
        self.calls += 1
        known = self._provider_ids.get(outbound.idempotency_key)
        if known is not None:
            return known
        provider_id = f"wamid.recorded.{len(self.sent) + 1}"
        self._provider_ids[outbound.idempotency_key] = provider_id
        self.sent.append(outbound)
        return provider_id


if TYPE_CHECKING:
    _t: type[ports.TemplateRepository] = InMemoryTemplateRepository
    _m: type[ports.ScheduledMessageRepository] = InMemoryScheduledMessageRepository
    _s: type[ports.SchedulingSettingsRepository] = InMemorySchedulingSettingsRepository
    _q: type[ports.DispatchQueue] = InMemoryDispatchQueue
    _ts: type[ports.TenantStates] = InMemoryTenantStates
    _w: type[ports.ServiceWindows] = InMemoryServiceWindows
    _r: type[ports.MessageSender] = RecordingMessageSender
