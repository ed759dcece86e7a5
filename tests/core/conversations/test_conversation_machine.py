"""Random sequences of inbox actions and customer messages keep the conversation's invariants."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from b2core.conversations import model
from b2core.shared import errors, ids
from tests.core.conversations.support import CHANNEL, CUSTOMER, T0, TENANT

S = model.ConversationStatus
# The rules written out again, independently of the code under test.
SOURCES = {
    "assign": {S.OPEN, S.ASSIGNED},
    "release": {S.ASSIGNED},
    "resolve": {S.OPEN, S.ASSIGNED},
    "reopen": {S.RESOLVED},
    "close": {S.OPEN, S.ASSIGNED, S.RESOLVED},
    "receive": {S.OPEN, S.ASSIGNED, S.RESOLVED},
    "reply": {S.OPEN, S.ASSIGNED, S.RESOLVED},
}
users = st.sampled_from([ids.UserId("u-1"), ids.UserId("u-2"), ids.UserId("u-3")])
# Customer messages may arrive late: a few minutes before the latest activity.
offsets = st.integers(min_value=-300, max_value=300).map(lambda s: timedelta(seconds=s))


def outcome(move: Callable[[], model.Conversation]) -> model.Conversation | errors.DomainError:
    """The conversation a transition returns, or the domain error it raises."""
    try:
        return move()
    except errors.DomainError as exc:
        return exc


class ConversationMachine(RuleBasedStateMachine):
    """One conversation driven by staff actions and customer messages in random order."""

    def __init__(self) -> None:
        super().__init__()
        self.subject: model.Conversation
        self.status = S.OPEN
        self.assignee: ids.UserId | None = None
        self.unread = 0
        self.now = T0
        self.latest = T0

    @initialize()
    def start(self) -> None:
        self.subject = model.Conversation.open(
            ids.ConversationId(f"c-{self.now.timestamp()}"), TENANT, CHANNEL, CUSTOMER, self.now
        )
        self.status, self.assignee, self.unread, self.latest = S.OPEN, None, 0, self.now

    @precondition(lambda self: self.status is S.CLOSED)
    @rule()
    def customer_writes_again(self) -> None:
        """A CLOSED conversation is final: the next message starts a new one."""
        self.start()

    def attempt(self, action: str, move: Callable[[], model.Conversation]) -> bool:
        self.now += timedelta(minutes=1)
        before = self.subject
        after = outcome(move)
        if isinstance(after, errors.DomainError):
            assert isinstance(after, errors.Conflict)
            assert after.code == "conversation.invalid_transition"
            assert self.status not in SOURCES[action]
            assert self.subject == before
            return False
        assert self.status in SOURCES[action]
        assert after.version == before.version  # only the repository bumps it
        self.subject = after
        return True

    @rule(user=users)
    def assign(self, user: ids.UserId) -> None:
        if self.attempt("assign", lambda: self.subject.assign(user, self.now)):
            self.status, self.assignee, self.unread = S.ASSIGNED, user, 0

    @rule()
    def release(self) -> None:
        if self.attempt("release", lambda: self.subject.release(self.now)):
            self.status, self.assignee = S.OPEN, None

    @rule()
    def resolve(self) -> None:
        if self.attempt("resolve", lambda: self.subject.resolve(self.now)):
            self.status, self.assignee, self.unread = S.RESOLVED, None, 0

    @rule()
    def reopen(self) -> None:
        if self.attempt("reopen", lambda: self.subject.reopen(self.now)):
            self.status = S.OPEN

    @rule()
    def close(self) -> None:
        if self.attempt("close", lambda: self.subject.close(self.now)):
            self.status, self.assignee = S.CLOSED, None

    @rule(offset=offsets)
    def receive(self, offset: timedelta) -> None:
        at = self.now + offset
        if self.attempt("receive", lambda: self.subject.receive(at)):
            self.status = S.OPEN if self.status is S.RESOLVED else self.status
            self.unread += 1
            self.latest = max(self.latest, at)

    @rule(user=users)
    def reply(self, user: ids.UserId) -> None:
        if self.attempt("reply", lambda: self.subject.reply_by_human(user, self.now)):
            if self.status is not S.ASSIGNED:
                self.assignee = user
            self.status, self.unread = S.ASSIGNED, 0
            self.latest = max(self.latest, self.now)

    @rule()
    def mark_read(self) -> None:
        self.subject = self.subject.mark_read(self.now)
        self.unread = 0

    @invariant()
    def matches_the_reference(self) -> None:
        assert self.subject.status is self.status
        assert self.subject.assignee_id == self.assignee
        assert self.subject.unread_count == self.unread

    @invariant()
    def the_ai_answers_only_when_nobody_holds_an_open_conversation(self) -> None:
        assert self.subject.ai_may_reply is (self.status is S.OPEN)
        assert (self.subject.assignee_id is not None) is (self.status is S.ASSIGNED)

    @invariant()
    def activity_never_goes_back(self) -> None:
        assert self.subject.last_message_at == self.latest


ConversationMachine.TestCase.settings = settings(
    max_examples=100, stateful_step_count=30, deadline=None
)
test_conversation_machine = ConversationMachine.TestCase
