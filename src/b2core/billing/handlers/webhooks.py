"""Use case of provider events: dedupe, apply to the tenant's subscription, carry out effects.

A Stripe webhook (or a reconciliation job) hands over a verified, parsed event. For a known
tenant, the event id is recorded as processed in the same transaction as its effects, so a
redelivery, concurrent or late, changes nothing. Events of no known tenant (unknown types
included) are ignored without a trace; the edge answers 200 either way, so that Stripe stops
resending them.
"""

from __future__ import annotations

import attrs

from b2core.billing import commands, ports, sync
from b2core.billing import provider_events as pe
from b2core.billing.handlers import common
from b2core.shared import audit, ids, time


@attrs.frozen
class ApplyBillingEventHandler:
    """Apply one provider event; one audit entry when it changed the tenant's billing."""

    uow: ports.BillingUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.ApplyBillingEvent) -> sync.Applied:
        event = cmd.event
        tenant_id = event.tenant_id or await self._find_tenant(event)
        if tenant_id is None or not await self._exists(tenant_id):
            return await self._acknowledge(event)
        async with self.uow.tenant(tenant_id) as tx:
            if not await tx.processed_events.record_if_new(event.id):
                current = await tx.subscription.get()
                return sync.Applied(current, outcome=sync.Outcome.DUPLICATE, reason="processed")
            current = await tx.subscription.get()
            catalog = await tx.plans.list(include_deleted=True)
            result = sync.apply_event(current, event.for_tenant(tenant_id), catalog)
            if result.state is not None and result.state != current:
                result = attrs.evolve(result, state=await tx.subscription.save(result.state))
            if result.effects:
                await tx.entitlements.apply(result.effects)
            if result.outcome is sync.Outcome.APPLIED:
                await tx.audit.append(self._entry(tenant_id, event, result))
            await tx.commit()
        return result

    async def _exists(self, tenant_id: ids.TenantId) -> bool:
        # Metadata names the tenant; one erased (or never created) since gets no record.
        async with self.uow.platform() as tx:
            return await tx.tenants.get(tenant_id) is not None

    async def _find_tenant(self, event: pe.BillingEvent) -> ids.TenantId | None:
        async with self.uow.platform() as tx:
            return await tx.subscriptions.tenant_for(
                event.stripe_customer_id, event.stripe_subscription_id
            )

    async def _acknowledge(self, event: pe.BillingEvent) -> sync.Applied:
        # Nothing is recorded: the event had no effect, so reconciliation may still apply it
        # once its tenant is known (a subscription event that overtook its checkout).
        reason = "unhandled event type" if isinstance(event, pe.UnknownEvent) else "unknown tenant"
        return sync.Applied(None, outcome=sync.Outcome.IGNORED, reason=reason)

    def _entry(
        self, tenant_id: ids.TenantId, event: pe.BillingEvent, result: sync.Applied
    ) -> audit.AuditEntry:
        state = result.state
        metadata = {
            "event_id": event.id,
            "event": type(event).__name__,
            "status": state.status.value if state is not None else None,
            "plan_id": state.plan_id if state is not None else None,
            "effects": [type(effect).__name__ for effect in result.effects],
        }
        return common.entry(
            self.id_generator,
            self.clock,
            audit.Actor.system(),
            "billing.event_applied",
            ("subscription", tenant_id),
            tenant_id=tenant_id,
            metadata=metadata,
        )
