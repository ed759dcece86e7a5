"""apply_event: billing events in any order, duplicated, leave the newest state and effects once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from itertools import count

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from b2core.billing import entitlements, events, model, plans, sync
from b2core.billing import provider_events as pe
from tests.core.billing import strategies as s

St = model.SubscriptionStatus
Outcome = sync.Outcome
_ids = count(1)


def _common(at: datetime, sub: str, tenant: bool) -> dict[str, object]:
    return {
        "id": f"evt_{next(_ids)}",
        "occurred_at": at,
        "tenant_id": s.TENANT if tenant else None,
        "stripe_customer_id": "cus_1",
        "stripe_subscription_id": sub,
    }


def checkout(
    at: datetime, plan: plans.Plan = s.BASIC, sub: str = "sub_1", **kw: object
) -> pe.CheckoutCompleted:
    return pe.CheckoutCompleted(plan_id=plan.id, **_common(at, sub, True), **kw)  # type: ignore[arg-type]


def updated(
    at: datetime, status: St, plan: plans.Plan = s.BASIC, sub: str = "sub_1"
) -> pe.SubscriptionChanged:
    return pe.SubscriptionChanged(
        status=status,
        stripe_price_id=plan.stripe_price_id,
        current_period_start=at,
        current_period_end=at + timedelta(days=30),
        **_common(at, sub, True),  # type: ignore[arg-type]
    )


def deleted(at: datetime, sub: str = "sub_1") -> pe.SubscriptionDeleted:
    return pe.SubscriptionDeleted(**_common(at, sub, True))  # type: ignore[arg-type]


def failed(at: datetime, sub: str = "sub_1") -> pe.InvoicePaymentFailed:
    return pe.InvoicePaymentFailed(**_common(at, sub, False))  # type: ignore[arg-type]


def paid(at: datetime, sub: str = "sub_1") -> pe.InvoicePaid:
    return pe.InvoicePaid(**_common(at, sub, False))  # type: ignore[arg-type]


def unknown(at: datetime) -> pe.UnknownEvent:
    return pe.UnknownEvent(type="customer.updated", **_common(at, "sub_1", True))  # type: ignore[arg-type]


def at(minutes: int) -> datetime:
    return s.T0 + timedelta(minutes=minutes)


def run(
    events_: Iterable[pe.BillingEvent], state: model.Subscription | None = None
) -> tuple[model.Subscription | None, list[events.Effect], list[sync.Applied]]:
    effects: list[events.Effect] = []
    results: list[sync.Applied] = []
    for event in events_:
        result = sync.apply_event(state, event, s.CATALOG)
        state = result.state
        effects.extend(result.effects)
        results.append(result)
    return state, effects, results


def ai_tier_after(effects: Sequence[events.Effect]) -> str:
    """What the AI context's tier ends as, starting FREE and following only the effects."""
    tier = "FREE"
    for effect in effects:
        if isinstance(effect, events.EntitlementGranted):
            tier = effect.tier
        elif isinstance(effect, events.DowngradedToFree):
            tier = "FREE"
    return tier


def test_checkout_activates_the_plan_and_resets_usage() -> None:
    state, effects, _ = run([checkout(at(0))])
    assert state is not None
    assert (state.status, state.plan_id, state.stripe_customer_id) == (
        St.ACTIVE,
        s.BASIC.id,
        "cus_1",
    )
    assert effects == [
        events.EntitlementGranted(s.TENANT, s.BASIC.id, "PAID_BASIC", "LOW", 200, 5000, at(0)),
        events.UsageCountersReset(s.TENANT, at(0)),
    ]


def test_the_same_event_twice_has_one_effect() -> None:
    event = checkout(at(0))
    state, effects, results = run([event, event])
    assert results[1].outcome is Outcome.DUPLICATE
    assert results[1].effects == ()
    assert results[1].state == results[0].state == state
    assert len(effects) == 2  # the grant and the reset, once


def test_deleted_before_an_older_updated_stays_canceled_and_free() -> None:
    state, effects, results = run([deleted(at(30)), updated(at(20), St.ACTIVE)])
    assert state is not None
    assert state.status is St.CANCELED
    assert results[1].outcome is Outcome.STALE
    assert entitlements.effective_tier(state, s.CATALOG) == "FREE"
    assert effects == []


def test_deleted_after_an_active_subscription_downgrades_once() -> None:
    state, effects, results = run(
        [updated(at(10), St.ACTIVE, s.PRO), deleted(at(30)), updated(at(20), St.ACTIVE, s.PRO)]
    )
    assert state is not None
    assert state.status is St.CANCELED
    assert [type(e) for e in effects] == [events.EntitlementGranted, events.DowngradedToFree]
    assert results[2].outcome is Outcome.STALE


def test_a_plan_change_changes_the_tier() -> None:
    _, effects, _ = run(
        [updated(at(0), St.ACTIVE, s.BASIC), updated(at(5), St.ACTIVE, s.ENTERPRISE)]
    )
    assert [(type(e).__name__, getattr(e, "tier", None)) for e in effects] == [
        ("EntitlementGranted", "LOW"),
        ("EntitlementGranted", "HIGH"),
    ]


def test_failed_payment_is_a_grace_period_and_paid_invoice_restores_active() -> None:
    state, effects, _ = run([checkout(at(0)), failed(at(10))])
    assert state is not None
    assert state.status is St.PAST_DUE
    assert len(effects) == 2  # nothing beyond the checkout's grant and reset: same tier
    state, more, _ = run([paid(at(20))], state)
    assert state is not None
    assert state.status is St.ACTIVE
    assert more == []


def test_unpaid_downgrades_and_payment_upgrades_again() -> None:
    state, effects, _ = run([checkout(at(0)), updated(at(10), St.UNPAID), paid(at(20))])
    assert state is not None
    assert state.status is St.ACTIVE
    assert [type(e) for e in effects[2:]] == [events.DowngradedToFree, events.EntitlementGranted]


def test_a_trials_zero_invoice_leaves_it_trialing() -> None:
    state, _, _ = run([updated(at(0), St.TRIALING), paid(at(1))])
    assert state is not None
    assert state.status is St.TRIALING


def test_an_unsettled_checkout_waits_incomplete_until_paid() -> None:
    state, effects, _ = run([checkout(at(0), payment_settled=False)])
    assert state is not None
    assert state.status is St.INCOMPLETE
    assert effects == []
    state, effects, _ = run([paid(at(5))], state)
    assert state is not None
    assert state.status is St.ACTIVE
    assert [type(e) for e in effects] == [events.EntitlementGranted, events.UsageCountersReset]


def test_a_late_checkout_keeps_the_newer_status_and_still_resets_once() -> None:
    state, effects, results = run([updated(at(1), St.TRIALING), checkout(at(0))])
    assert state is not None
    assert state.status is St.TRIALING
    assert [type(e) for e in effects] == [events.EntitlementGranted, events.UsageCountersReset]
    assert results[1].outcome is Outcome.APPLIED


def test_unknown_and_tenantless_events_are_ignored() -> None:
    state, effects, results = run([unknown(at(0)), failed(at(1)), paid(at(2))])
    assert state is None
    assert effects == []
    assert {r.outcome for r in results} == {Outcome.IGNORED}


def test_another_tenants_event_is_ignored() -> None:
    state, _, _ = run([checkout(at(0))])
    other = attrs.evolve(deleted(at(5)), tenant_id=s.OTHER_TENANT)
    result = sync.apply_event(state, other, s.CATALOG)
    assert result.outcome is Outcome.IGNORED
    assert result.state == state


def test_the_end_of_a_subscription_no_longer_followed_does_not_downgrade() -> None:
    state, effects, results = run(
        [
            checkout(at(0), sub="sub_old"),
            checkout(at(10), s.PRO, sub="sub_new"),
            deleted(at(20), "sub_old"),
        ]
    )
    assert state is not None
    assert state.follows("sub_new")
    assert state.status is St.ACTIVE
    assert results[2].outcome is Outcome.IGNORED
    assert ai_tier_after(effects) == "MEDIUM"
    assert state.version == 0  # a replacement keeps the stored version (one record per tenant)


def test_a_new_subscription_after_a_canceled_one_is_adopted() -> None:
    state, effects, _ = run(
        [
            checkout(at(0), sub="sub_a"),
            deleted(at(10), "sub_a"),
            updated(at(20), St.ACTIVE, s.PRO, "sub_b"),
        ]
    )
    assert state is not None
    assert state.follows("sub_b")
    assert ai_tier_after(effects) == "MEDIUM"


def test_a_running_manual_plan_survives_stripe_endings_but_an_expired_one_is_replaced() -> None:
    manual = model.Subscription.manual(s.TENANT, s.BASIC.id, (at(0), at(60)), at(0))
    kept = sync.apply_event(manual, deleted(at(10), "sub_x"), s.CATALOG)
    assert kept.outcome is Outcome.IGNORED
    assert kept.state == manual
    replaced = sync.apply_event(manual, checkout(at(90), s.PRO, payment_settled=False), s.CATALOG)
    assert replaced.state is not None
    assert (replaced.state.source, replaced.state.status) == (model.Source.STRIPE, St.INCOMPLETE)
    assert [type(e) for e in replaced.effects] == [events.DowngradedToFree]


def test_the_watermark_never_moves_back() -> None:
    state, _, _ = run([updated(at(10), St.ACTIVE), checkout(at(5))])
    assert state is not None
    assert state.last_event_at == at(10)


# --- any order, any duplicates ------------------------------------------------------------

# Stripe's steps once more, for generating histories that Stripe could really produce.
NEXT = {
    St.INCOMPLETE: [St.ACTIVE, St.TRIALING, St.INCOMPLETE_EXPIRED, St.CANCELED],
    St.TRIALING: [St.ACTIVE, St.PAST_DUE, St.UNPAID, St.CANCELED],
    St.ACTIVE: [St.PAST_DUE, St.UNPAID, St.TRIALING, St.CANCELED],
    St.PAST_DUE: [St.ACTIVE, St.UNPAID, St.CANCELED],
    St.UNPAID: [St.ACTIVE, St.CANCELED],
    St.CANCELED: [],
    St.INCOMPLETE_EXPIRED: [],
}


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[pe.BillingEvent], St, plans.Plan]:
    """The events of one subscription's real-looking life, its last status and plan.

    Step k happens at minute 10k: an optional invoice event at 10k, then the subscription
    event at 10k + 1 (Stripe sends both when an invoice moves the status).
    """
    status = draw(st.sampled_from([St.INCOMPLETE, St.TRIALING, St.ACTIVE]))
    plan = draw(st.sampled_from(s.CATALOG))
    produced: list[pe.BillingEvent] = [updated(at(1), status, plan)]
    if status is not St.INCOMPLETE and draw(st.booleans()):
        produced.append(checkout(at(draw(st.sampled_from([0, 1]))), plan))
    for step in range(1, draw(st.integers(min_value=0, max_value=6)) + 1):
        if not NEXT[status]:
            break
        previous, status = status, draw(st.sampled_from(NEXT[status]))
        plan = draw(st.sampled_from(s.CATALOG))
        if status is St.PAST_DUE and previous in (St.ACTIVE, St.TRIALING) and draw(st.booleans()):
            produced.append(failed(at(10 * step)))
        if status is St.ACTIVE and previous is not St.TRIALING and draw(st.booleans()):
            produced.append(paid(at(10 * step)))
        if status is St.CANCELED and draw(st.booleans()):
            produced.append(deleted(at(10 * step + 1)))
        else:
            produced.append(updated(at(10 * step + 1), status, plan))
    return produced, status, plan


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[pe.BillingEvent], St, plans.Plan]:
    """A history delivered in random order, with duplicates and unrelated events mixed in."""
    produced, last_status, last_plan = draw(histories())
    extra = draw(st.lists(st.sampled_from(produced), max_size=6))
    count_noise = draw(st.integers(min_value=0, max_value=2))
    noise: list[pe.BillingEvent] = [unknown(at(i)) for i in range(count_noise)]
    return draw(st.permutations(produced + extra + noise)), last_status, last_plan


@settings(max_examples=400, deadline=None)
@given(delivery=deliveries())
def test_any_delivery_ends_on_the_newest_status_and_its_plans_tier(
    delivery: tuple[list[pe.BillingEvent], St, plans.Plan],
) -> None:
    delivered, last_status, last_plan = delivery
    state, effects, _ = run(delivered)
    expected = last_plan.ai_tier if last_status in model.ENTITLED else "FREE"
    assert state is not None
    assert state.status is last_status
    assert entitlements.effective_tier(state, s.CATALOG) == expected
    # The AI context, following only the effects, lands on the same tier.
    assert ai_tier_after(effects) == expected


@settings(max_examples=200, deadline=None)
@given(delivery=deliveries(), replay_order=st.randoms(use_true_random=False))
def test_replaying_a_delivery_changes_nothing(
    delivery: tuple[list[pe.BillingEvent], St, plans.Plan], replay_order: object
) -> None:
    delivered, _, _ = delivery
    state, _, _ = run(delivered)
    again = list(delivered)
    replay_order.shuffle(again)  # type: ignore[attr-defined]
    replayed, effects, _ = run(again, state)
    assert effects == []
    assert replayed == state


def _any_event(kind: str, minute: int, sub: str, status: St, plan: plans.Plan) -> pe.BillingEvent:
    made: dict[str, pe.BillingEvent] = {
        "checkout": checkout(at(minute), plan, sub),
        "unsettled": checkout(at(minute), plan, sub, payment_settled=False),
        "updated": updated(at(minute), status, plan, sub),
        "deleted": deleted(at(minute), sub),
        "failed": failed(at(minute), sub),
        "paid": paid(at(minute), sub),
        "unknown": unknown(at(minute)),
    }
    return made[kind]


arbitrary_events = st.builds(
    _any_event,
    st.sampled_from(["checkout", "unsettled", "updated", "deleted", "failed", "paid", "unknown"]),
    st.integers(min_value=0, max_value=30),
    st.sampled_from(["sub_a", "sub_b"]),
    st.sampled_from(list(St)),
    st.sampled_from(s.CATALOG),
)


@settings(max_examples=300, deadline=None)
@given(delivered=st.lists(arbitrary_events, max_size=25))
def test_even_impossible_sequences_never_raise_and_effects_match_the_state(
    delivered: list[pe.BillingEvent],
) -> None:
    state, effects, results = run(delivered)
    assert ai_tier_after(effects) == entitlements.effective_tier(state, s.CATALOG)
    marks = [r.state.last_event_at for r in results if r.state and r.state.last_event_at]
    assert marks == sorted(marks)  # the watermark only moves forward
    for result in results:
        if result.outcome is not Outcome.APPLIED:
            assert result.effects == ()
