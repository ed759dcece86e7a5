"""The tenant's AI: ``GET/PATCH /ai/settings`` and ``GET /ai/usage``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
from litestar import Controller, get, patch
from litestar.di import NamedDependency

from b2app.http import auth, codec, pagination
from b2app.http.controllers import bodies
from b2core.ai import commands
from b2core.ai import handlers as ai_handlers
from b2core.ai import model as ai_model
from b2core.ai import settings as ai_settings
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.shared import errors, ids
from b2core.shared import pagination as core_pagination


@attrs.frozen
class AiSettings:
    """What the tenant's AI does: switches, threshold, prohibited phrases, fallback texts."""

    ai_enabled: bool
    whatsapp_enabled: bool
    confidence_threshold: int
    prohibited_phrases: list[str]
    fallbacks: dict[str, str]
    plan: ai_model.AiPlan
    daily_limit: int | None
    monthly_limit: int | None

    @classmethod
    def of(cls, s: ai_settings.AiSettings) -> AiSettings:
        """The public view of ``s``."""
        fallbacks = {reason.value: text for reason, text in s.fallbacks.items()}
        return cls(
            s.ai_enabled, s.whatsapp_enabled, s.confidence_threshold,
            list(s.prohibited_phrases), fallbacks, s.plan, s.daily_limit, s.monthly_limit,
        )  # fmt: skip


@attrs.frozen
class AiSettingsUpdate:
    """Fields to change; leave one out to keep it."""

    ai_enabled: bool | None = None
    whatsapp_enabled: bool | None = None
    confidence_threshold: int | None = None
    prohibited_phrases: list[str] | None = None
    fallbacks: dict[str, str] | None = None


@attrs.frozen
class WindowUsage:
    """Replies used and allowed in one window, and when it starts afresh."""

    used: int
    limit: int
    resets_at: datetime


@attrs.frozen
class UsageRecord:
    """One AI call or refusal."""

    at: datetime
    model: str
    tier: ai_model.AiTier
    input_tokens: int
    output_tokens: int
    cost_micro: int
    currency: str
    latency_ms: int
    blocked: bool
    reason: str | None


@attrs.frozen
class AiUsage:
    """Usage against the plan's limits, and the latest records (paginated)."""

    plan: ai_model.AiPlan
    tier: ai_model.AiTier
    daily: WindowUsage
    monthly: WindowUsage
    items: list[UsageRecord]
    next_cursor: str | None


def _tenant(principal: tokens.Principal) -> ids.TenantId:
    if principal.tenant_id is None:  # the guard refuses platform users first
        raise errors.Forbidden("this action needs a tenant account", code="auth.tenant_required")
    return principal.tenant_id


def _reasons(raw: dict[str, str]) -> dict[ai_model.BlockReason, str]:
    try:
        return {ai_model.BlockReason(key): text for key, text in raw.items()}
    except ValueError as exc:
        known = ", ".join(r.value for r in ai_model.BlockReason)
        raise errors.InvalidInput(
            f"fallbacks: unknown reason (known: {known})", code="ai.bad_fallbacks"
        ) from exc


def _usage(found: ai_handlers.AiUsage) -> AiUsage:
    records = [
        UsageRecord(
            r.at,
            r.model,
            r.tier,
            r.input_tokens,
            r.output_tokens,
            r.cost_micro,
            r.currency,
            r.latency_ms,
            r.blocked,
            r.reason.value if r.reason else None,
        )
        for r in found.recent.items
    ]
    daily, monthly = (
        WindowUsage(w.used, w.limit, w.resets_at) for w in (found.daily, found.monthly)
    )
    return AiUsage(found.plan, found.tier, daily, monthly, records, found.recent.next_cursor)


class AiController(Controller):
    """Governance of the tenant's AI replies."""

    path = "/ai"
    tags = ["ai"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/settings",
        **auth.guarded(permissions.Action.AI_SETTINGS_MANAGE),
        **bodies.answers(200, AiSettings, "the settings", (401, 403)),
    )
    async def read_settings(
        self, bus: NamedDependency[MessageBus], principal: NamedDependency[tokens.Principal]
    ) -> dict[str, Any]:
        """Your AI settings (the defaults until you change them)."""
        found = await bus.handle(commands.GetAiSettings(_tenant(principal)))
        return bodies.dump(AiSettings.of(found))

    @patch(
        "/settings",
        **auth.guarded(permissions.Action.AI_SETTINGS_MANAGE),
        **bodies.answers(200, AiSettings, "changed", (400, 401, 403, 422)),
    )
    async def change_settings(
        self,
        data: bodies.Json[AiSettingsUpdate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Turn the AI or WhatsApp off or on, set the threshold, phrases and fallback texts."""
        form = codec.structure(data, AiSettingsUpdate)
        command = commands.UpdateAiSettings(
            _tenant(principal), principal.user_id, principal.role.value,
            ai_enabled=form.ai_enabled, whatsapp_enabled=form.whatsapp_enabled,
            confidence_threshold=form.confidence_threshold,
            prohibited_phrases=None if form.prohibited_phrases is None
            else tuple(form.prohibited_phrases),
            fallbacks=None if form.fallbacks is None else _reasons(form.fallbacks),
        )  # fmt: skip
        return bodies.dump(AiSettings.of(await bus.handle(command)))

    @get(
        "/usage",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(permissions.Action.AI_USAGE_READ),
        **bodies.answers(200, AiUsage, "usage", (401, 403, 422)),
    )
    async def usage(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
    ) -> dict[str, Any]:
        """Replies used today and this billing month against your plan, and the usage log."""
        found = await bus.handle(commands.GetAiUsage(_tenant(principal), page))
        return bodies.dump(_usage(found))
