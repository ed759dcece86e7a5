"""Ports of the ai context: the quota ledger, the rate limiter and the usage log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from b2core.ai import limits, model, quotas
from b2core.shared import ids, pagination


class QuotaLedger(Protocol):
    """Counts AI replies per tenant in daily and monthly windows, atomically.

    Counters are keyed by tenant and :attr:`quotas.Window.id` and expire when their window
    ends, so a crash can never leave a counter that outlives its window. Whatever the number of
    concurrent callers and processes, exactly ``min(N, remaining)`` reservations succeed.
    """

    async def reserve(
        self, tenant_id: ids.TenantId, windows: quotas.QuotaWindows, limits: quotas.QuotaLimits
    ) -> quotas.Reservation | model.BlockReason:
        """Reserve one unit in both windows, or none, as :func:`quotas.decide_reservation` says.

        Returns the reservation (with a fresh unique id) or the refusal reason, DAILY_LIMIT or
        MONTHLY_LIMIT; usage is unchanged on refusal.
        """
        ...

    async def refund(self, reservation: quotas.Reservation) -> bool:
        """Give back exactly what ``reservation`` took, in its own windows.

        Idempotent: True the first time, False (and no change) for every later call. A counter
        never goes below zero.
        """
        ...

    async def usage(
        self, tenant_id: ids.TenantId, windows: quotas.QuotaWindows
    ) -> quotas.QuotaUsage:
        """Units currently counted in the two windows (0 for a window never used)."""
        ...


class RateLimiter(Protocol):
    """Sliding-window-log limiter mirroring :func:`limits.sliding_window_allows`.

    One atomic step per hit; only allowed hits are recorded; each key expires ``rule.window``
    after its last write, so no one is ever locked out for longer than that.
    """

    async def hit(self, key: str, rule: limits.RateRule) -> tuple[bool, timedelta]:
        """Count a hit on ``key`` now: (allowed, retry_after), retry_after 0 when allowed."""
        ...


class UsageLog(Protocol):
    """The AI usage log of ONE tenant, as a tenant transaction hands it out.

    It never reads or writes another tenant's records.
    """

    async def add(self, record: model.UsageRecord) -> None:
        """Append ``record``.

        Raises:
            errors.Forbidden: ``ai.usage_wrong_tenant`` when the record is another tenant's.
        """
        ...

    async def page(
        self,
        request: pagination.PageRequest,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> pagination.Page[model.UsageRecord]:
        """Records with ``since <= at < until``, newest first."""
        ...
