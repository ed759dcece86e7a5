"""Events of the billing context: what billing decided about a tenant's AI entitlement.

They are the *effects* of billing events and approved payments. The handler hands them to the
``TenantEntitlements`` port inside its transaction (where the AI context's view of the tenant
changes) and returns them, so that the edge can also publish them after the commit (to drop
cached AI settings, say). Plan and tier are plain strings (see :mod:`b2core.billing.tiers`).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from b2core.shared import ids


@attrs.frozen
class EntitlementGranted:
    """The tenant now has this plan's AI plan, tier and limits.

    ``until`` is set for a manual payment's period: nobody sends a downgrade when it ends, so
    the AI context treats the grant as FREE from that instant on.
    """

    tenant_id: ids.TenantId
    plan_id: ids.PlanId
    ai_plan: str
    tier: str
    daily_limit: int
    monthly_limit: int
    at: datetime
    until: datetime | None = None


@attrs.frozen
class DowngradedToFree:
    """The tenant is back on the FREE AI plan and tier, with the AI context's FREE limits."""

    tenant_id: ids.TenantId
    at: datetime
    ai_plan: str = "FREE"
    tier: str = "FREE"


@attrs.frozen
class UsageCountersReset:
    """A purchase went through: the tenant's daily and monthly AI usage starts again at zero."""

    tenant_id: ids.TenantId
    at: datetime


Effect = EntitlementGranted | DowngradedToFree | UsageCountersReset
