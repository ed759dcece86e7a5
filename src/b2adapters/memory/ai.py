"""In-memory repositories of the ai context: tenant AI settings and the usage log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from b2core.ai import model
from b2core.ai import settings as ai_settings
from b2core.shared import errors, ids, pagination

if TYPE_CHECKING:
    from b2core.ai import ports


class _Tx(Protocol):
    def table(self, name: str) -> dict[Any, Any]: ...


def _wrong_tenant(what: str) -> errors.Forbidden:
    return errors.Forbidden(f"{what} belongs to another tenant", code=f"ai.{what}_wrong_tenant")


class InMemoryAiSettingsRepository:
    """One settings record per tenant."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._rows: dict[ids.TenantId, ai_settings.AiSettings] = tx.table("ai_settings")
        self._tenant_id = tenant_id

    async def get(self) -> ai_settings.AiSettings | None:
        return self._rows.get(self._tenant_id)

    async def save(self, settings: ai_settings.AiSettings) -> None:
        if settings.tenant_id != self._tenant_id:
            raise _wrong_tenant("settings")
        self._rows[self._tenant_id] = settings


def _newest_first(record: model.UsageRecord) -> tuple[str, str]:
    return (record.at.isoformat(), record.id)


class InMemoryUsageLog:
    """The usage records of one tenant, newest first."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._rows: dict[str, model.UsageRecord] = tx.table("ai_usage")
        self._tenant_id = tenant_id

    async def add(self, record: model.UsageRecord) -> None:
        if record.tenant_id != self._tenant_id:
            raise _wrong_tenant("usage")
        self._rows[record.id] = record

    async def page(
        self,
        request: pagination.PageRequest,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> pagination.Page[model.UsageRecord]:
        rows = sorted(
            (
                r
                for r in self._rows.values()
                if r.tenant_id == self._tenant_id
                and (since is None or r.at >= since)
                and (until is None or r.at < until)
            ),
            key=_newest_first,
            reverse=True,
        )
        if request.cursor is not None:
            after = tuple(pagination.decode_cursor(request.cursor, 2))
            rows = [r for r in rows if _newest_first(r) < after]
        return pagination.page_from_rows(rows[: request.limit + 1], request.limit, _newest_first)


if TYPE_CHECKING:
    _s: type[ports.AiSettingsRepository] = InMemoryAiSettingsRepository
    _u: type[ports.UsageLog] = InMemoryUsageLog
