"""InMemoryAnalytics: the analytics figures counted over the in-memory store's tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from b2core.platform import analytics
from b2core.shared import ids


class _Tx(Protocol):
    def table(self, name: str) -> dict[Any, Any]: ...


def _counts(values: Iterable[object]) -> dict[str, int]:
    return dict(Counter(str(value) for value in values))


class InMemoryAnalytics:
    """Counts the rows of one tenant (``tenant_id`` set) or of every tenant (platform)."""

    def __init__(self, tx: _Tx, tenant_id: ids.TenantId | None) -> None:
        self._tx = tx
        self._tenant_id = tenant_id

    def _rows(self, table: str) -> list[Any]:
        rows = list(self._tx.table(table).values())
        if self._tenant_id is None:
            return rows
        return [row for row in rows if row.tenant_id == self._tenant_id]

    def _tenant_only(self) -> None:
        if self._tenant_id is None:
            raise RuntimeError("tenant analytics used in a platform transaction")

    async def tenant_totals(self) -> analytics.TenantTotals:
        self._tenant_only()
        messages = self._rows("messages")
        outbound = [m for m in messages if m.direction.value == "OUTBOUND"]
        usage = self._rows("ai_usage")
        blocked = [r.reason.value for r in usage if r.reason is not None]
        return analytics.TenantTotals(
            conversations=analytics.ConversationTotals(
                conversations_by_status=_counts(
                    c.status.value for c in self._rows("conversations")
                ),
                messages_in=len(messages) - len(outbound),
                messages_out=len(outbound),
                ai_messages_out=sum(1 for m in outbound if m.from_ai),
                human_messages_out=sum(1 for m in outbound if m.sender_user_id is not None),
            ),
            ai=analytics.AiOutcomes(
                replies=len(usage) - len(blocked),
                handoffs=len(blocked),
                handoffs_by_reason=_counts(blocked),
            ),
            orders_by_status=_counts(o.status.value for o in self._rows("orders")),
        )

    async def usage_by_day(self, since: datetime, until: datetime) -> Sequence[analytics.DayUsage]:
        self._tenant_only()
        days: dict[date, analytics.DayUsage] = {}
        for r in self._rows("ai_usage"):
            if not since <= r.at < until:
                continue
            day = r.at.date()
            seen = days.get(day, analytics.DayUsage(day))
            days[day] = analytics.DayUsage(
                day,
                seen.requests + 1,
                seen.blocked + (r.reason is not None),
                seen.input_tokens + r.input_tokens,
                seen.output_tokens + r.output_tokens,
                seen.cost_micro + r.cost_micro,
            )
        return [days[day] for day in sorted(days)]

    async def platform_totals(self, since: datetime) -> analytics.PlatformTotals:
        if self._tenant_id is not None:
            raise RuntimeError("platform analytics used in a tenant transaction")
        tenants = self._rows("tenants")
        plans = self._tx.table("ai_settings")
        usage = [r for r in self._rows("ai_usage") if r.at >= since]
        tiers: dict[tuple[str, str], list[int]] = {}
        for r in usage:
            sums = tiers.setdefault((r.tier.value, r.currency), [0, 0, 0, 0])
            for n, amount in enumerate((1, r.input_tokens, r.output_tokens, r.cost_micro)):
                sums[n] += amount
        return analytics.PlatformTotals(
            since=since,
            tenants_by_status=_counts(t.status.value for t in tenants),
            tenants_by_plan=_counts(
                plans[t.id].plan.value if t.id in plans else analytics.DEFAULT_PLAN for t in tenants
            ),
            ai_usage_by_tier=[
                analytics.TierUsage(tier, currency, *sums)
                for (tier, currency), sums in sorted(tiers.items())
            ],
            blocked_by_reason=_counts(r.reason.value for r in usage if r.reason is not None),
        )
