"""Applying a provider billing event to a tenant's subscription: pure, idempotent, order-tolerant.

Rules of :func:`apply_event`, in order:

1. Duplicate: an event whose id the subscription remembers changes nothing (the adapter's
   ``ProcessedEvents`` table dedupes first; this makes the pure function safe on its own).
2. Unknown event types, and events of no known tenant, are ignored.
3. Events of the subscription the tenant follows ("same object") older than the watermark
   (the newest event time applied) are stale and change nothing, except that a late checkout
   completion still resets usage once (the purchase did happen). Equal times: the later
   delivery wins, as Stripe stamps whole seconds.
4. An event of another subscription replaces the record only when it is not older than the
   watermark and, while the current one grants a plan, only when it grants one too: the end of
   a subscription the tenant no longer follows never downgrades it.
5. Per event: checkout completion links the subscription, moves INCOMPLETE (or nothing) to
   ACTIVE with its plan (INCOMPLETE when the payment is not settled yet) and resets usage;
   created/updated adopt Stripe's snapshot when its status is reachable (a final status stays);
   deleted cancels; a failed invoice moves ACTIVE/TRIALING to PAST_DUE; a paid invoice moves
   PAST_DUE/UNPAID/INCOMPLETE to ACTIVE (a trial's zero invoice leaves TRIALING alone), and
   from INCOMPLETE (a delayed checkout settling) it resets usage too. Invoices of a
   subscription the tenant does not follow are ignored.
6. Effects compare what the tenant was entitled to before and after (see
   :func:`entitlements.changes`): a grant, a downgrade to FREE, a usage reset.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from b2core.billing import entitlements, events, model, plans
from b2core.billing import provider_events as pe
from b2core.shared import ids

Status = model.SubscriptionStatus


class Outcome(enum.StrEnum):
    """What became of an event."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    STALE = "stale"
    IGNORED = "ignored"


@attrs.frozen
class Applied:
    """The tenant's subscription after an event, the effects to carry out, and why."""

    state: model.Subscription | None
    effects: tuple[events.Effect, ...] = ()
    outcome: Outcome = Outcome.APPLIED
    reason: str | None = None


@attrs.frozen
class _Step:
    state: model.Subscription | None
    outcome: Outcome = Outcome.APPLIED
    reason: str | None = None
    reset_usage: bool = False


def _skip(state: model.Subscription | None, outcome: Outcome, reason: str) -> _Step:
    return _Step(state, outcome, reason)


def apply_event(
    state: model.Subscription | None, event: pe.BillingEvent, catalog: Iterable[plans.Plan]
) -> Applied:
    """The tenant's subscription after ``event`` and its effects (rules: module docstring).

    ``catalog`` is every plan, deleted ones included. Illegal provider transitions are
    ignored rather than raised: a webhook must always be acknowledged.
    """
    if state is not None and state.has_seen(event.id):
        return Applied(state, outcome=Outcome.DUPLICATE, reason="event already applied")
    known = tuple(catalog)
    tenant = state.tenant_id if state is not None else event.tenant_id
    step = _decide(state, event, known, tenant)
    if step.outcome is not Outcome.APPLIED or step.state is None or tenant is None:
        return Applied(state, outcome=step.outcome, reason=step.reason)
    new = step.state.remember(event.id, event.occurred_at)
    effects = entitlements.changes(
        tenant,
        entitlements.entitlement_of(state, known),
        entitlements.entitlement_of(new, known),
        event.occurred_at,
        reset_usage=step.reset_usage,
    )
    return Applied(new, effects)


def _decide(
    state: model.Subscription | None,
    event: pe.BillingEvent,
    catalog: tuple[plans.Plan, ...],
    tenant: ids.TenantId | None,
) -> _Step:
    if isinstance(event, pe.UnknownEvent):
        return _skip(state, Outcome.IGNORED, f"unhandled event type {event.type or '?'}")
    if tenant is None or (event.tenant_id is not None and event.tenant_id != tenant):
        return _skip(state, Outcome.IGNORED, "no subscription of this tenant")
    if isinstance(event, pe.CheckoutCompleted):
        return _checkout(state, event, tenant)
    if isinstance(event, pe.SubscriptionChanged):
        return _changed(state, event, catalog, tenant)
    if isinstance(event, pe.SubscriptionDeleted):
        return _deleted(state, event, tenant)
    return _invoice(state, event)


def _same(state: model.Subscription | None, event: pe.BillingEvent) -> bool:
    return state is not None and state.follows(event.stripe_subscription_id)


def _adopts(state: model.Subscription | None, event: pe.BillingEvent, status: Status) -> bool:
    """Whether a subscription the tenant does not follow yet replaces its record (rule 4)."""
    if state is None:
        return True
    if state.is_stale(event.occurred_at):
        return False
    return not state.grants_at(event.occurred_at) or status in model.ENTITLED


def _refuse_other(state: model.Subscription | None, event: pe.BillingEvent) -> _Step:
    if state is not None and state.is_stale(event.occurred_at):
        return _skip(state, Outcome.STALE, "older than the newest event applied")
    return _skip(state, Outcome.IGNORED, "another subscription while this one grants a plan")


def _new_record(
    state: model.Subscription | None,
    tenant: ids.TenantId,
    event: pe.BillingEvent,
    status: Status,
    plan_id: ids.PlanId | None = None,
) -> model.Subscription:
    """A record of the event's subscription, replacing ``state`` when there is one."""
    record = model.Subscription.from_stripe(
        tenant,
        status,
        event.occurred_at,
        stripe_subscription_id=event.stripe_subscription_id,
        stripe_customer_id=event.stripe_customer_id,
        plan_id=plan_id,
    )
    return record if state is None else state.replace(record)


def _checkout(
    state: model.Subscription | None, event: pe.CheckoutCompleted, tenant: ids.TenantId
) -> _Step:
    settled = event.payment_settled
    if state is not None and _same(state, event):
        if state.is_final:
            return _skip(state, Outcome.IGNORED, "the subscription already ended")
        if state.is_stale(event.occurred_at):
            return _Step(_link(state, event), reset_usage=settled)
        moved = (
            state.activate(event.occurred_at)
            if settled and state.status is Status.INCOMPLETE
            else state
        )
        return _Step(_link(attrs.evolve(moved, plan_id=event.plan_id), event), reset_usage=settled)
    status = Status.ACTIVE if settled else Status.INCOMPLETE
    if not _adopts(state, event, status):
        return _refuse_other(state, event)
    return _Step(_new_record(state, tenant, event, status, event.plan_id), reset_usage=settled)


def _link(state: model.Subscription, event: pe.BillingEvent) -> model.Subscription:
    """Fill in the customer id (never replace a known one) and keep a known plan."""
    return attrs.evolve(
        state, stripe_customer_id=state.stripe_customer_id or event.stripe_customer_id
    )


def _changed(
    state: model.Subscription | None,
    event: pe.SubscriptionChanged,
    catalog: tuple[plans.Plan, ...],
    tenant: ids.TenantId,
) -> _Step:
    plan = plans.by_stripe_price(catalog, event.stripe_price_id)
    plan_id = plan.id if plan is not None else None
    period = (event.current_period_start, event.current_period_end)
    if state is not None and _same(state, event):
        if state.is_stale(event.occurred_at):
            return _skip(state, Outcome.STALE, "older than the newest event applied")
        if not model.can_reach(state.status, event.status):
            return _skip(state, Outcome.IGNORED, "status not reachable from the current one")
        synced = state.sync(
            event.status,
            event.occurred_at,
            plan_id=plan_id,
            period=period,
            cancel_at_period_end=event.cancel_at_period_end,
        )
        return _Step(_link(synced, event))
    if not _adopts(state, event, event.status):
        return _refuse_other(state, event)
    record = _new_record(state, tenant, event, event.status, plan_id)
    return _Step(
        attrs.evolve(
            record,
            current_period_start=period[0],
            current_period_end=period[1],
            cancel_at_period_end=event.cancel_at_period_end,
        )
    )


def _deleted(
    state: model.Subscription | None, event: pe.SubscriptionDeleted, tenant: ids.TenantId
) -> _Step:
    if state is not None and _same(state, event):
        if state.is_stale(event.occurred_at):
            return _skip(state, Outcome.STALE, "older than the newest event applied")
        if state.is_final:
            return _Step(state)
        return _Step(state.cancel(event.occurred_at))
    if not _adopts(state, event, Status.CANCELED):
        return _refuse_other(state, event)
    return _Step(_new_record(state, tenant, event, Status.CANCELED))


_AFTER_FAILURE = {Status.ACTIVE: Status.PAST_DUE, Status.TRIALING: Status.PAST_DUE}
_AFTER_PAYMENT = {
    Status.PAST_DUE: Status.ACTIVE,
    Status.UNPAID: Status.ACTIVE,
    Status.INCOMPLETE: Status.ACTIVE,
}


def _invoice(
    state: model.Subscription | None, event: pe.InvoicePaymentFailed | pe.InvoicePaid
) -> _Step:
    if state is None or not _same(state, event):
        return _skip(state, Outcome.IGNORED, "invoice of a subscription the tenant does not follow")
    if state.is_stale(event.occurred_at):
        return _skip(state, Outcome.STALE, "older than the newest event applied")
    paid = isinstance(event, pe.InvoicePaid)
    target = (_AFTER_PAYMENT if paid else _AFTER_FAILURE).get(state.status)
    moved = state if target is None else state.step(target, event.occurred_at)
    # The first payment of a delayed checkout settles the purchase: a fresh usage count.
    return _Step(moved, reset_usage=paid and state.status is Status.INCOMPLETE)
