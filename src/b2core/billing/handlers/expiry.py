"""The end of a manual grant: nobody at Stripe ends a subscription paid by hand, so this does.

A periodic job finds the manual subscriptions whose period is over and, for each tenant in one
transaction, cancels the record, takes the AI back to FREE and audits it. A run that finds
nothing to do changes nothing; a tenant who paid again meanwhile (a newer period) is skipped.
"""

from __future__ import annotations

import attrs

from b2core.billing import commands, entitlements, model, ports
from b2core.billing.handlers import common
from b2core.shared import audit, ids, time


@attrs.frozen
class ExpireManualGrantsHandler:
    """Ends lapsed manual grants; returns how many tenants went back to FREE."""

    uow: ports.BillingUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.ExpireManualGrants) -> int:
        now = self.clock.now()
        async with self.uow.platform() as tx:
            lapsed = await tx.subscriptions.lapsed_manual(now, cmd.limit)
        ended = 0
        for tenant_id in lapsed:
            ended += await self._end(tenant_id)
        return ended

    async def _end(self, tenant_id: ids.TenantId) -> int:
        now = self.clock.now()
        async with self.uow.tenant(tenant_id) as tx:
            current = await tx.subscription.get()
            if (
                current is None
                or current.source is not model.Source.MANUAL
                or not current.is_entitled
                or current.grants_at(now)
            ):
                return 0
            catalog = await tx.plans.list(include_deleted=True)
            granted = entitlements.entitlement_of(current, catalog)  # what the AI still has
            await tx.subscription.save(current.cancel(now))
            await tx.entitlements.apply(
                entitlements.changes(tenant_id, granted, entitlements.FREE, now)
            )
            await tx.audit.append(
                common.entry(
                    self.id_generator,
                    self.clock,
                    audit.Actor.system(),
                    "billing.manual_grant_expired",
                    ("tenant", tenant_id),
                    tenant_id=tenant_id,
                    metadata={
                        "plan_id": current.plan_id,
                        "ended_at": str(current.current_period_end),
                    },
                )
            )
            await tx.commit()
        return 1
