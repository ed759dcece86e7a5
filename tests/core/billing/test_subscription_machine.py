"""The subscription state machine under random steps and snapshots, against a written-out table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from b2core.billing import entitlements, model, plans
from b2core.shared import errors
from tests.core.billing import strategies as s

St = model.SubscriptionStatus
# Stripe's documented steps, written out again independently of the code under test.
ALLOWED = {
    ("INCOMPLETE", "ACTIVE"),
    ("INCOMPLETE", "TRIALING"),
    ("INCOMPLETE", "INCOMPLETE_EXPIRED"),
    ("INCOMPLETE", "CANCELED"),
    ("TRIALING", "ACTIVE"),
    ("TRIALING", "PAST_DUE"),
    ("TRIALING", "UNPAID"),
    ("TRIALING", "CANCELED"),
    ("ACTIVE", "PAST_DUE"),
    ("ACTIVE", "UNPAID"),
    ("ACTIVE", "TRIALING"),
    ("ACTIVE", "CANCELED"),
    ("PAST_DUE", "ACTIVE"),
    ("PAST_DUE", "UNPAID"),
    ("PAST_DUE", "CANCELED"),
    ("UNPAID", "ACTIVE"),
    ("UNPAID", "CANCELED"),
}
GRANTING = {"ACTIVE", "TRIALING", "PAST_DUE"}
NAMED: dict[str, Callable[[model.Subscription, datetime], model.Subscription]] = {
    "ACTIVE": lambda sub, at: sub.activate(at),
    "TRIALING": lambda sub, at: sub.start_trial(at),
    "PAST_DUE": lambda sub, at: sub.mark_past_due(at),
    "UNPAID": lambda sub, at: sub.mark_unpaid(at),
    "CANCELED": lambda sub, at: sub.cancel(at),
    "INCOMPLETE_EXPIRED": lambda sub, at: sub.expire(at),
}


def reachable(source: str, target: str) -> bool:
    """Whether ``target`` can follow ``source`` through some chain of allowed steps."""
    seen, todo = set(), [source]
    while todo:
        here = todo.pop()
        for a, b in ALLOWED:
            if a == here and b not in seen:
                seen.add(b)
                todo.append(b)
    return source == target or target in seen


class SubscriptionMachine(RuleBasedStateMachine):
    """One subscription moved by named steps and by provider snapshots."""

    def __init__(self) -> None:
        super().__init__()
        self.sub: model.Subscription
        self.now = s.T0
        self.history: list[str] = []

    @initialize(status=st.sampled_from(list(St)), plan=st.sampled_from(s.CATALOG))
    def start(self, status: St, plan: plans.Plan) -> None:
        self.sub = model.Subscription.from_stripe(
            s.TENANT, status, s.T0, stripe_subscription_id="sub_1", plan_id=plan.id
        )
        self.history = [status.value]

    def _tick(self) -> None:
        self.now += timedelta(minutes=1)

    @rule(to=st.sampled_from(list(NAMED)))
    def step(self, to: str) -> None:
        self._tick()
        if (self.sub.status.value, to) not in ALLOWED:
            with pytest.raises(errors.Conflict) as caught:
                NAMED[to](self.sub, self.now)
            assert caught.value.code == "subscription.invalid_transition"
            return
        self.sub = NAMED[to](self.sub, self.now)
        assert self.sub.status.value == to
        assert self.sub.updated_at == self.now
        self.history.append(to)

    @rule(to=st.sampled_from(list(St)), cancel_flag=st.booleans())
    def snapshot(self, to: St, cancel_flag: bool) -> None:
        self._tick()
        if not reachable(self.sub.status.value, to.value):
            with pytest.raises(errors.Conflict) as caught:
                self.sub.sync(to, self.now, cancel_at_period_end=cancel_flag)
            assert caught.value.code == "subscription.invalid_transition"
            return
        self.sub = self.sub.sync(to, self.now, cancel_at_period_end=cancel_flag)
        assert self.sub.status is to
        assert self.sub.cancel_at_period_end is cancel_flag
        self.history.append(to.value)

    @invariant()
    def final_statuses_never_change(self) -> None:
        for i, status in enumerate(self.history):
            if status in {"CANCELED", "INCOMPLETE_EXPIRED"}:
                assert set(self.history[i:]) == {status}

    @invariant()
    def nothing_returns_to_incomplete(self) -> None:
        if "INCOMPLETE" in self.history:
            first = self.history.index("INCOMPLETE")
            assert first == 0
            assert all(h == "INCOMPLETE" for h in self.history[: self.history.count("INCOMPLETE")])

    @invariant()
    def tier_is_the_plans_exactly_while_granting(self) -> None:
        assert self.sub.plan_id is not None
        granting = self.history[-1] in GRANTING
        expected = s.EXPECTED_TIER[self.sub.plan_id] if granting else "FREE"
        assert entitlements.effective_tier(self.sub, s.CATALOG) == expected


TestSubscriptionMachine = SubscriptionMachine.TestCase
TestSubscriptionMachine.settings = settings(max_examples=150, stateful_step_count=25, deadline=None)


def test_no_subscription_or_unknown_plan_is_free() -> None:
    assert entitlements.effective_tier(None, s.CATALOG) == "FREE"
    orphan = model.Subscription.from_stripe(
        s.TENANT, St.ACTIVE, s.T0, stripe_subscription_id="sub_1", plan_id=None
    )
    assert entitlements.effective_tier(orphan, s.CATALOG) == "FREE"


@pytest.mark.parametrize("status", list(St))
def test_past_due_keeps_the_tier_as_a_grace_period(status: St) -> None:
    sub = model.Subscription.from_stripe(
        s.TENANT, status, s.T0, stripe_subscription_id="sub_1", plan_id=s.PRO.id
    )
    granting = status in {St.ACTIVE, St.TRIALING, St.PAST_DUE}
    assert entitlements.effective_tier(sub, s.CATALOG) == ("MEDIUM" if granting else "FREE")


def test_a_manual_subscription_stops_granting_at_its_period_end() -> None:
    end = s.T0 + timedelta(days=30)
    sub = model.Subscription.manual(s.TENANT, s.BASIC.id, (s.T0, end), s.T0)
    assert entitlements.effective_tier(sub, s.CATALOG, end - timedelta(seconds=1)) == "LOW"
    assert entitlements.effective_tier(sub, s.CATALOG, end) == "FREE"
    assert entitlements.entitlement_of(sub, s.CATALOG).until == end
