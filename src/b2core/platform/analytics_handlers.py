"""Analytics use cases: the tenant dashboard, AI usage per day, the platform report."""

from __future__ import annotations

from datetime import timedelta

import attrs

from b2core.platform import analytics
from b2core.shared import time


@attrs.frozen
class GetTenantDashboardHandler:
    """Counts of the caller's tenant (usage against limits comes from the ai context)."""

    uow: analytics.AnalyticsUoW

    async def __call__(self, cmd: analytics.GetTenantDashboard) -> analytics.TenantTotals:
        async with self.uow.tenant(cmd.tenant_id) as tx:
            return await tx.analytics.tenant_totals()


@attrs.frozen
class GetAiUsageSeriesHandler:
    """One entry per day of the period, zero-filled, oldest first."""

    uow: analytics.AnalyticsUoW
    clock: time.Clock

    async def __call__(self, cmd: analytics.GetAiUsageSeries) -> list[analytics.DayUsage]:
        today = self.clock.now().date()
        since, until = analytics.day_window(today, cmd.days)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            rows = await tx.analytics.usage_by_day(since, until)
        return analytics.zero_filled(rows, today, cmd.days)


@attrs.frozen
class GetPlatformAnalyticsHandler:
    """Every tenant's figures, for super admins."""

    uow: analytics.AnalyticsUoW
    clock: time.Clock

    async def __call__(self, cmd: analytics.GetPlatformAnalytics) -> analytics.PlatformTotals:
        since = self.clock.now() - timedelta(days=cmd.days)
        async with self.uow.platform() as tx:
            return await tx.analytics.platform_totals(since)
