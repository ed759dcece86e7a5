"""A tenant's subscription: the Stripe status machine, its plan, period and event watermark.

Statuses are Stripe's. The direct steps (:data:`STEPS`) are those Stripe documents:

* INCOMPLETE -> ACTIVE | TRIALING (first payment made) | INCOMPLETE_EXPIRED (not paid in
  time) | CANCELED; nothing ever returns to INCOMPLETE.
* TRIALING -> ACTIVE | PAST_DUE | UNPAID | CANCELED
* ACTIVE -> PAST_DUE | UNPAID | TRIALING (a trial added later) | CANCELED
* PAST_DUE -> ACTIVE | UNPAID | CANCELED
* UNPAID -> ACTIVE | CANCELED
* CANCELED and INCOMPLETE_EXPIRED are final: a new purchase is a new subscription.

Webhooks may skip steps (a lost or late delivery), so a provider snapshot may jump to any status
*reachable* through these steps (:func:`can_reach`), never back out of a final status.
A tenant has one subscription record at a time; a newer subscription replaces it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

import attrs

from b2core.billing import values
from b2core.shared import errors, ids, time

#: How many applied event ids a subscription remembers (the pure duplicate guard).
RECENT_EVENTS = 32


class SubscriptionStatus(enum.StrEnum):
    """Stripe's subscription statuses."""

    INCOMPLETE = "INCOMPLETE"
    INCOMPLETE_EXPIRED = "INCOMPLETE_EXPIRED"
    TRIALING = "TRIALING"
    ACTIVE = "ACTIVE"
    PAST_DUE = "PAST_DUE"
    CANCELED = "CANCELED"
    UNPAID = "UNPAID"


class Source(enum.StrEnum):
    """Where the subscription comes from: Stripe, or a manual payment a super admin approved."""

    STRIPE = "STRIPE"
    MANUAL = "MANUAL"


S = SubscriptionStatus
STEPS: Mapping[SubscriptionStatus, frozenset[SubscriptionStatus]] = {
    S.INCOMPLETE: frozenset({S.ACTIVE, S.TRIALING, S.INCOMPLETE_EXPIRED, S.CANCELED}),
    S.TRIALING: frozenset({S.ACTIVE, S.PAST_DUE, S.UNPAID, S.CANCELED}),
    S.ACTIVE: frozenset({S.PAST_DUE, S.UNPAID, S.TRIALING, S.CANCELED}),
    S.PAST_DUE: frozenset({S.ACTIVE, S.UNPAID, S.CANCELED}),
    S.UNPAID: frozenset({S.ACTIVE, S.CANCELED}),
    S.CANCELED: frozenset(),
    S.INCOMPLETE_EXPIRED: frozenset(),
}
FINAL = frozenset({S.CANCELED, S.INCOMPLETE_EXPIRED})

#: Statuses that grant the plan's tier. PAST_DUE is a grace period: Stripe is still retrying
#: the payment, and cutting the AI off at the first failed charge would punish a card hiccup;
#: the tenant sees the past-due banner meanwhile, and UNPAID or CANCELED end the grace.
ENTITLED = frozenset({S.ACTIVE, S.TRIALING, S.PAST_DUE})


def _closure(start: SubscriptionStatus) -> frozenset[SubscriptionStatus]:
    seen: set[SubscriptionStatus] = set()
    todo = [start]
    while todo:
        for nxt in STEPS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return frozenset(seen)


REACHABLE: Mapping[SubscriptionStatus, frozenset[SubscriptionStatus]] = {
    status: _closure(status) for status in SubscriptionStatus
}


def can_step(source: SubscriptionStatus, target: SubscriptionStatus) -> bool:
    """Whether ``target`` is one documented step away from ``source``."""
    return target in STEPS[source]


def can_reach(source: SubscriptionStatus, target: SubscriptionStatus) -> bool:
    """Whether a provider snapshot may move ``source`` to ``target`` (same status included)."""
    return source == target or target in REACHABLE[source]


def _optional_utc(value: datetime | None) -> datetime | None:
    return None if value is None else time.ensure_utc(value)


def _check_version(_: object, __: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.InvalidInput(
            "version must be a non-negative integer", code="billing.bad_version"
        )


def _status(value: object) -> SubscriptionStatus:
    return values.to_enum(SubscriptionStatus, value, "subscription.bad_status")


def _source(value: object) -> Source:
    return values.to_enum(Source, value, "subscription.bad_source")


@attrs.frozen
class Subscription:
    """The tenant's current subscription.

    ``stripe_subscription_id`` names the Stripe object it follows (None for a manual one).
    ``last_event_at`` is the watermark: the newest event time applied to this tenant's billing,
    so that an older delivery never overwrites newer state; ``recent_event_ids`` remembers the
    last :data:`RECENT_EVENTS` events applied, so that a duplicate has no second effect.
    """

    tenant_id: ids.TenantId
    status: SubscriptionStatus = attrs.field(converter=_status)
    source: Source = attrs.field(converter=_source)
    created_at: datetime = attrs.field(converter=time.ensure_utc)
    updated_at: datetime = attrs.field(converter=time.ensure_utc)
    plan_id: ids.PlanId | None = None
    stripe_customer_id: str | None = None
    stripe_subscription_id: str | None = None
    current_period_start: datetime | None = attrs.field(default=None, converter=_optional_utc)
    current_period_end: datetime | None = attrs.field(default=None, converter=_optional_utc)
    cancel_at_period_end: bool = False
    last_event_at: datetime | None = attrs.field(default=None, converter=_optional_utc)
    recent_event_ids: tuple[str, ...] = ()
    version: int = attrs.field(default=0, validator=_check_version)

    @classmethod
    def from_stripe(
        cls,
        tenant_id: ids.TenantId,
        status: SubscriptionStatus,
        at: datetime,
        *,
        stripe_subscription_id: str | None,
        stripe_customer_id: str | None = None,
        plan_id: ids.PlanId | None = None,
        period: tuple[datetime | None, datetime | None] = (None, None),
        cancel_at_period_end: bool = False,
    ) -> Subscription:
        """A Stripe subscription seen for the first time, in whatever status Stripe reports."""
        return cls(
            tenant_id,
            status,
            Source.STRIPE,
            at,
            at,
            plan_id=plan_id,
            stripe_customer_id=stripe_customer_id,
            stripe_subscription_id=stripe_subscription_id,
            current_period_start=period[0],
            current_period_end=period[1],
            cancel_at_period_end=cancel_at_period_end,
        )

    @classmethod
    def manual(
        cls,
        tenant_id: ids.TenantId,
        plan_id: ids.PlanId,
        period: tuple[datetime, datetime],
        at: datetime,
        *,
        stripe_customer_id: str | None = None,
    ) -> Subscription:
        """An ACTIVE subscription paid by an approved manual payment, for ``period``.

        It does not renew: it grants its plan until the period ends (:meth:`grants_at`).
        Its watermark is ``at``, so that older Stripe deliveries cannot replace it.
        """
        return cls(
            tenant_id,
            S.ACTIVE,
            Source.MANUAL,
            at,
            at,
            plan_id=plan_id,
            stripe_customer_id=stripe_customer_id,
            current_period_start=period[0],
            current_period_end=period[1],
            cancel_at_period_end=True,
            last_event_at=at,
        )

    @property
    def is_final(self) -> bool:
        """Whether nothing can happen to this subscription any more."""
        return self.status in FINAL

    @property
    def is_entitled(self) -> bool:
        """Whether its status grants the plan's tier (ACTIVE, TRIALING, PAST_DUE)."""
        return self.status in ENTITLED

    def grants_at(self, at: datetime | None) -> bool:
        """Whether it grants its plan at ``at`` (None: judge by status alone).

        Stripe ends its subscriptions itself (a status change arrives); a manual one has no one
        to end it, so it stops granting when its period is over.
        """
        if not self.is_entitled:
            return False
        if at is None or self.source is not Source.MANUAL or self.current_period_end is None:
            return True
        return time.ensure_utc(at) < self.current_period_end

    def follows(self, stripe_subscription_id: str | None) -> bool:
        """Whether this record follows the given Stripe subscription."""
        return stripe_subscription_id is not None and (
            self.stripe_subscription_id == stripe_subscription_id
        )

    def has_seen(self, event_id: str) -> bool:
        """Whether the event with this id was already applied."""
        return event_id in self.recent_event_ids

    def is_stale(self, occurred_at: datetime) -> bool:
        """Whether an event of ``occurred_at`` is older than the newest one applied."""
        return self.last_event_at is not None and time.ensure_utc(occurred_at) < self.last_event_at

    # Named steps of the machine (STEPS); each raises ``subscription.invalid_transition``.
    def activate(self, at: datetime) -> Subscription:
        """A payment went through: ACTIVE."""
        return self.step(S.ACTIVE, at)

    def start_trial(self, at: datetime) -> Subscription:
        """A trial started or was added: TRIALING."""
        return self.step(S.TRIALING, at)

    def mark_past_due(self, at: datetime) -> Subscription:
        """A renewal payment failed; Stripe retries it: PAST_DUE."""
        return self.step(S.PAST_DUE, at)

    def mark_unpaid(self, at: datetime) -> Subscription:
        """Stripe gave up retrying and keeps the subscription open: UNPAID."""
        return self.step(S.UNPAID, at)

    def cancel(self, at: datetime) -> Subscription:
        """The subscription ended: CANCELED (final)."""
        return self.step(S.CANCELED, at)

    def expire(self, at: datetime) -> Subscription:
        """The first payment never came: INCOMPLETE_EXPIRED (final)."""
        return self.step(S.INCOMPLETE_EXPIRED, at)

    def step(self, target: SubscriptionStatus, at: datetime) -> Subscription:
        """Move one documented step to ``target``."""
        if not can_step(self.status, target):
            raise _invalid(self.status, target)
        return attrs.evolve(self, status=target, updated_at=time.ensure_utc(at))

    def sync(
        self,
        target: SubscriptionStatus,
        at: datetime,
        *,
        plan_id: ids.PlanId | None = None,
        period: tuple[datetime | None, datetime | None] = (None, None),
        cancel_at_period_end: bool | None = None,
    ) -> Subscription:
        """Adopt a provider snapshot; ``target`` must be reachable (see the module docstring).

        None (or a None end of ``period``) keeps what the record knew, since a snapshot of a
        price no plan sells, or without a period, still tells the status.
        """
        if not can_reach(self.status, target):
            raise _invalid(self.status, target)
        changed = attrs.evolve(
            self,
            status=target,
            plan_id=plan_id or self.plan_id,
            current_period_start=period[0] or self.current_period_start,
            current_period_end=period[1] or self.current_period_end,
            cancel_at_period_end=(
                self.cancel_at_period_end if cancel_at_period_end is None else cancel_at_period_end
            ),
        )
        return changed if changed == self else attrs.evolve(changed, updated_at=time.ensure_utc(at))

    def replace(self, successor: Subscription) -> Subscription:
        """``successor`` as the tenant's record in place of this one.

        It keeps this record's stored version (the save is an update of the tenant's one
        record), its remembered events, the later of both watermarks, and its customer id when
        the successor has none.
        """
        marks = [m for m in (self.last_event_at, successor.last_event_at) if m is not None]
        return attrs.evolve(
            successor,
            version=self.version,
            recent_event_ids=self.recent_event_ids,
            last_event_at=max(marks) if marks else None,
            stripe_customer_id=successor.stripe_customer_id or self.stripe_customer_id,
        )

    def remember(self, event_id: str, occurred_at: datetime) -> Subscription:
        """Record an applied event: its id joins the recent ones and the watermark moves up."""
        moment = time.ensure_utc(occurred_at)
        mark = moment if self.last_event_at is None else max(self.last_event_at, moment)
        recent = (*self.recent_event_ids, event_id)[-RECENT_EVENTS:]
        return attrs.evolve(self, last_event_at=mark, recent_event_ids=recent)


def _invalid(source: SubscriptionStatus, target: SubscriptionStatus) -> errors.Conflict:
    return errors.Conflict(
        f"a {source.value} subscription cannot become {target.value}",
        code="subscription.invalid_transition",
    )
