"""Random sequences of dispatcher and staff transitions keep a scheduled message's invariants."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from b2core.scheduling import model, policy
from b2core.shared import errors, ids
from tests.core.scheduling.support import PHONE, T0

Status = model.ScheduleStatus
FINAL = {Status.SENT, Status.FAILED, Status.CANCELED}
workers = st.sampled_from(["worker-a", "worker-b"])
ttls = st.sampled_from([timedelta(seconds=30), timedelta(minutes=5)])
steps = st.sampled_from([timedelta(0), timedelta(seconds=20), timedelta(minutes=2)])


def a_message(at: datetime) -> model.ScheduledMessage:
    return model.ScheduledMessage.create(
        ids.ScheduledMessageId("m-1"),
        ids.TenantId("tenant-1"),
        PHONE,
        model.MessageContent("Hello"),
        at,
        timezone="UTC",
        by=ids.UserId("u-1"),
        at=at,
    )


class MessageMachine(RuleBasedStateMachine):
    """One message; the expected state is tracked here, independently of the model."""

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.message = a_message(T0)
        self.holder: str | None = None
        self.expires: datetime | None = None
        self.failures = 0

    @initialize()
    def start(self) -> None:
        self.now = T0
        self.message = a_message(T0)

    def live_holder(self) -> str | None:
        return self.holder if self.expires is not None and self.expires > self.now else None

    def attempt(
        self, move: Callable[[], model.ScheduledMessage], expected_error: str | None
    ) -> model.ScheduledMessage | None:
        """Run ``move``; it must fail with ``expected_error`` (a code), or succeed when None."""
        before = self.message
        try:
            after = move()
        except errors.DomainError as exc:
            error: str | None = exc.code
        else:
            error = None
        assert error == expected_error
        if error is not None:
            assert self.message == before
            return None
        self.message = after
        return after

    def holder_error(self, worker: str) -> str | None:
        if self.message.status in FINAL:
            return "schedule.invalid_transition"
        return None if self.holder == worker else "schedule.claim_lost"

    @precondition(lambda self: self.message.status in FINAL)
    @rule()
    def next_message(self) -> None:
        """Once a message is final, move on to a fresh one to walk more paths."""
        self.message = a_message(self.now)
        self.holder = self.expires = None
        self.failures = 0

    @rule(step=steps)
    def time_passes(self, step: timedelta) -> None:
        self.now += step

    @rule(worker=workers)
    def failed_attempt(self, worker: str) -> None:
        """A whole dispatcher cycle that fails: claim, then record the failure."""
        self.claim(worker, timedelta(minutes=5))
        self.record_failure(worker)

    @rule(worker=workers, ttl=ttls)
    def claim(self, worker: str, ttl: timedelta) -> None:
        if self.message.status in FINAL:
            error: str | None = "schedule.invalid_transition"
        elif self.live_holder() is not None:
            error = "schedule.already_claimed"
        elif self.message.due_at > self.now:
            error = "schedule.not_due"
        else:
            error = None
        if self.attempt(lambda: self.message.claim(worker, self.now, ttl), error):
            self.holder, self.expires = worker, self.now + ttl

    @rule(worker=workers)
    def mark_sent(self, worker: str) -> None:
        after = self.attempt(
            lambda: self.message.mark_sent(worker, self.now, "wamid.1"), self.holder_error(worker)
        )
        if after:
            assert (after.status, after.sent_at) == (Status.SENT, self.now)
            self.holder = self.expires = None

    @rule(worker=workers)
    def record_failure(self, worker: str) -> None:
        retry_at = self.now  # due again at once, so that long failure paths are walked often
        error = self.holder_error(worker)
        after = self.attempt(
            lambda: self.message.record_failure(
                worker, self.now, "channel.unavailable: down", retry_at
            ),
            error,
        )
        if after:
            self.failures += 1
            self.holder = self.expires = None
            expected = Status.FAILED if self.failures == policy.MAX_ATTEMPTS else Status.PENDING
            assert after.status is expected
            assert after.last_error == "channel.unavailable: down"
            if expected is Status.PENDING:
                assert after.due_at == retry_at

    @rule(worker=workers)
    def fail(self, worker: str) -> None:
        if self.attempt(
            lambda: self.message.fail(worker, self.now, "x: no"), self.holder_error(worker)
        ):
            self.holder = self.expires = None
            assert self.message.status is Status.FAILED

    @rule(worker=workers, wait=steps)
    def defer(self, worker: str, wait: timedelta) -> None:
        until = self.now + wait
        if self.attempt(
            lambda: self.message.defer(worker, until, self.now), self.holder_error(worker)
        ):
            self.holder = self.expires = None
            assert self.message.due_at == until

    @rule(worker=workers)
    def release(self, worker: str) -> None:
        if self.attempt(lambda: self.message.release(worker), self.holder_error(worker)):
            self.holder = self.expires = None

    def staff_error(self) -> str | None:
        if self.message.status in FINAL:
            return "schedule.invalid_transition"
        return "schedule.dispatch_in_progress" if self.live_holder() else None

    @rule()
    def cancel(self) -> None:
        if self.attempt(lambda: self.message.cancel(self.now), self.staff_error()):
            assert self.message.status is Status.CANCELED
            self.holder = self.expires = None

    @rule(ahead=steps)
    def reschedule(self, ahead: timedelta) -> None:
        send_at = self.now + ahead
        if self.attempt(lambda: self.message.revise(self.now, send_at=send_at), self.staff_error()):
            assert self.message.due_at == send_at == self.message.send_at

    @invariant()
    def claims_only_on_pending_messages(self) -> None:
        if self.message.status in FINAL:
            assert (self.message.claimed_by, self.message.claim_expires_at) == (None, None)
        assert self.message.claimed_by == self.holder
        assert self.message.claim_expires_at == self.expires

    @invariant()
    def at_most_three_attempts(self) -> None:
        assert self.message.retry_count == self.failures <= policy.MAX_ATTEMPTS

    @invariant()
    def final_states_say_when(self) -> None:
        message = self.message
        assert (message.finished_at is not None) == (message.status in FINAL)
        assert (message.sent_at is not None) == (message.status is Status.SENT)


MessageMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
test_message_machine = MessageMachine.TestCase
