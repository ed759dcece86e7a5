"""Where billing meets the AI context: entitlements into AI settings, usage out of the ledger.

Backend-neutral: both work over the AI context's own ports (its settings repository inside
the billing transaction, its :class:`QuotaLedger`), so the memory and SQL units of work share
them. Billing's plan and tier are plain strings (``b2core.billing.tiers``); here they become
``AiPlan`` again.

* :class:`StoredEntitlements` writes the AI plan and limits into the tenant's ``AiSettings``
  inside the current transaction. A ``UsageCountersReset`` is handed to ``on_reset``, which
  the billing unit of work of the app runs after the commit (the counters live in Redis or in
  process memory, outside the database transaction).
* :func:`reset_counters` zeroes the tenant's current daily and monthly counters through the
  ledger's own port: a refund of as many units as the larger counter (refunds never take a
  counter below zero).
* :class:`LedgerUsageMeter` reads usage and effective limits as ``GET /ai/usage`` does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from b2core.ai import model as ai_model
from b2core.ai import plans as ai_plans
from b2core.ai import ports as ai_ports
from b2core.ai import quotas
from b2core.ai import settings as ai_settings
from b2core.billing import events, status
from b2core.shared import errors, ids

if TYPE_CHECKING:
    from b2core.billing import ports

#: Told of a ``UsageCountersReset``: the tenant and its billing anchor day (the monthly
#: window's start), read inside the transaction so that the reset needs none of its own.
OnReset = Callable[[ids.TenantId, int | None], None]


class _SettingsRepository(Protocol):
    async def get(self) -> ai_settings.AiSettings | None: ...

    async def save(self, settings: ai_settings.AiSettings) -> None: ...


def settings_after(
    current: ai_settings.AiSettings, effect: events.Effect
) -> ai_settings.AiSettings:
    """The tenant's AI settings once ``effect`` is applied (a reset changes none)."""
    if isinstance(effect, events.EntitlementGranted):
        return attrs.evolve(
            current,
            plan=ai_model.AiPlan(effect.ai_plan),
            daily_limit=effect.daily_limit,
            monthly_limit=effect.monthly_limit,
            updated_at=effect.at,
        )
    if isinstance(effect, events.DowngradedToFree):
        # FREE carries no limits of its own: the AI context's FREE defaults apply again.
        return attrs.evolve(
            current,
            plan=ai_model.AiPlan(effect.ai_plan),
            daily_limit=None,
            monthly_limit=None,
            updated_at=effect.at,
        )
    return current


class StoredEntitlements:
    """The ``TenantEntitlements`` port over the tenant's AI settings in this transaction."""

    def __init__(
        self,
        settings: _SettingsRepository,
        tenant_id: ids.TenantId,
        on_reset: OnReset | None = None,
    ) -> None:
        self._settings = settings
        self._tenant_id = tenant_id
        self._on_reset = on_reset

    async def apply(self, effects: Sequence[events.Effect]) -> None:
        if any(effect.tenant_id != self._tenant_id for effect in effects):
            raise errors.Forbidden(
                "an effect names another tenant", code="billing.effect_wrong_tenant"
            )
        stored = await self._settings.get()
        current = stored or ai_settings.AiSettings(self._tenant_id)
        changed = current
        for effect in effects:
            changed = settings_after(changed, effect)
            if isinstance(effect, events.UsageCountersReset) and self._on_reset is not None:
                self._on_reset(effect.tenant_id, changed.billing_anchor_day)
        if changed != current:
            await self._settings.save(changed)


async def reset_counters(
    ledger: ai_ports.QuotaLedger, tenant_id: ids.TenantId, windows: quotas.QuotaWindows
) -> None:
    """Bring the tenant's counters of ``windows`` to zero through the ledger's port."""
    used = await ledger.usage(tenant_id, windows)
    units = max(used.daily, used.monthly)
    if units > 0:
        reservation = quotas.Reservation(f"reset-{uuid.uuid4().hex}", tenant_id, windows, units)
        await ledger.refund(reservation)


@attrs.frozen
class LedgerUsageMeter:
    """The ``UsageMeter`` port: the ledger's counters against the tenant's effective limits."""

    uow: Any  # opens tenant transactions with ``ai_settings`` (the AI context's UoW)
    ledger: ai_ports.QuotaLedger
    plan_table: Callable[[], ai_plans.PlanTable]

    async def settings(self, tenant_id: ids.TenantId) -> ai_settings.AiSettings:
        """The tenant's AI settings, or the defaults before it has any."""
        async with self.uow.tenant(tenant_id) as tx:
            found: ai_settings.AiSettings | None = await tx.ai_settings.get()
        return found or ai_settings.AiSettings(tenant_id)

    async def usage(self, tenant_id: ids.TenantId, at: datetime) -> status.Usage:
        settings = await self.settings(tenant_id)
        windows = quotas.QuotaWindows.at(at, settings.billing_anchor_day)
        used = await self.ledger.usage(tenant_id, windows)
        limits = ai_plans.effective_limits(self.plan_table(), settings.plan, settings)
        return status.Usage(used.daily, limits.daily, used.monthly, limits.monthly)


if TYPE_CHECKING:
    _entitlements: type[ports.TenantEntitlements] = StoredEntitlements
    _meter: type[ports.UsageMeter] = LedgerUsageMeter
