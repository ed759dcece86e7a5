"""Use cases of the ai context: settings and usage as the tenant sees them."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

import attrs

from b2core.ai import commands, model, plans, ports, quotas
from b2core.ai import settings as ai_settings
from b2core.shared import audit, ids, pagination, time, uow


class AiTx(uow.Transaction, Protocol):
    """A tenant transaction of the ai context."""

    @property
    def ai_settings(self) -> ports.AiSettingsRepository: ...

    @property
    def usage(self) -> ports.UsageLog: ...

    @property
    def audit(self) -> audit.AuditLog: ...


class AiUoW(Protocol):
    """Opens ai transactions."""

    def tenant(self, tenant_id: ids.TenantId) -> AbstractAsyncContextManager[AiTx]: ...


@attrs.frozen
class GetAiSettingsHandler:
    """Stored settings, or the defaults every tenant starts with."""

    uow: AiUoW

    async def __call__(self, cmd: commands.GetAiSettings) -> ai_settings.AiSettings:
        async with self.uow.tenant(cmd.tenant_id) as tx:
            stored = await tx.ai_settings.get()
        return stored or ai_settings.AiSettings(tenant_id=cmd.tenant_id)


_EDITABLE = (
    "ai_enabled",
    "whatsapp_enabled",
    "confidence_threshold",
    "prohibited_phrases",
    "fallbacks",
)


@attrs.frozen
class UpdateAiSettingsHandler:
    """Switches, threshold, phrases and fallback texts; plan and limits belong to billing."""

    uow: AiUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.UpdateAiSettings) -> ai_settings.AiSettings:
        changes = {name: getattr(cmd, name) for name in _EDITABLE}
        changes = {name: value for name, value in changes.items() if value is not None}
        async with self.uow.tenant(cmd.tenant_id) as tx:
            current = await tx.ai_settings.get() or ai_settings.AiSettings(cmd.tenant_id)
            updated = attrs.evolve(current, updated_at=self.clock.now(), **changes)
            await tx.ai_settings.save(updated)
            await tx.audit.append(
                audit.record(
                    self.id_generator,
                    self.clock,
                    audit.Actor.user(cmd.user_id, cmd.role),
                    "ai.settings_updated",
                    tenant_id=cmd.tenant_id,
                    target=("ai_settings", cmd.tenant_id),
                    metadata={"changed": sorted(changes)},
                )
            )
            await tx.commit()
        return updated


@attrs.frozen
class WindowUsage:
    """Units used and allowed in one window, and when it ends."""

    used: int
    limit: int
    resets_at: datetime


@attrs.frozen
class AiUsage:
    """What ``GET /ai/usage`` shows."""

    plan: model.AiPlan
    tier: model.AiTier
    daily: WindowUsage
    monthly: WindowUsage
    recent: pagination.Page[model.UsageRecord]


@attrs.frozen
class GetAiUsageHandler:
    """Counters from the quota ledger, limits from the plan and the tenant's overrides."""

    uow: AiUoW
    ledger: ports.QuotaLedger
    plans: plans.PlanTable
    clock: time.Clock

    async def __call__(self, cmd: commands.GetAiUsage) -> AiUsage:
        async with self.uow.tenant(cmd.tenant_id) as tx:
            settings = await tx.ai_settings.get() or ai_settings.AiSettings(cmd.tenant_id)
            recent = await tx.usage.page(cmd.page)
        windows = quotas.QuotaWindows.at(self.clock.now(), settings.billing_anchor_day)
        used = await self.ledger.usage(cmd.tenant_id, windows)
        limits = plans.effective_limits(self.plans, settings.plan, settings)
        return AiUsage(
            plan=settings.plan,
            tier=plans.tier_for(settings.plan),
            daily=WindowUsage(used.daily, limits.daily, windows.daily.end),
            monthly=WindowUsage(used.monthly, limits.monthly, windows.monthly.end),
            recent=recent,
        )
