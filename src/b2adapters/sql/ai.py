"""SQL repositories of the ai context: one tenant's AI settings and its usage log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from b2adapters.sql import paging, statements
from b2adapters.sql.schema import ai as tables
from b2core.ai import model
from b2core.ai import settings as ai_settings
from b2core.shared import errors, ids, pagination

if TYPE_CHECKING:
    from b2core.ai import ports


class _Tx(Protocol):
    async def connection(self) -> AsyncConnection: ...


def _wrong_tenant(what: str) -> errors.Forbidden:
    return errors.Forbidden(f"{what} belongs to another tenant", code=f"ai.{what}_wrong_tenant")


def spec_to_json(spec: model.ModelSpec | None) -> dict[str, Any] | None:
    """A pinned model as JSON (None stays None)."""
    if spec is None:
        return None
    return {
        "name": spec.name,
        "tier": spec.tier.value,
        "input_price_micro_per_1k": spec.input_price_micro_per_1k,
        "output_price_micro_per_1k": spec.output_price_micro_per_1k,
        "currency": spec.currency,
    }


def spec_from_json(raw: dict[str, Any] | None) -> model.ModelSpec | None:
    """The pinned model stored by :func:`spec_to_json`."""
    if raw is None:
        return None
    return model.ModelSpec(
        name=raw["name"],
        tier=model.AiTier(raw["tier"]),
        input_price_micro_per_1k=raw["input_price_micro_per_1k"],
        output_price_micro_per_1k=raw["output_price_micro_per_1k"],
        currency=raw["currency"],
    )


def settings_to_row(settings: ai_settings.AiSettings) -> dict[str, Any]:
    """The ``ai_settings`` row of ``settings``."""
    return {
        "tenant_id": settings.tenant_id,
        "ai_enabled": settings.ai_enabled,
        "plan": settings.plan.value,
        "billing_anchor_day": settings.billing_anchor_day,
        "confidence_threshold": settings.confidence_threshold,
        "prohibited_phrases": list(settings.prohibited_phrases),
        "fallbacks": {reason.value: text for reason, text in settings.fallbacks.items()},
        "pinned_model": spec_to_json(settings.pinned_model),
        "daily_limit": settings.daily_limit,
        "monthly_limit": settings.monthly_limit,
        "updated_at": settings.updated_at,
    }


def settings_from_row(row: RowMapping) -> ai_settings.AiSettings:
    """The settings stored in an ``ai_settings`` row."""
    return ai_settings.AiSettings(
        tenant_id=ids.TenantId(row["tenant_id"]),
        ai_enabled=bool(row["ai_enabled"]),
        plan=model.AiPlan(row["plan"]),
        billing_anchor_day=row["billing_anchor_day"],
        confidence_threshold=row["confidence_threshold"],
        prohibited_phrases=tuple(row["prohibited_phrases"]),
        fallbacks={model.BlockReason(reason): text for reason, text in row["fallbacks"].items()},
        pinned_model=spec_from_json(row["pinned_model"]),
        daily_limit=row["daily_limit"],
        monthly_limit=row["monthly_limit"],
        updated_at=row["updated_at"],
    )


def record_to_row(record: model.UsageRecord) -> dict[str, Any]:
    """The ``ai_usage`` row of ``record``."""
    return {
        "id": record.id,
        "tenant_id": record.tenant_id,
        "at": record.at,
        "model": record.model,
        "tier": record.tier.value,
        "input_tokens": record.input_tokens,
        "output_tokens": record.output_tokens,
        "cost_micro": record.cost_micro,
        "currency": record.currency,
        "latency_ms": record.latency_ms,
        "reason": None if record.reason is None else record.reason.value,
        "conversation_id": record.conversation_id,
    }


def record_from_row(row: RowMapping) -> model.UsageRecord:
    """The usage record stored in an ``ai_usage`` row."""
    reason, conversation_id = row["reason"], row["conversation_id"]
    return model.UsageRecord(
        id=model.UsageRecordId(row["id"]),
        tenant_id=ids.TenantId(row["tenant_id"]),
        at=row["at"],
        model=row["model"],
        tier=model.AiTier(row["tier"]),
        input_tokens=int(row["input_tokens"]),
        output_tokens=int(row["output_tokens"]),
        cost_micro=int(row["cost_micro"]),
        currency=row["currency"],
        latency_ms=int(row["latency_ms"]),
        reason=None if reason is None else model.BlockReason(reason),
        conversation_id=None if conversation_id is None else ids.ConversationId(conversation_id),
    )


class SqlAiSettingsRepository:
    """The AI settings of one tenant: one row keyed by the tenant id."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    async def get(self) -> ai_settings.AiSettings | None:
        connection = await self._tx.connection()
        query = select(tables.ai_settings).where(tables.ai_settings.c.tenant_id == self._tenant_id)
        row = (await connection.execute(query)).mappings().first()
        return None if row is None else settings_from_row(row)

    async def save(self, settings: ai_settings.AiSettings) -> None:
        if settings.tenant_id != self._tenant_id:
            raise _wrong_tenant("settings")
        connection = await self._tx.connection()
        row = settings_to_row(settings)
        await statements.upsert(connection, tables.ai_settings, row, key="tenant_id")


def _newest_first(record: model.UsageRecord) -> tuple[str, str]:
    return (paging.time_key(record.at), record.id)


class SqlUsageLog:
    """The usage records of one tenant in ``ai_usage``, newest first."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    async def add(self, record: model.UsageRecord) -> None:
        if record.tenant_id != self._tenant_id:
            raise _wrong_tenant("usage")
        connection = await self._tx.connection()
        with statements.integrity_errors_as_conflicts("ai_usage", code="ai.usage_conflict"):
            await connection.execute(insert(tables.ai_usage).values(record_to_row(record)))

    async def page(
        self,
        request: pagination.PageRequest,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> pagination.Page[model.UsageRecord]:
        connection = await self._tx.connection()
        usage = tables.ai_usage
        id_column = paging.by_code_point(connection, usage.c.id)
        query = select(usage).where(usage.c.tenant_id == self._tenant_id)
        if since is not None:
            query = query.where(usage.c.at >= since)
        if until is not None:
            query = query.where(usage.c.at < until)
        if request.cursor is not None:
            after = paging.after(usage.c.at, id_column, request.cursor, descending=True)
            query = query.where(after)
        query = query.order_by(usage.c.at.desc(), id_column.desc()).limit(request.limit + 1)
        rows = (await connection.execute(query)).mappings().all()
        found = [record_from_row(row) for row in rows]
        return pagination.page_from_rows(found, request.limit, _newest_first)


if TYPE_CHECKING:
    _s: type[ports.AiSettingsRepository] = SqlAiSettingsRepository
    _u: type[ports.UsageLog] = SqlUsageLog
