"""Random sequences of transitions by random actors keep the order's invariants."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from b2core.orders import model, policy
from b2core.shared import errors
from tests.core.orders import strategies as s

Status = model.OrderStatus
# The rules written out again, independently of the code under test.
SOURCES = {
    "submit": {Status.DRAFT},
    "approve": {Status.PENDING_APPROVAL},
    "reject": {Status.PENDING_APPROVAL},
    "complete": {Status.APPROVED},
    "cancel": {Status.DRAFT, Status.PENDING_APPROVAL},
}
TARGET = {
    "submit": Status.PENDING_APPROVAL,
    "approve": Status.APPROVED,
    "reject": Status.REJECTED,
    "complete": Status.COMPLETED,
    "cancel": Status.CANCELLED,
}
DECISIONS = {Status.APPROVED, Status.REJECTED, Status.COMPLETED}
TERMINAL = {Status.REJECTED, Status.COMPLETED, Status.CANCELLED}
# Tilted towards deciders so that long paths (APPROVED, COMPLETED) are walked often.
actors = st.one_of(st.sampled_from([s.ADMIN, s.STAFF]), s.actors)
reasons = st.one_of(st.sampled_from(["", "  ", "out of stock"]), st.text(max_size=20))


def may(actor: policy.Actor, action: str) -> bool:
    """Humans of the tenant do anything; the AI and the system only submit and cancel."""
    if actor.kind is policy.ActorKind.USER:
        return actor.role in {"TENANT_ADMIN", "STAFF"}
    return action in {"submit", "cancel"}


def outcome(move: Callable[[], model.Order]) -> model.Order | errors.DomainError:
    """The order a transition returns, or the domain error it raises."""
    try:
        return move()
    except errors.DomainError as exc:
        return exc


class OrderMachine(RuleBasedStateMachine):
    """One order driven by random actors through random transitions."""

    def __init__(self) -> None:
        super().__init__()
        self.order: model.Order
        self.successes = 0
        self.now = s.T0
        self.expected_total = 0

    @initialize(order=s.orders())
    def start(self, order: model.Order) -> None:
        self.order = order
        self.successes = 0
        self.expected_total = sum(i.unit_price.amount_minor * i.quantity for i in order.items)

    @precondition(lambda self: self.order.is_final)
    @rule(order=s.orders())
    def next_order(self, order: model.Order) -> None:
        """Once an order is final, sometimes move on to a new one to walk more paths."""
        self.start(order)

    def attempt(
        self, action: str, actor: policy.Actor, move: Callable[[], model.Order], reason: str = "x"
    ) -> None:
        self.now += timedelta(minutes=1)
        before = self.order
        after = outcome(move)
        if isinstance(after, errors.DomainError):
            self.check_refusal(action, actor, reason, after)
            assert self.order == before
            return
        assert may(actor, action)
        assert before.status in SOURCES[action]
        assert before.status not in TERMINAL
        assert after.status is TARGET[action]
        if action == "reject":
            assert after.history[-1].reason == reason.strip()
        assert after.history[-1] == model.Transition(
            before.status, after.status, actor, self.now, after.history[-1].reason
        )
        self.order = after
        self.successes += 1

    def check_refusal(
        self, action: str, actor: policy.Actor, reason: str, error: errors.DomainError
    ) -> None:
        """A refusal says why, in this order of precedence: permission, state, input."""
        if not may(actor, action):
            assert isinstance(error, errors.Forbidden)
        elif self.order.status not in SOURCES[action]:
            assert isinstance(error, errors.Conflict)
            assert error.code == "order.invalid_transition"
        else:
            assert action == "reject"
            assert not reason.strip()
            assert error.code == "order.reason_required"

    @rule(actor=actors)
    def submit(self, actor: policy.Actor) -> None:
        self.attempt("submit", actor, lambda: self.order.submit(actor, self.now))

    @rule(actor=actors)
    def approve(self, actor: policy.Actor) -> None:
        self.attempt("approve", actor, lambda: self.order.approve(actor, self.now))

    @rule(actor=actors, reason=reasons)
    def reject(self, actor: policy.Actor, reason: str) -> None:
        self.attempt("reject", actor, lambda: self.order.reject(actor, self.now, reason), reason)

    @rule(actor=actors)
    def complete(self, actor: policy.Actor) -> None:
        self.attempt("complete", actor, lambda: self.order.complete(actor, self.now))

    @rule(actor=actors, reason=st.one_of(st.none(), reasons))
    def cancel(self, actor: policy.Actor, reason: str | None) -> None:
        self.attempt("cancel", actor, lambda: self.order.cancel(actor, self.now, reason))

    @invariant()
    def status_is_legal(self) -> None:
        assert self.order.status in set(Status)

    @invariant()
    def history_has_one_entry_per_success_and_chains(self) -> None:
        history = self.order.history
        assert len(history) == self.successes
        statuses = [Status.DRAFT, *(t.to_status for t in history)]
        assert [t.from_status for t in history] == statuses[:-1]
        assert statuses[-1] is self.order.status

    @invariant()
    def the_ai_never_decides(self) -> None:
        for step in self.order.history:
            if step.to_status in DECISIONS:
                assert step.by.kind is policy.ActorKind.USER
                assert step.by.role in {"TENANT_ADMIN", "STAFF"}

    @invariant()
    def total_is_the_sum_of_lines(self) -> None:
        assert self.order.total.amount_minor == self.expected_total
        assert self.order.total.currency == "BRL"


OrderMachine.TestCase.settings = settings(max_examples=100, stateful_step_count=25, deadline=None)
test_order_machine = OrderMachine.TestCase
