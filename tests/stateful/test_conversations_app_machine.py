"""Conversations through the application (bus, inbox handlers, memory store) against a model.

The domain machine (``tests/core/conversations/test_conversation_machine.py``) checks one
``Conversation`` value. This one stores customer messages as the pipeline does and drives the
inbox commands of two tenants' staff through the bus, for several customers, checking after
every step against a reference model: each conversation's status, assignee and unread count;
one live (not CLOSED) conversation per customer, a new one after CLOSED; refused moves change
nothing; another tenant's staff cannot see or move a conversation ("not found").
"""

from __future__ import annotations

import asyncio
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from b2core.conversations import commands, model
from b2core.shared import errors, ids, pagination
from tests.core.conversations import support

S = model.ConversationStatus
CUSTOMERS = ("cust-1", "cust-2", "cust-3")
# The rules written out again, independently of the code under test.
SOURCES = {
    "assign": {S.OPEN, S.ASSIGNED},
    "release": {S.ASSIGNED},
    "resolve": {S.OPEN, S.ASSIGNED},
    "reopen": {S.RESOLVED},
    "close": {S.OPEN, S.ASSIGNED, S.RESOLVED},
}


@attrs.define
class Expected:
    """What the model says one conversation looks like."""

    customer: str
    status: S = S.OPEN
    assignee: ids.UserId | None = None
    unread: int = 0


class ConversationsAppMachine(RuleBasedStateMachine):
    """Customers write, staff of the right (or the wrong) tenant act, in random order."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.inbox: Any = None
        self.model: dict[ids.ConversationId, Expected] = {}

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.loop.close()

    def attempt(self, command: object) -> Any:
        """What the bus returns for ``command``, or the domain error it raised."""
        try:
            return self.run(self.inbox.handle(command))
        except errors.DomainError as refused:
            return refused

    @initialize()
    def setup(self) -> None:
        self.inbox = self.run(support.make_inbox())

    def _live(self, customer: str) -> ids.ConversationId | None:
        live = [
            c for c, e in self.model.items() if e.customer == customer and e.status is not S.CLOSED
        ]
        assert len(live) <= 1
        return live[0] if live else None

    @rule(customer=st.sampled_from(CUSTOMERS))
    def customer_writes(self, customer: str) -> None:
        live = self._live(customer)
        received = self.run(self.inbox.receive("hello", customer=customer))
        conversation_id = received.conversation.id
        if live is None:
            assert conversation_id not in self.model, "a CLOSED conversation came back"
            self.model[conversation_id] = Expected(customer)
        else:
            assert conversation_id == live
        expected = self.model[conversation_id]
        if expected.status is S.RESOLVED:
            expected.status = S.OPEN
        expected.unread += 1

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        action=st.sampled_from(sorted(SOURCES)),
        who=st.sampled_from(["admin", "staff", "other_admin"]),
        to_staff=st.booleans(),
    )
    def staff_acts(self, customer: str, action: str, who: str, to_staff: bool) -> None:
        candidates = [c for c, e in self.model.items() if e.customer == customer]
        if not candidates:
            return
        conversation_id = candidates[-1]  # the newest, CLOSED ones included
        member: support.Member = getattr(self.inbox, who)
        assignee = self.inbox.staff.user_id if to_staff else None
        command = self._command(action, member.who, conversation_id, assignee)
        expected = self.model[conversation_id]
        refused = self.attempt(command)
        if isinstance(refused, errors.DomainError):
            if who == "other_admin":
                assert isinstance(refused, errors.NotFound), refused
            else:
                assert isinstance(refused, errors.Conflict), refused
                assert expected.status not in SOURCES[action], (action, expected.status)
            return
        assert who != "other_admin", "another tenant moved the conversation"
        assert expected.status in SOURCES[action], (action, expected.status)
        if action == "assign":
            expected.status, expected.unread = S.ASSIGNED, 0
            expected.assignee = assignee or member.user_id
        elif action == "release":
            expected.status, expected.assignee = S.OPEN, None
        elif action == "resolve":
            expected.status, expected.assignee, expected.unread = S.RESOLVED, None, 0
        elif action == "reopen":
            expected.status = S.OPEN
        else:
            expected.status, expected.assignee = S.CLOSED, None

    @staticmethod
    def _command(
        action: str,
        who: tuple[ids.TenantId, ids.UserId, str],
        conversation_id: ids.ConversationId,
        assignee: ids.UserId | None,
    ) -> Any:
        if action == "assign":
            return commands.AssignConversation(*who, conversation_id, assignee)
        kinds = {
            "release": commands.ReleaseConversation,
            "resolve": commands.ResolveConversation,
            "reopen": commands.ReopenConversation,
            "close": commands.CloseConversation,
        }
        return kinds[action](*who, conversation_id)

    @invariant()
    def stored_matches_the_model(self) -> None:
        if self.inbox is None:
            return
        admin: support.Member = self.inbox.admin
        first_page = pagination.PageRequest(limit=100)
        page = self.run(self.inbox.handle(commands.ListConversations(*admin.who, page=first_page)))
        stored = {c.id: c for c in page.items}
        assert set(stored) == set(self.model)
        for conversation_id, expected in self.model.items():
            found = stored[conversation_id]
            assert found.customer_id == expected.customer
            assert found.status is expected.status
            assert found.assignee_id == expected.assignee
            assert found.unread_count == expected.unread
            assert found.ai_may_reply is (expected.status is S.OPEN)
        other: support.Member = self.inbox.other_admin
        theirs = self.run(
            self.inbox.handle(commands.ListConversations(*other.who, page=first_page))
        )
        assert not theirs.items, "another tenant sees these conversations"


ConversationsAppMachine.TestCase.settings = settings(
    max_examples=30, stateful_step_count=25, deadline=None
)
TestConversationsAppMachine = ConversationsAppMachine.TestCase
