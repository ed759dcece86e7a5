"""Analytics: the tenant dashboard, AI usage per day, and the super admin's platform figures."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

import attrs
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from b2app.http import auth
from b2app.http.controllers import bodies
from b2core.ai import commands as ai_commands
from b2core.ai import handlers as ai_handlers
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.platform import analytics
from b2core.shared import errors, ids, pagination

_DAYS = re.compile(r"^[0-9]{1,3}$")


@attrs.frozen
class Window:
    """AI replies used and allowed in one quota window."""

    used: int
    limit: int
    resets_at: datetime


@attrs.frozen
class UsageVsLimits:
    """The plan, its AI tier, and today's and this billing month's use against the limits."""

    plan: str
    tier: str
    daily: Window
    monthly: Window


@attrs.frozen
class Dashboard:
    """The tenant dashboard: conversations, messages, AI replies vs handoffs, orders, usage."""

    conversations_by_status: dict[str, int]
    conversations_total: int
    messages_in: int
    messages_out: int
    ai_messages_out: int
    human_messages_out: int
    ai_replies: int
    handoffs: int
    handoffs_by_reason: dict[str, int]
    orders_by_status: dict[str, int]
    orders_total: int
    usage: UsageVsLimits


@attrs.frozen
class DayUsage:
    """AI usage of one UTC day."""

    day: date
    requests: int
    blocked: int
    input_tokens: int
    output_tokens: int
    cost_micro: int


@attrs.frozen
class AiUsageSeries:
    """One entry per day of the period, oldest first, days without use as zeros."""

    days: int
    items: list[DayUsage]
    next_cursor: str | None = None


@attrs.frozen
class TierUsage:
    """AI usage of one tier, in one currency."""

    tier: str
    currency: str
    requests: int
    input_tokens: int
    output_tokens: int
    cost_micro: int


@attrs.frozen
class PlatformAnalytics:
    """Tenants by status and plan; AI usage by tier and blocks by reason since ``since``."""

    since: datetime
    tenants_by_status: dict[str, int]
    tenants_by_plan: dict[str, int]
    ai_usage_by_tier: list[TierUsage]
    blocked_by_reason: dict[str, int]


def _tenant(principal: tokens.Principal) -> ids.TenantId:
    if principal.tenant_id is None:  # the guard refuses platform users first
        raise errors.Forbidden("this action needs a tenant account", code="auth.tenant_required")
    return principal.tenant_id


def parse_days(raw: str | None, default: int) -> int:
    """A ``days`` query value as an integer (range checks are the command's)."""
    if not raw:
        return default
    if not _DAYS.match(raw):
        raise errors.InvalidInput("days must be a whole number", code="analytics.bad_days")
    return int(raw)


def _window(window: ai_handlers.WindowUsage) -> Window:
    return Window(window.used, window.limit, window.resets_at)


def _dashboard(totals: analytics.TenantTotals, usage: ai_handlers.AiUsage) -> Dashboard:
    talk = totals.conversations
    return Dashboard(
        conversations_by_status=dict(talk.conversations_by_status),
        conversations_total=sum(talk.conversations_by_status.values()),
        messages_in=talk.messages_in,
        messages_out=talk.messages_out,
        ai_messages_out=talk.ai_messages_out,
        human_messages_out=talk.human_messages_out,
        ai_replies=totals.ai.replies,
        handoffs=totals.ai.handoffs,
        handoffs_by_reason=dict(totals.ai.handoffs_by_reason),
        orders_by_status=dict(totals.orders_by_status),
        orders_total=sum(totals.orders_by_status.values()),
        usage=UsageVsLimits(
            usage.plan.value, usage.tier.value, _window(usage.daily), _window(usage.monthly)
        ),
    )


class AnalyticsController(Controller):
    """The tenant's figures, counted by the database."""

    path = "/analytics"
    tags = ["analytics"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/dashboard",
        **auth.guarded(permissions.Action.ANALYTICS_READ),
        **bodies.answers(200, Dashboard, "the dashboard", (401, 403)),
    )
    async def dashboard(
        self, bus: NamedDependency[MessageBus], principal: NamedDependency[tokens.Principal]
    ) -> dict[str, Any]:
        """Conversations, messages, AI replies vs handoffs, orders by status, usage vs limits."""
        tenant_id = _tenant(principal)
        totals = await bus.handle(analytics.GetTenantDashboard(tenant_id))
        usage = await bus.handle(ai_commands.GetAiUsage(tenant_id, pagination.PageRequest(limit=1)))
        return bodies.dump(_dashboard(totals, usage))

    @get(
        "/ai-usage",
        **auth.guarded(permissions.Action.ANALYTICS_READ),
        **bodies.answers(200, AiUsageSeries, "usage per day", (401, 403, 422)),
    )
    async def ai_usage(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        days: Annotated[str | None, QueryParameter(description="7 (default) or 30.")] = None,
    ) -> dict[str, Any]:
        """AI requests, blocks, tokens and cost per UTC day of the last 7 or 30 days."""
        command = analytics.GetAiUsageSeries(_tenant(principal), parse_days(days, 7))
        found: list[analytics.DayUsage] = await bus.handle(command)
        items = [DayUsage(**attrs.asdict(day)) for day in found]
        return bodies.dump(AiUsageSeries(command.days, items))


class AdminAnalyticsController(Controller):
    """Platform figures for super admins."""

    path = "/admin/analytics"
    tags = ["admin"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        **auth.guarded(permissions.Action.ADMIN_ANALYTICS),
        **bodies.answers(200, PlatformAnalytics, "platform figures", (401, 403, 422)),
    )
    async def platform(
        self,
        bus: NamedDependency[MessageBus],
        days: Annotated[
            str | None, QueryParameter(description="Days of AI usage to sum, 1-366 (default 30).")
        ] = None,
    ) -> dict[str, Any]:
        """Tenants by status and plan, AI usage by tier and cost, blocked requests by reason."""
        command = analytics.GetPlatformAnalytics(parse_days(days, analytics.DEFAULT_PLATFORM_DAYS))
        found: analytics.PlatformTotals = await bus.handle(command)
        return bodies.dump(
            PlatformAnalytics(
                since=found.since,
                tenants_by_status=dict(found.tenants_by_status),
                tenants_by_plan=dict(found.tenants_by_plan),
                ai_usage_by_tier=[TierUsage(**attrs.asdict(t)) for t in found.ai_usage_by_tier],
                blocked_by_reason=dict(found.blocked_by_reason),
            )
        )
