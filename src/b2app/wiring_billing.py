"""Composition of billing: its unit of work, the usage meter, and the counter resets.

Part of the composition root (``b2app.bootstrap`` calls it). The unit of work chosen by the
database wiring stores billing (memory or SQL). The app wraps it so that a purchase's
``UsageCountersReset`` reaches the AI quota ledger (Redis or process memory, whichever the
pipeline wiring chose) right after the transaction that decided it commits: a transaction that
rolls back resets nothing. The Stripe gateway (``BillingGateway``) is registered elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from b2adapters import billing_ai
from b2core.ai import plans as ai_plans
from b2core.ai import ports as ai_ports
from b2core.ai import quotas
from b2core.billing import ports
from b2core.iam import ports as iam_ports
from b2core.shared import ids, time

if TYPE_CHECKING:
    from b2app.bootstrap import Wiring

_log = logging.getLogger(__name__)


class _ResettingTx:
    """A billing transaction whose counter resets run after its commit."""

    def __init__(self, inner: Any, owner: ResettingBillingUoW) -> None:
        self._inner = inner
        self._owner = owner
        self._resets: list[tuple[ids.TenantId, int | None]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    @property
    def entitlements(self) -> billing_ai.StoredEntitlements:
        return billing_ai.StoredEntitlements(
            self._inner.ai_settings,
            self._inner.tenant_id,
            lambda tenant_id, anchor: self._resets.append((tenant_id, anchor)),
        )

    async def commit(self) -> None:
        await self._inner.commit()
        resets, self._resets = self._resets, []
        for tenant_id, anchor in dict(resets).items():
            await self._owner.reset(tenant_id, anchor)

    async def rollback(self) -> None:
        self._resets = []
        await self._inner.rollback()


class ResettingBillingUoW:
    """The ``BillingUoW`` of the app: the database's UoW plus post-commit counter resets.

    The resets touch only the quota ledger (never the database), so they run while the
    committed transaction is still open without waiting on it.
    """

    def __init__(self, inner: Any, ledger: ai_ports.QuotaLedger, clock: time.Clock) -> None:
        self.inner = inner
        self.ledger = ledger
        self.clock = clock

    @asynccontextmanager
    async def tenant(self, tenant_id: ids.TenantId) -> AsyncIterator[Any]:
        async with self.inner.tenant(tenant_id) as tx:
            yield _ResettingTx(tx, self)

    def platform(self) -> Any:
        return self.inner.platform()

    async def reset(self, tenant_id: ids.TenantId, anchor_day: int | None) -> None:
        """Zero the tenant's current AI counters. A failure is logged, never raised: the
        purchase is committed, and the counters then simply keep counting."""
        try:
            windows = quotas.QuotaWindows.at(self.clock.now(), anchor_day)
            await billing_ai.reset_counters(self.ledger, tenant_id, windows)
        except Exception:
            _log.exception("resetting the AI usage counters of tenant %s failed", tenant_id)


def register(wiring: Wiring) -> None:
    """Register the billing unit of work and the usage meter."""
    container = wiring.container

    def resolve(key: Any) -> Any:
        return container.resolve(key)

    wiring.singleton(
        ports.BillingUoW,
        lambda: ResettingBillingUoW(
            resolve(iam_ports.IamUoW), resolve(ai_ports.QuotaLedger), _LateClock(container)
        ),
    )
    wiring.singleton(
        ports.UsageMeter,
        lambda: billing_ai.LedgerUsageMeter(
            resolve(iam_ports.IamUoW),
            resolve(ai_ports.QuotaLedger),
            lambda: resolve(ai_plans.PlanTable),
        ),
    )


class _LateClock:
    """Reads the container's clock at each call, so that test overrides apply."""

    def __init__(self, container: Any) -> None:
        self._container = container

    def now(self) -> datetime:
        clock: time.Clock = self._container.resolve(time.Clock)
        return clock.now()
