"""Runs the QuotaLedger part of the governance contract on SQLite and PostgreSQL.

The governance suite takes a factory of a back-end's ledger, limiter and gate; the SQL
back-end has a ledger only (limits and the gate live in Redis or memory), so only the ledger's
tests are imported here and the other two adapters refuse to be used.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from b2adapters.sql import governance as sql_governance
from b2core.ai import limits, ports, quotas
from b2core.shared import ids
from b2core.testing.contracts.governance import (
    GovernanceAdapters,
    GovernanceFactory,
    pytestmark,
    test_a_new_billing_period_starts_from_zero,
    test_a_new_utc_day_starts_from_zero,
    test_concurrent_refunds_give_the_unit_back_once,
    test_concurrent_reservations_grant_exactly_the_limit,
    test_daily_limit_refuses_with_daily_reason,
    test_monthly_limit_wins_over_the_daily_one,
    test_quotas_of_tenants_are_independent,
    test_refund_gives_the_unit_back_once,
    test_refund_never_drives_a_counter_below_zero,
    test_refund_uses_the_reservations_own_windows,
    test_usage_of_unused_windows_is_zero,
)

__all__ = [
    "pytestmark",
    "test_a_new_billing_period_starts_from_zero",
    "test_a_new_utc_day_starts_from_zero",
    "test_concurrent_refunds_give_the_unit_back_once",
    "test_concurrent_reservations_grant_exactly_the_limit",
    "test_daily_limit_refuses_with_daily_reason",
    "test_monthly_limit_wins_over_the_daily_one",
    "test_quotas_of_tenants_are_independent",
    "test_refund_gives_the_unit_back_once",
    "test_refund_never_drives_a_counter_below_zero",
    "test_refund_uses_the_reservations_own_windows",
    "test_usage_of_unused_windows_is_zero",
]


class _NoLimiter:
    async def hit(self, key: str, rule: limits.RateRule) -> tuple[bool, timedelta]:
        raise AssertionError("the SQL back-end has no rate limiter")


class _NoGate:
    async def admit(
        self,
        tenant_id: ids.TenantId,
        burst: Sequence[limits.RateRule],
        windows: quotas.QuotaWindows,
        quota: quotas.QuotaLimits,
    ) -> ports.Admission:
        raise AssertionError("the SQL back-end has no governance gate")


@pytest.fixture(scope="module")
def governance_factory(migrated_engine: AsyncEngine) -> GovernanceFactory:
    async def make() -> GovernanceAdapters:
        ledger = sql_governance.SqlQuotaLedger(migrated_engine)
        return GovernanceAdapters(ledger, _NoLimiter(), _NoGate())

    return make
