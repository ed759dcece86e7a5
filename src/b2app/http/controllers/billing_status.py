"""The tenant's billing page: ``GET /billing/status`` (TENANT_ADMIN)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
from litestar import Controller, get
from litestar.di import NamedDependency

from b2app.http import auth
from b2app.http.controllers import bodies
from b2app.http.controllers.billing_plans import PublicPlan, caller_of
from b2core.billing import commands, model
from b2core.billing import status as billing_state
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.shared import errors


@attrs.frozen
class Usage:
    """AI replies used today and this billing month, against the effective limits."""

    daily_used: int
    daily_limit: int
    monthly_used: int
    monthly_limit: int


@attrs.frozen
class BillingStatus:
    """The tenant's plan, subscription status, period end, banners and usage.

    ``plan``, ``status``, ``source`` and ``current_period_end`` are null before any purchase.
    """

    tier: str
    usage: Usage
    plan: PublicPlan | None
    status: model.SubscriptionStatus | None
    source: model.Source | None
    current_period_end: datetime | None
    expires_soon: bool
    renews: bool
    past_due: bool

    @classmethod
    def of(cls, found: billing_state.BillingStatus) -> BillingStatus:
        """The view of ``found``."""
        used = found.usage
        return cls(
            tier=found.tier,
            usage=Usage(used.daily_used, used.daily_limit, used.monthly_used, used.monthly_limit),
            plan=None if found.plan is None else PublicPlan.of(found.plan),
            status=found.status,
            source=found.source,
            current_period_end=found.current_period_end,
            expires_soon=found.expires_soon,
            renews=found.renews,
            past_due=found.past_due,
        )


class BillingStatusController(Controller):
    """What the tenant pays for and how much of it is used."""

    path = "/billing/status"
    tags = ["billing"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        **auth.guarded(permissions.Action.BILLING_MANAGE),
        **bodies.answers(200, BillingStatus, "the billing status", (401, 403)),
    )
    async def billing_status(
        self, bus: NamedDependency[MessageBus], principal: NamedDependency[tokens.Principal]
    ) -> dict[str, Any]:
        """Your plan, its status and period end, the banners to show, and usage."""
        if principal.tenant_id is None:  # the guard refuses platform users first
            raise errors.Forbidden(
                "this action needs a tenant account", code="auth.tenant_required"
            )
        query = commands.GetBillingStatus(principal.tenant_id, caller_of(principal))
        return bodies.dump(BillingStatus.of(await bus.handle(query)))
