"""Scheduled messages through the application (bus, dispatcher, memory store) against a model.

The domain machine (``tests/core/scheduling/test_message_machine.py``) checks one message
value. This one lets staff schedule, reschedule and cancel several messages while the clock
moves and a dispatcher runs, and checks after every step, against a reference model written
independently: each message's status, that exactly the due PENDING ones are sent by a
dispatch, each message at most once, and only after its (latest) send time.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from b2core.scheduling import commands, model
from b2core.shared import errors, ids, pagination
from tests.core.scheduling import support

Status = model.ScheduleStatus
minutes = st.integers(min_value=0, max_value=90).map(lambda m: timedelta(minutes=m))


class SchedulingAppMachine(RuleBasedStateMachine):
    """One tenant, a few recipients, staff actions, clock moves and dispatcher runs."""

    messages = Bundle("messages")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.app: Any = None
        self.member: Any = None
        self.status: dict[ids.ScheduledMessageId, Status] = {}
        self.send_at: dict[ids.ScheduledMessageId, datetime] = {}
        self.sent_at: dict[ids.ScheduledMessageId, datetime] = {}

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.loop.close()

    def attempt(self, command: object) -> Any:
        """What the bus returns for ``command``, or the domain error it raised."""
        try:
            return self.run(self.app.handle(command))
        except errors.DomainError as refused:
            return refused

    @property
    def now(self) -> datetime:
        now: datetime = self.app.now
        return now

    @initialize()
    def setup(self) -> None:
        async def build() -> None:
            self.app = await support.scheduling_app()
            self.member = await support.register(self.app)
            for phone in (support.PHONE, "+5511900000002"):  # their service windows are open
                self.app.windows.customer_wrote(self.member.tenant_id, phone, support.T0)

        self.run(build())

    @rule(
        target=messages,
        lead=minutes,
        phone=st.sampled_from([support.PHONE, "+5511900000002"]),
    )
    def schedule(self, lead: timedelta, phone: str) -> ids.ScheduledMessageId:
        command = commands.ScheduleMessage(
            **self.member.who, recipient=phone, send_at=self.now + lead, text="See you soon"
        )
        created: model.ScheduledMessage = self.run(self.app.handle(command))
        assert created.status is Status.PENDING
        self.status[created.id] = Status.PENDING
        self.send_at[created.id] = self.now + lead
        return created.id

    @rule(message=messages, lead=minutes)
    def reschedule(self, message: ids.ScheduledMessageId, lead: timedelta) -> None:
        command = commands.UpdateScheduledMessage(
            **self.member.who, message_id=message, send_at=self.now + lead
        )
        refused = self.attempt(command)
        if isinstance(refused, errors.DomainError):
            assert self.status[message] is not Status.PENDING, refused
            assert isinstance(refused, errors.Conflict), refused
            return
        assert self.status[message] is Status.PENDING
        self.send_at[message] = self.now + lead

    @rule(message=messages)
    def cancel(self, message: ids.ScheduledMessageId) -> None:
        command = commands.CancelScheduledMessage(**self.member.who, message_id=message)
        refused = self.attempt(command)
        if isinstance(refused, errors.DomainError):
            assert self.status[message] is not Status.PENDING, refused
            assert isinstance(refused, errors.Conflict), refused
            return
        assert self.status[message] is Status.PENDING
        self.status[message] = Status.CANCELED

    @rule(step=st.sampled_from([timedelta(minutes=1), timedelta(minutes=15), timedelta(hours=1)]))
    def time_passes(self, step: timedelta) -> None:
        self.app.app.clock.set(self.now + step)

    @rule(worker=st.sampled_from(["dispatcher-a", "dispatcher-b"]))
    def dispatch(self, worker: str) -> None:
        sent_before = len(self.app.sender.sent)
        self.run(self.app.handle(commands.DispatchDueMessages(worker_id=worker, batch_size=100)))
        due = {
            m for m, s in self.status.items()
            if s is Status.PENDING and self.send_at[m] <= self.now
        }  # fmt: skip
        newly = {ids.ScheduledMessageId(o.message_id) for o in self.app.sender.sent[sent_before:]}
        assert newly == due, (newly, due)
        for message in due:
            self.status[message] = Status.SENT
            self.sent_at[message] = self.now

    @invariant()
    def stored_matches_the_model(self) -> None:
        if self.app is None:
            return
        query = commands.ListScheduledMessages(
            **self.member.who, page=pagination.PageRequest(limit=100)
        )
        page = self.run(self.app.handle(query))
        assert {m.id: m.status for m in page.items} == self.status
        sent = [ids.ScheduledMessageId(o.message_id) for o in self.app.sender.sent]
        assert len(sent) == len(set(sent)), "a message reached the customer twice"
        assert set(sent) == {m for m, s in self.status.items() if s is Status.SENT}
        for message, at in self.sent_at.items():
            assert at >= self.send_at[message], "sent before its time"


SchedulingAppMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=25, deadline=None
)
TestSchedulingAppMachine = SchedulingAppMachine.TestCase
