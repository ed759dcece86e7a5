"""From a subscription to what the tenant's AI may do: the one plan-to-tier mapping.

:func:`effective_tier` is the single place that decides a tenant's tier from billing:

===============================  ==========================================
subscription status              tier
===============================  ==========================================
ACTIVE, TRIALING                 the plan's tier
PAST_DUE                         the plan's tier (grace while Stripe retries)
INCOMPLETE, INCOMPLETE_EXPIRED,  FREE
UNPAID, CANCELED
no subscription                  FREE
unknown plan id                  FREE (never guess a paid tier)
manual, past its period end      FREE (when a time is given)
===============================  ==========================================
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from b2core.billing import events, model, plans, tiers
from b2core.shared import ids


@attrs.frozen
class Entitlement:
    """The AI plan, tier and limits billing grants a tenant.

    FREE carries no limits (None): the AI context's own FREE defaults apply. ``until`` is
    when a manual subscription's grant ends by itself (None: until billing says otherwise).
    """

    ai_plan: str
    tier: str
    plan_id: ids.PlanId | None = None
    daily_limit: int | None = None
    monthly_limit: int | None = None
    until: datetime | None = None

    @property
    def is_free(self) -> bool:
        """Whether this is the FREE entitlement of a tenant without a paid plan."""
        return self.plan_id is None

    @classmethod
    def of_plan(cls, plan: plans.Plan, until: datetime | None = None) -> Entitlement:
        """What ``plan`` grants, until ``until`` (None: no end of its own)."""
        return cls(plan.ai_plan, plan.ai_tier, plan.id, plan.daily_limit, plan.monthly_limit, until)


FREE = Entitlement(tiers.FREE, tiers.FREE)


def entitlement_of(
    subscription: model.Subscription | None,
    catalog: Iterable[plans.Plan],
    at: datetime | None = None,
) -> Entitlement:
    """What ``subscription`` grants (see the module table); ``catalog`` includes deleted plans."""
    if subscription is None or not subscription.grants_at(at):
        return FREE
    plan = plans.find(catalog, subscription.plan_id)
    if plan is None:
        return FREE
    manual = subscription.source is model.Source.MANUAL
    return Entitlement.of_plan(plan, subscription.current_period_end if manual else None)


def effective_tier(
    subscription: model.Subscription | None,
    catalog: Iterable[plans.Plan],
    at: datetime | None = None,
) -> str:
    """The AI tier name the tenant has (see the module table)."""
    return entitlement_of(subscription, catalog, at).tier


def changes(
    tenant_id: ids.TenantId,
    before: Entitlement,
    after: Entitlement,
    at: datetime,
    *,
    reset_usage: bool = False,
) -> tuple[events.Effect, ...]:
    """The effects of going from ``before`` to ``after``: grant, downgrade, and maybe a reset.

    ``reset_usage`` (a purchase) resets the counters only when a paid entitlement results.
    """
    found: list[events.Effect] = []
    if after != before:
        if after.is_free:
            found.append(events.DowngradedToFree(tenant_id, at))
        else:
            assert after.plan_id is not None  # only FREE has no plan
            assert after.daily_limit is not None
            assert after.monthly_limit is not None
            found.append(
                events.EntitlementGranted(
                    tenant_id,
                    after.plan_id,
                    after.ai_plan,
                    after.tier,
                    after.daily_limit,
                    after.monthly_limit,
                    at,
                    after.until,
                )
            )
    if reset_usage and not after.is_free:
        found.append(events.UsageCountersReset(tenant_id, at))
    return tuple(found)
