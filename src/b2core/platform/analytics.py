"""Analytics: the figures of the tenant dashboard and the platform, and the port that counts them.

Adapters count with aggregates (``COUNT``/``SUM ... GROUP BY`` on SQL), never by loading rows.
Statuses, plans, tiers and reasons travel as their stable string values: this context sits
below the ones that own those enums.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

import attrs

from b2core.shared import errors, ids, uow

#: The periods ``GET /analytics/ai-usage`` offers.
USAGE_PERIODS = (7, 30)
#: The plan of a tenant that never saved AI settings (the ai context's default plan).
DEFAULT_PLAN = "FREE"
#: How far back ``GET /admin/analytics`` sums AI usage unless asked otherwise.
DEFAULT_PLATFORM_DAYS = 30
MAX_PLATFORM_DAYS = 366


@attrs.frozen
class ConversationTotals:
    """A tenant's conversations by status, messages by direction and who answered."""

    conversations_by_status: Mapping[str, int]
    messages_in: int
    messages_out: int
    ai_messages_out: int
    human_messages_out: int


@attrs.frozen
class AiOutcomes:
    """AI decisions from the usage log: replies, handoffs, and handoffs by reason."""

    replies: int
    handoffs: int
    handoffs_by_reason: Mapping[str, int]


@attrs.frozen
class TenantTotals:
    """Everything the tenant dashboard counts in the database."""

    conversations: ConversationTotals
    ai: AiOutcomes
    orders_by_status: Mapping[str, int]


@attrs.frozen
class DayUsage:
    """AI usage of one UTC day."""

    day: date
    requests: int = 0
    blocked: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_micro: int = 0


@attrs.frozen
class TierUsage:
    """AI usage of one tier in one currency over the platform report's period."""

    tier: str
    currency: str
    requests: int
    input_tokens: int
    output_tokens: int
    cost_micro: int


@attrs.frozen
class PlatformTotals:
    """The super admin's figures: tenants, AI usage by tier and cost, blocks by reason."""

    since: datetime
    tenants_by_status: Mapping[str, int]
    tenants_by_plan: Mapping[str, int]
    ai_usage_by_tier: Sequence[TierUsage]
    blocked_by_reason: Mapping[str, int]


class AnalyticsReader(Protocol):
    """Aggregates over stored rows; tenant-bound in a tenant transaction."""

    async def tenant_totals(self) -> TenantTotals:
        """The bound tenant's dashboard figures."""
        ...

    async def usage_by_day(self, since: datetime, until: datetime) -> Sequence[DayUsage]:
        """The bound tenant's AI usage per UTC day in ``[since, until)``; days without use
        may be missing (:func:`zero_filled` adds them)."""
        ...

    async def platform_totals(self, since: datetime) -> PlatformTotals:
        """Every tenant's figures (platform transactions only); AI usage from ``since``.

        A tenant without AI settings counts under :data:`DEFAULT_PLAN`.
        """
        ...


class AnalyticsTx(uow.Transaction, Protocol):
    """A transaction that can count."""

    @property
    def analytics(self) -> AnalyticsReader: ...


class AnalyticsUoW(Protocol):
    """Tenant-bound or platform transactions for analytics."""

    def tenant(self, tenant_id: ids.TenantId) -> AbstractAsyncContextManager[AnalyticsTx]: ...

    def platform(self) -> AbstractAsyncContextManager[AnalyticsTx]: ...


@attrs.frozen
class GetTenantDashboard:
    """The tenant dashboard's database figures."""

    tenant_id: ids.TenantId


def _usage_days(_: object, __: attrs.Attribute[int], value: int) -> None:
    if value not in USAGE_PERIODS:
        raise errors.InvalidInput("days must be 7 or 30", code="analytics.bad_days")


def _platform_days(_: object, __: attrs.Attribute[int], value: int) -> None:
    if not 1 <= value <= MAX_PLATFORM_DAYS:
        raise errors.InvalidInput(
            f"days must be between 1 and {MAX_PLATFORM_DAYS}", code="analytics.bad_days"
        )


@attrs.frozen
class GetAiUsageSeries:
    """AI usage per day for the last ``days`` UTC days, today included."""

    tenant_id: ids.TenantId
    days: int = attrs.field(default=7, validator=_usage_days)


@attrs.frozen
class GetPlatformAnalytics:
    """The platform report, AI usage summed over the last ``days`` days."""

    days: int = attrs.field(default=DEFAULT_PLATFORM_DAYS, validator=_platform_days)


def day_window(today: date, days: int) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC covering ``days`` whole days that end with ``today``."""
    start = datetime.combine(today - timedelta(days=days - 1), time(), tzinfo=UTC)
    return start, datetime.combine(today + timedelta(days=1), time(), tzinfo=UTC)


def zero_filled(rows: Sequence[DayUsage], today: date, days: int) -> list[DayUsage]:
    """Exactly ``days`` entries, oldest first, ending with ``today``; missing days are zeros.

    Rows outside the window are dropped; two rows of the same day are summed.
    """
    first = today - timedelta(days=days - 1)
    by_day = {first + timedelta(days=n): DayUsage(first + timedelta(days=n)) for n in range(days)}
    for row in rows:
        seen = by_day.get(row.day)
        if seen is not None:
            by_day[row.day] = DayUsage(
                row.day,
                seen.requests + row.requests,
                seen.blocked + row.blocked,
                seen.input_tokens + row.input_tokens,
                seen.output_tokens + row.output_tokens,
                seen.cost_micro + row.cost_micro,
            )
    return [by_day[day] for day in sorted(by_day)]
