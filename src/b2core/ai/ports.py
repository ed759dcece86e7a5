"""Ports of the ai context: quota ledger, rate limiter, governance gate and usage log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

import attrs

from b2core.ai import limits, model, quotas
from b2core.ai import settings as ai_settings
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


@attrs.frozen
class Admission:
    """What :meth:`GovernanceGate.admit` decided for one message.

    ``verdicts`` has one verdict per burst rule, in the order given. ``quota`` is the
    reservation, the quota refusal (DAILY_LIMIT / MONTHLY_LIMIT), or None when a burst rule
    refused and nothing was reserved; both go unchanged into ``policy.GovernanceSnapshot``.
    """

    verdicts: tuple[limits.RateVerdict, ...]
    quota: quotas.Reservation | model.BlockReason | None

    @property
    def admitted(self) -> bool:
        """True when every burst rule allowed and one unit was reserved."""
        return isinstance(self.quota, quotas.Reservation)


class GovernanceGate(Protocol):
    """The tenant's burst limits and its quota reservation, decided in ONE atomic step.

    It shares its state with the :class:`QuotaLedger` and :class:`RateLimiter` of the same
    back-end: the burst log of ``rule`` is the limiter's key ``limits.tenant_key(tenant, rule)``
    and the reservation is refunded through the ledger. On Redis this is one round trip.
    """

    async def admit(
        self,
        tenant_id: ids.TenantId,
        burst: Sequence[limits.RateRule],
        windows: quotas.QuotaWindows,
        quota: quotas.QuotaLimits,
    ) -> Admission:
        """Check every burst rule; if all allow, reserve one unit as :meth:`QuotaLedger.reserve`.

        A refusal (by a rule or by the quota) changes nothing: no hit is recorded and no unit
        is taken. Only an admitted message is recorded, in every burst log and both counters.

        Raises:
            errors.InvalidInput: ``limits.bad_rule`` when two burst rules share a name.
        """
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


class AiSettingsRepository(Protocol):
    """The AI settings of ONE tenant (bound by its transaction)."""

    async def get(self) -> ai_settings.AiSettings | None:
        """The stored settings, or None while the tenant still runs on defaults."""
        ...

    async def save(self, settings: ai_settings.AiSettings) -> None:
        """Store the settings (insert or replace); refuses another tenant's settings."""
        ...
