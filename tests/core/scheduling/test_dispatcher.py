"""The dispatcher on the memory adapters: exactly once, retries, quiet hours, windows, retention."""

from __future__ import annotations

import asyncio
import collections
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from b2adapters.memory import scheduling as memory_scheduling
from b2core.scheduling import commands, dispatching, model, templates
from b2core.shared import errors, ids
from tests.core.scheduling.support import (
    PHONE,
    T0,
    Member,
    SchedulingApp,
    add_template,
    audit_entries,
    change_tenant,
    register,
    scheduling_app,
)

Status = model.ScheduleStatus
SOON = (T0 + timedelta(minutes=10)).isoformat()
DUE = T0 + timedelta(minutes=10)


class WorkerKilled(BaseException):
    """A dispatcher process dying mid-batch (not an error the handler may catch)."""


class ScriptedSender:
    """Records through a real recording sender, after failing or dying on cue."""

    def __init__(self, failures: list[BaseException | None] | None = None) -> None:
        self.inner = memory_scheduling.RecordingMessageSender()
        self.script = collections.deque(failures or [])
        self.calls = 0

    @property
    def sent(self) -> list[dispatching.OutboundMessage]:
        return self.inner.sent

    async def send(self, outbound: dispatching.OutboundMessage) -> str:
        self.calls += 1
        await asyncio.sleep(0)  # let other dispatchers run in between
        problem = self.script.popleft() if self.script else None
        if isinstance(problem, WorkerKilled):
            await self.inner.send(outbound)  # it went out, then the worker died
            raise problem
        if problem is not None:
            raise problem
        return await self.inner.send(outbound)


def down(reason: str = "down") -> errors.Unavailable:
    return errors.Unavailable(reason, code="channel.unavailable")


@pytest.fixture
async def app() -> SchedulingApp:
    wired = await scheduling_app()
    wired.use_sender(ScriptedSender())
    return wired


@pytest.fixture
async def admin(app: SchedulingApp) -> Member:
    return await register(app, timezone="America/Sao_Paulo")


async def schedule(
    app: SchedulingApp, member: Member, phone: str = PHONE, *, wrote: bool = True, **fields: Any
) -> model.ScheduledMessage:
    """A message due at :data:`DUE`; ``wrote``: the customer wrote just now (window open)."""
    values: dict[str, Any] = {"send_at": SOON, "text": "Hello"} | fields
    message: model.ScheduledMessage = await app.handle(
        commands.ScheduleMessage(**member.who, recipient=phone, **values)
    )
    if wrote:
        app.windows.customer_wrote(member.tenant_id, message.recipient, app.now)
    return message


async def dispatch(
    app: SchedulingApp, worker: str = "w1", **fields: Any
) -> dispatching.DispatchReport:
    report: dispatching.DispatchReport = await app.handle(
        commands.DispatchDueMessages(worker_id=worker, **fields)
    )
    return report


async def get(
    app: SchedulingApp, member: Member, message: model.ScheduledMessage
) -> model.ScheduledMessage:
    found: model.ScheduledMessage = await app.handle(
        commands.GetScheduledMessage(**member.who, message_id=message.id)
    )
    return found


def sends_per_message(sender: ScriptedSender) -> collections.Counter[ids.ScheduledMessageId]:
    return collections.Counter(o.message_id for o in sender.sent)


async def test_four_concurrent_dispatchers_send_200_messages_exactly_once(
    app: SchedulingApp, admin: Member
) -> None:
    phones = [f"+55119{n:08d}" for n in range(200)]
    outcome = await app.handle(
        commands.ScheduleBulk(
            **admin.who,
            recipients=tuple(commands.BulkRecipient(p) for p in phones),
            send_at=SOON,
            text="Hello",
        )
    )
    assert len(outcome.scheduled) == 200
    for phone in phones:
        app.windows.customer_wrote(admin.tenant_id, phone, T0)
    app.app.clock.set(DUE)
    reports: dict[str, list[dispatching.DispatchReport]] = {}

    async def dispatcher(worker: str) -> None:
        reports[worker] = []
        while (report := await dispatch(app, worker, batch_size=7)).claimed:
            reports[worker].append(report)

    await asyncio.gather(*(dispatcher(f"worker-{n}") for n in range(4)))

    sender: ScriptedSender = app.sender
    counts = sends_per_message(sender)
    assert len(counts) == 200
    assert set(counts.values()) == {1}
    assert sender.calls == 200  # not even a deduplicated repeat: claims never overlapped
    assert sorted(o.recipient for o in sender.sent) == sorted(phones)
    assert all(o.idempotency_key == f"scheduled-message:{o.message_id}" for o in sender.sent)
    assert sum(r.sent for rs in reports.values() for r in rs) == 200
    assert sum(1 for rs in reports.values() if rs) > 1  # the work really was shared
    for message in outcome.scheduled:
        stored = await get(app, admin, message)
        assert (stored.status, stored.retry_count, stored.claimed_by) == (Status.SENT, 0, None)
        assert stored.sent_at == DUE
        assert stored.provider_message_id
    sent_entries = [
        e for e in await audit_entries(app, admin.tenant_id) if e.action == "scheduled_message.sent"
    ]
    assert len(sent_entries) == 200
    assert all(e.actor.kind == "system" for e in sent_entries)


async def test_a_claim_whose_worker_died_is_taken_over_after_it_expires(
    app: SchedulingApp, admin: Member
) -> None:
    messages = [await schedule(app, admin, f"+5511900000{n:03d}") for n in range(3)]
    app.app.clock.set(DUE)
    # A dispatcher claims two messages and is killed before doing anything with them.
    async with app.uow.platform() as tx:
        held = await tx.scheduled_dispatch.claim_due(DUE, 2, "dead-worker", timedelta(minutes=1))
        await tx.commit()
    assert {m.claimed_by for m in held} == {"dead-worker"}
    # While the claims live, another dispatcher only gets the third message.
    first = await dispatch(app, "survivor")
    assert (first.claimed, first.sent) == (1, 1)
    cancel = commands.CancelScheduledMessage(**admin.who, message_id=held[0].id)
    with pytest.raises(errors.Conflict) as caught:
        await app.handle(cancel)
    assert caught.value.code == "schedule.dispatch_in_progress"
    # Once they expire, the survivor takes them over and sends each once.
    app.app.clock.advance(timedelta(minutes=1))
    second = await dispatch(app, "survivor")
    assert (second.claimed, second.sent) == (2, 2)
    assert set(sends_per_message(app.sender).values()) == {1}
    assert {(await get(app, admin, m)).status for m in messages} == {Status.SENT}


async def test_a_worker_killed_after_sending_never_makes_the_customer_get_it_twice(
    app: SchedulingApp, admin: Member
) -> None:
    sender = ScriptedSender([WorkerKilled()])
    app.use_sender(sender)
    messages = [await schedule(app, admin, f"+5511900000{n:03d}") for n in range(3)]
    app.app.clock.set(DUE)
    with pytest.raises(WorkerKilled):
        await dispatch(app, "doomed", claim_ttl=timedelta(minutes=2))
    assert (await dispatch(app, "survivor")).claimed == 0  # all three still held by the dead
    app.app.clock.advance(timedelta(minutes=2))
    report = await dispatch(app, "survivor")
    assert (report.claimed, report.sent) == (3, 3)
    assert sender.calls == 4  # the repeat reached the channel port with the same key...
    assert set(sends_per_message(sender).values()) == {1}  # ...which sent it only once
    assert {(await get(app, admin, m)).status for m in messages} == {Status.SENT}


async def test_two_failures_then_success_is_sent_with_two_retries(
    app: SchedulingApp, admin: Member
) -> None:
    sender = ScriptedSender([down("timeout"), down("502 from Graph API")])
    app.use_sender(sender)
    message = await schedule(app, admin)
    app.app.clock.set(DUE)
    assert (await dispatch(app)).retried == 1
    first = await get(app, admin, message)
    assert (first.status, first.retry_count, first.claimed_by) == (Status.PENDING, 1, None)
    assert first.due_at == DUE + timedelta(minutes=1)
    assert (await dispatch(app)).claimed == 0  # waiting for its retry time
    app.app.clock.advance(timedelta(minutes=1))
    assert (await dispatch(app)).retried == 1
    assert (await get(app, admin, message)).due_at == app.now + timedelta(minutes=4)
    app.app.clock.advance(timedelta(minutes=4))
    assert (await dispatch(app)).sent == 1
    sent = await get(app, admin, message)
    assert (sent.status, sent.retry_count) == (Status.SENT, 2)
    assert sent.last_error == "channel.unavailable: 502 from Graph API"
    assert (sender.calls, len(sender.sent)) == (3, 1)
    actions = [
        e.action for e in await audit_entries(app, admin.tenant_id) if e.target_id == message.id
    ]
    assert actions == ["scheduled_message.created", "scheduled_message.sent"]


async def test_always_failing_is_failed_after_three_attempts_with_the_last_error(
    app: SchedulingApp, admin: Member
) -> None:
    sender = ScriptedSender([down(f"attempt {n}") for n in (1, 2, 3, 4)])
    app.use_sender(sender)
    message = await schedule(app, admin)
    app.app.clock.set(DUE)
    outcomes = []
    for _ in range(5):
        report = await dispatch(app)
        outcomes.append((report.retried, report.failed))
        app.app.clock.advance(timedelta(hours=1))
    assert outcomes == [(1, 0), (1, 0), (0, 1), (0, 0), (0, 0)]
    failed = await get(app, admin, message)
    assert (failed.status, failed.retry_count) == (Status.FAILED, 3)
    assert failed.last_error == "channel.unavailable: attempt 3"
    assert sender.calls == 3
    assert sender.sent == []
    [entry] = [
        e
        for e in await audit_entries(app, admin.tenant_id)
        if e.action == "scheduled_message.failed"
    ]
    assert entry.metadata == {"retry_count": 3, "error": "channel.unavailable: attempt 3"}


async def test_an_unexpected_send_error_counts_as_an_attempt(
    app: SchedulingApp, admin: Member
) -> None:
    app.use_sender(ScriptedSender([RuntimeError("bug")]))
    message = await schedule(app, admin)
    app.app.clock.set(DUE)
    assert (await dispatch(app)).retried == 1
    assert (await get(app, admin, message)).last_error == "schedule.send_error: RuntimeError"


async def test_quiet_hours_defer_the_message_to_their_end(
    app: SchedulingApp, admin: Member
) -> None:
    await app.handle(commands.SetQuietHours(**admin.who, start="22:00", end="08:00"))
    message = await schedule(app, admin, send_at="2026-03-02T23:30:00-03:00")
    late = datetime(2026, 3, 3, 2, 30, tzinfo=UTC)
    app.app.clock.set(late)
    app.windows.customer_wrote(admin.tenant_id, PHONE, late)
    assert (await dispatch(app)).deferred == 1
    deferred = await get(app, admin, message)
    morning = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)  # 08:00 in Sao Paulo
    assert (deferred.status, deferred.due_at, deferred.retry_count) == (Status.PENDING, morning, 0)
    assert deferred.send_at == datetime(2026, 3, 3, 2, 30, tzinfo=UTC)  # what was asked stays
    app.app.clock.set(morning - timedelta(seconds=1))
    assert (await dispatch(app)).claimed == 0
    app.app.clock.set(morning)
    assert (await dispatch(app)).sent == 1
    assert app.sender.calls == 1


async def test_outside_the_service_window_a_template_is_sent_or_the_message_fails(
    app: SchedulingApp, admin: Member
) -> None:
    wa = templates.WhatsAppTemplate("appointment_reminder", "pt_BR", ("name",))
    template = await add_template(
        app, admin, content="Hi {{name}}", variables=("name",), whatsapp=wa
    )
    with_template = await schedule(
        app,
        admin,
        "+5511900000001",
        wrote=False,
        text=None,
        template_id=template.id,
        variables={"name": "Ana"},
    )
    plain = await schedule(app, admin, "+5511900000002", wrote=False)
    stale = await schedule(app, admin, "+5511900000003", wrote=False)
    app.windows.customer_wrote(admin.tenant_id, stale.recipient, T0 - timedelta(hours=24))
    app.app.clock.set(DUE)
    report = await dispatch(app)
    assert (report.sent, report.failed) == (1, 2)
    [outbound] = app.sender.sent
    assert (outbound.message_id, outbound.text) == (with_template.id, None)
    assert outbound.whatsapp == model.WhatsAppPayload("appointment_reminder", "pt_BR", ("Ana",))
    for message in (plain, stale):
        failed = await get(app, admin, message)
        assert (failed.status, failed.retry_count) == (Status.FAILED, 0)
        assert failed.last_error is not None
        assert failed.last_error.startswith("schedule.window_closed_no_template: ")


async def test_kill_switches_and_suspension_hold_sends_as_failed_attempts(
    app: SchedulingApp, admin: Member
) -> None:
    message = await schedule(app, admin)
    app.app.clock.set(DUE)
    app.tenants.switch_whatsapp(admin.tenant_id, False)
    assert (await dispatch(app)).retried == 1
    assert (await get(app, admin, message)).last_error == (
        "schedule.whatsapp_disabled: WhatsApp sending is off"
    )
    app.tenants.switch_whatsapp(admin.tenant_id, True)
    await change_tenant(app, admin.tenant_id, lambda t: t.suspend(app.now))
    app.app.clock.advance(timedelta(minutes=1))
    assert (await dispatch(app)).retried == 1
    await change_tenant(app, admin.tenant_id, lambda t: t.reactivate(app.now))
    app.app.clock.advance(timedelta(minutes=4))
    app.windows.customer_wrote(admin.tenant_id, PHONE, app.now)
    assert (await dispatch(app)).sent == 1
    assert app.sender.calls == 1
    assert (await get(app, admin, message)).retry_count == 2


async def test_the_platform_switch_holds_every_tenants_sends(
    app: SchedulingApp, admin: Member
) -> None:
    async with app.uow.platform() as tx:
        system = await tx.settings.system()
        assert system is not None
        await tx.settings.save_system(attrs.evolve(system, global_whatsapp_enabled=False))
        await tx.commit()
    message = await schedule(app, admin)
    app.app.clock.set(DUE)
    assert (await dispatch(app)).retried == 1
    assert app.sender.calls == 0
    assert (await get(app, admin, message)).last_error == (
        "schedule.whatsapp_disabled: WhatsApp sending is off"
    )


async def test_an_archived_tenants_messages_fail(app: SchedulingApp, admin: Member) -> None:
    message = await schedule(app, admin)
    await change_tenant(app, admin.tenant_id, lambda t: t.archive(T0))
    app.app.clock.set(DUE)
    assert (await dispatch(app)).failed == 1
    assert (await get(app, admin, message)).last_error == (
        "schedule.tenant_inactive: the business is closed"
    )
    assert app.sender.calls == 0


async def test_a_message_canceled_after_its_claim_expired_is_not_sent(
    app: SchedulingApp, admin: Member
) -> None:
    message = await schedule(app, admin)
    app.app.clock.set(DUE)
    async with app.uow.platform() as tx:
        await tx.scheduled_dispatch.claim_due(DUE, 10, "dead-worker", timedelta(seconds=30))
        await tx.commit()
    app.app.clock.advance(timedelta(seconds=30))
    await app.handle(commands.CancelScheduledMessage(**admin.who, message_id=message.id))
    assert (await dispatch(app)).claimed == 0
    assert app.sender.calls == 0


@pytest.mark.parametrize(("worker", "batch"), [("", 10), ("w", 0), ("w", 501)])
async def test_bad_dispatch_requests_are_refused(
    app: SchedulingApp, worker: str, batch: int
) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        await dispatch(app, worker, batch_size=batch)
    assert caught.value.code == "schedule.bad_dispatch"


async def test_purge_deletes_finished_messages_past_retention_only(
    app: SchedulingApp, admin: Member
) -> None:
    sent = await schedule(app, admin, "+5511900000001")
    pending = await schedule(
        app, admin, "+5511900000002", send_at=(T0 + timedelta(days=90)).isoformat()
    )
    canceled = await schedule(app, admin, "+5511900000003")
    await app.handle(commands.CancelScheduledMessage(**admin.who, message_id=canceled.id))
    app.app.clock.set(DUE)
    assert (await dispatch(app)).sent == 1
    recent = await schedule(
        app, admin, "+5511900000004", send_at=(T0 + timedelta(days=2)).isoformat()
    )
    app.app.clock.set(T0 + timedelta(days=2))
    app.windows.customer_wrote(admin.tenant_id, recent.recipient, app.now)
    assert (await dispatch(app)).sent == 1
    app.app.clock.set(DUE + timedelta(days=31))
    assert await app.handle(commands.PurgeOldMessages()) == 2  # sent and canceled, > 30 days
    remaining = await app.handle(commands.ListScheduledMessages(**admin.who))
    assert [m.id for m in remaining.items] == [recent.id, pending.id]
    assert await app.handle(commands.PurgeOldMessages(older_than=timedelta(days=60))) == 0
    assert await app.handle(commands.PurgeOldMessages(older_than=timedelta(days=1))) == 1
    entries = [e for e in await audit_entries(app, None) if e.action == "scheduled_message.purged"]
    assert [e.metadata["count"] for e in entries] == [2, 1]
    with pytest.raises(errors.InvalidInput) as caught:
        await app.handle(commands.PurgeOldMessages(older_than=timedelta(0)))
    assert caught.value.code == "schedule.bad_retention"
    assert sent.id not in {m.id for m in remaining.items}
