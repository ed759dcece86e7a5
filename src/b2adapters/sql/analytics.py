"""SqlAnalytics: the analytics figures as COUNT/SUM ... GROUP BY statements, no rows loaded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from b2adapters.sql.schema import ai, orders, tenants
from b2adapters.sql.schema import conversations as conversation_tables
from b2core.platform import analytics
from b2core.shared import ids

_conversations = conversation_tables.conversations
_messages = conversation_tables.messages


class _Tx(Protocol):
    async def connection(self) -> AsyncConnection: ...


def _day(column: Any, dialect: str) -> ColumnElement[Any]:
    """The UTC calendar day of a ``UtcDateTime`` column, on either database."""
    if dialect == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)  # SQLite stores the UTC wall time


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _int(value: object) -> int:
    return 0 if value is None else int(str(value))


async def _grouped(connection: AsyncConnection, column: Any, *where: Any) -> dict[str, int]:
    rows = await connection.execute(select(column, func.count()).where(*where).group_by(column))
    return {str(key): int(count) for key, count in rows}


class SqlAnalytics:
    """Counts one tenant's rows (``tenant_id`` set) or the platform's (None)."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId | None) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    def _tenant(self) -> ids.TenantId:
        if self._tenant_id is None:
            raise RuntimeError("tenant analytics used in a platform transaction")
        return self._tenant_id

    async def tenant_totals(self) -> analytics.TenantTotals:
        tenant_id = self._tenant()
        connection = await self._tx.connection()
        conversations = await _grouped(
            connection, _conversations.c.status, _conversations.c.tenant_id == tenant_id
        )
        outbound = _messages.c.direction == "OUTBOUND"
        counts = (
            await connection.execute(
                select(
                    func.count(),
                    func.sum(case((outbound, 1), else_=0)),
                    func.sum(case((and_(outbound, _messages.c.from_ai), 1), else_=0)),
                    func.sum(
                        case((and_(outbound, _messages.c.sender_user_id.is_not(None)), 1), else_=0)
                    ),
                ).where(_messages.c.tenant_id == tenant_id)
            )
        ).one()
        total, out, ai_out, human_out = (_int(v) for v in counts)
        reasons = await _grouped(
            connection, ai.ai_usage.c.reason, ai.ai_usage.c.tenant_id == tenant_id
        )
        replies = reasons.pop("None", 0)
        return analytics.TenantTotals(
            conversations=analytics.ConversationTotals(
                conversations_by_status=conversations,
                messages_in=total - out,
                messages_out=out,
                ai_messages_out=ai_out,
                human_messages_out=human_out,
            ),
            ai=analytics.AiOutcomes(
                replies=replies, handoffs=sum(reasons.values()), handoffs_by_reason=reasons
            ),
            orders_by_status=await _grouped(
                connection, orders.orders.c.status, orders.orders.c.tenant_id == tenant_id
            ),
        )

    async def usage_by_day(self, since: datetime, until: datetime) -> Sequence[analytics.DayUsage]:
        tenant_id = self._tenant()
        connection = await self._tx.connection()
        usage = ai.ai_usage.c
        day = _day(usage.at, connection.dialect.name).label("day")
        rows = await connection.execute(
            select(
                day,
                func.count(),
                func.sum(case((usage.reason.is_not(None), 1), else_=0)),
                func.sum(usage.input_tokens),
                func.sum(usage.output_tokens),
                func.sum(usage.cost_micro),
            )
            .where(usage.tenant_id == tenant_id, usage.at >= since, usage.at < until)
            .group_by(day)
            .order_by(day)
        )
        return [analytics.DayUsage(_as_date(row[0]), *(_int(v) for v in row[1:])) for row in rows]

    async def platform_totals(self, since: datetime) -> analytics.PlatformTotals:
        if self._tenant_id is not None:
            raise RuntimeError("platform analytics used in a tenant transaction")
        connection = await self._tx.connection()
        t, settings, usage = tenants.tenants.c, ai.ai_settings.c, ai.ai_usage.c
        plan = func.coalesce(settings.plan, analytics.DEFAULT_PLAN).label("plan")
        by_plan = await connection.execute(
            select(plan, func.count())
            .select_from(tenants.tenants.outerjoin(ai.ai_settings, settings.tenant_id == t.id))
            .group_by(plan)
        )
        tiers = await connection.execute(
            select(
                usage.tier,
                usage.currency,
                func.count(),
                func.sum(usage.input_tokens),
                func.sum(usage.output_tokens),
                func.sum(usage.cost_micro),
            )
            .where(usage.at >= since)
            .group_by(usage.tier, usage.currency)
            .order_by(usage.tier, usage.currency)
        )
        return analytics.PlatformTotals(
            since=since,
            tenants_by_status=await _grouped(connection, t.status),
            tenants_by_plan={str(key): int(count) for key, count in by_plan},
            ai_usage_by_tier=[
                analytics.TierUsage(str(row[0]), str(row[1]), *(_int(v) for v in row[2:]))
                for row in tiers
            ],
            blocked_by_reason=await _grouped(
                connection, usage.reason, usage.at >= since, usage.reason.is_not(None)
            ),
        )
