"""Scheduling messages through the message bus: one, many, change, cancel, delete, list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from b2core.scheduling import commands, model, templates
from b2core.shared import errors, ids, pagination
from tests.core.scheduling.support import (
    PHONE,
    T0,
    Member,
    SchedulingApp,
    add_template,
    audit_entries,
    register,
    scheduling_app,
)

Status = model.ScheduleStatus
IN_AN_HOUR = "2026-03-02T10:00:00-03:00"  # 13:00 UTC, T0 + 1 hour
WA = templates.WhatsAppTemplate("appointment_reminder", "pt_BR", ("name", "time"))


@pytest.fixture
async def app() -> SchedulingApp:
    return await scheduling_app()


@pytest.fixture
async def admin(app: SchedulingApp) -> Member:
    return await register(app, timezone="America/Sao_Paulo")


async def schedule(app: SchedulingApp, member: Member, **fields: Any) -> model.ScheduledMessage:
    values: dict[str, Any] = {"recipient": PHONE, "send_at": IN_AN_HOUR, "text": "Hello"}
    values.update(fields)
    message: model.ScheduledMessage = await app.handle(
        commands.ScheduleMessage(**member.who, **values)
    )
    return message


async def refused(app: SchedulingApp, command: object) -> errors.DomainError:
    with pytest.raises(errors.DomainError) as caught:
        await app.handle(command)
    return caught.value


async def test_a_text_message_is_scheduled_in_utc_with_one_audit_entry(
    app: SchedulingApp, admin: Member
) -> None:
    message = await schedule(app, admin, recipient="+55 (11) 98765-4321")
    assert message.recipient == PHONE
    assert message.send_at == message.due_at == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    assert (message.status, message.retry_count, message.text) == (Status.PENDING, 0, "Hello")
    assert (message.timezone, message.created_by) == ("America/Sao_Paulo", admin.user_id)
    assert (message.claimed_by, message.claim_expires_at) == (None, None)
    [entry] = [e for e in await audit_entries(app, admin.tenant_id) if e.target_id == message.id]
    assert entry.action == "scheduled_message.created"
    assert PHONE not in str(entry.metadata)
    assert "Hello" not in str(entry.metadata)


async def test_a_wall_time_without_offset_is_the_tenants_time(
    app: SchedulingApp, admin: Member
) -> None:
    message = await schedule(app, admin, send_at="2026-03-02T10:00:00")
    assert message.send_at == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


async def test_a_template_message_is_rendered_now_with_its_whatsapp_slots(
    app: SchedulingApp, admin: Member
) -> None:
    template = await add_template(app, admin, whatsapp=WA)
    variables = {"name": "Ana {{ time }}", "time": "9h"}
    message = await schedule(app, admin, text=None, template_id=template.id, variables=variables)
    assert message.text == "Hi Ana {{ time }}, see you at 9h."
    assert message.template_id == template.id
    assert message.whatsapp == model.WhatsAppPayload(
        "appointment_reminder", "pt_BR", ("Ana {{ time }}", "9h")
    )
    # A later edit of the template does not change what was scheduled.
    await app.handle(
        commands.UpdateTemplate(**admin.who, template_id=template.id, content="{{name}}{{time}}")
    )
    got = await app.handle(commands.GetScheduledMessage(**admin.who, message_id=message.id))
    assert got.text == "Hi Ana {{ time }}, see you at 9h."


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"send_at": "2026-03-02T11:00:00Z"}, "schedule.in_past"),
        ({"send_at": "2028-03-02T11:00:00Z"}, "schedule.too_far"),
        ({"send_at": "next tuesday"}, "schedule.bad_time"),
        ({"recipient": "11987654321"}, "schedule.bad_phone"),
        ({"recipient": "+55119876543210000"}, "schedule.bad_phone"),
        ({"text": None}, "schedule.text_or_template"),
        ({"text": "   "}, "schedule.bad_text"),
        ({"text": "x" * 4097}, "schedule.bad_text"),
        ({"variables": {"name": "Ana"}}, "schedule.variables_without_template"),
        ({"text": None, "template_id": "nope"}, "template.not_found"),
        ({"text": None, "template_id": "TEMPLATE", "variables": {}}, "template.missing_variable"),
        (
            {
                "text": None,
                "template_id": "TEMPLATE",
                "variables": {"name": "A", "time": "1", "x": "2"},
            },
            "template.unknown_variable",
        ),
        ({"text": "Hi", "template_id": "TEMPLATE"}, "schedule.text_or_template"),
    ],
)
async def test_bad_requests_get_the_right_code_and_store_nothing(
    app: SchedulingApp, admin: Member, fields: dict[str, Any], code: str
) -> None:
    template = await add_template(app, admin)
    if fields.get("template_id") == "TEMPLATE":
        fields["template_id"] = template.id
    before = await audit_entries(app, admin.tenant_id)
    error = await refused(
        app,
        commands.ScheduleMessage(
            **admin.who, **{"recipient": PHONE, "send_at": IN_AN_HOUR, "text": "Hi", **fields}
        ),
    )
    assert error.code == code
    assert isinstance(error, errors.InvalidInput | errors.NotFound)
    page = await app.handle(commands.ListScheduledMessages(**admin.who))
    assert page.items == ()
    assert await audit_entries(app, admin.tenant_id) == before


async def test_another_tenants_template_is_unknown(app: SchedulingApp, admin: Member) -> None:
    other = await register(app, "Other shop")
    template = await add_template(app, other)
    error = await refused(
        app,
        commands.ScheduleMessage(
            **admin.who,
            recipient=PHONE,
            send_at=IN_AN_HOUR,
            template_id=template.id,
            variables={"name": "A", "time": "B"},
        ),
    )
    assert error.code == "template.not_found"


async def test_bulk_schedules_good_rows_and_reports_bad_ones_by_index(
    app: SchedulingApp, admin: Member
) -> None:
    template = await add_template(app, admin)
    rows = (
        commands.BulkRecipient("+5511900000001", {"name": "Ana"}),
        commands.BulkRecipient("not a phone", {"name": "Bia"}),
        commands.BulkRecipient("+55 11 90000-0001", {"name": "Ana again"}),
        commands.BulkRecipient("+5511900000002"),
        commands.BulkRecipient("+5511900000003", {"name": "Caio", "age": "3"}),
        commands.BulkRecipient("+5511900000004", {"name": "Duda"}),
    )
    outcome = await app.handle(
        commands.ScheduleBulk(
            **admin.who,
            recipients=rows,
            send_at=IN_AN_HOUR,
            template_id=template.id,
            variables={"time": "9h"},
        )
    )
    assert [(r.index, r.code) for r in outcome.rejected] == [
        (1, "schedule.bad_phone"),
        (2, "schedule.duplicate_recipient"),
        (3, "template.missing_variable"),
        (4, "template.unknown_variable"),
    ]
    assert [(m.recipient, m.text) for m in outcome.scheduled] == [
        ("+5511900000001", "Hi Ana, see you at 9h."),
        ("+5511900000004", "Hi Duda, see you at 9h."),
    ]
    assert len({m.id for m in outcome.scheduled}) == 2
    page = await app.handle(commands.ListScheduledMessages(**admin.who))
    assert {m.id for m in page.items} == {m.id for m in outcome.scheduled}
    entries = [
        e for e in await audit_entries(app, admin.tenant_id) if e.action.startswith("scheduled")
    ]
    assert [(e.action, e.metadata["scheduled"], e.metadata["rejected"]) for e in entries] == [
        ("scheduled_message.bulk_created", 2, 4)
    ]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"recipients": ()}, "schedule.bad_recipients"),
        ({"recipients": (commands.BulkRecipient(PHONE),) * 1001}, "schedule.bad_recipients"),
        ({"send_at": "2026-03-01T00:00:00Z"}, "schedule.in_past"),
        ({"text": None, "template_id": ids.TemplateId("nope")}, "template.not_found"),
    ],
)
async def test_bulk_problems_of_the_whole_request_refuse_it_all(
    app: SchedulingApp, admin: Member, fields: dict[str, Any], code: str
) -> None:
    values: dict[str, Any] = {
        "recipients": (commands.BulkRecipient(PHONE),),
        "send_at": IN_AN_HOUR,
        "text": "Hi",
    }
    error = await refused(app, commands.ScheduleBulk(**admin.who, **{**values, **fields}))
    assert error.code == code


async def test_bulk_where_every_row_fails_stores_and_audits_nothing(
    app: SchedulingApp, admin: Member
) -> None:
    before = await audit_entries(app, admin.tenant_id)
    outcome = await app.handle(
        commands.ScheduleBulk(
            **admin.who,
            recipients=(commands.BulkRecipient("x"), commands.BulkRecipient("y")),
            send_at=IN_AN_HOUR,
            text="Hi",
        )
    )
    assert (outcome.scheduled, [r.index for r in outcome.rejected]) == ((), [0, 1])
    assert await audit_entries(app, admin.tenant_id) == before


async def test_update_changes_recipient_time_and_content(app: SchedulingApp, admin: Member) -> None:
    template = await add_template(app, admin)
    message = await schedule(app, admin)
    changed = await app.handle(
        commands.UpdateScheduledMessage(
            **admin.who,
            message_id=message.id,
            recipient="+5511900000009",
            send_at="2026-03-02T11:00:00",  # the tenant's wall clock: 14:00 UTC
            template_id=template.id,
            variables={"name": "Ana", "time": "9h"},
        )
    )
    assert (changed.recipient, changed.send_at, changed.due_at, changed.text) == (
        "+5511900000009",
        datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
        "Hi Ana, see you at 9h.",
    )
    rerendered = await app.handle(
        commands.UpdateScheduledMessage(
            **admin.who, message_id=message.id, variables={"name": "Bia", "time": "10h"}
        )
    )
    assert rerendered.text == "Hi Bia, see you at 10h."
    unchanged = await app.handle(
        commands.UpdateScheduledMessage(**admin.who, message_id=message.id)
    )
    assert unchanged == rerendered
    entries = [e for e in await audit_entries(app, admin.tenant_id) if e.target_id == message.id]
    assert [e.action for e in entries] == [
        "scheduled_message.created",
        "scheduled_message.updated",
        "scheduled_message.updated",
    ]
    assert entries[1].metadata["fields"] == [
        "recipient",
        "text",
        "send_at",
        "template_id",
        "variables",
    ]


async def test_cancel_only_pending_and_delete_only_finished(
    app: SchedulingApp, admin: Member
) -> None:
    message = await schedule(app, admin)
    error = await refused(app, commands.DeleteScheduledMessage(**admin.who, message_id=message.id))
    assert error.code == "schedule.still_pending"
    canceled = await app.handle(commands.CancelScheduledMessage(**admin.who, message_id=message.id))
    assert (canceled.status, canceled.finished_at) == (Status.CANCELED, T0)
    again = await refused(app, commands.CancelScheduledMessage(**admin.who, message_id=message.id))
    assert (again.code, type(again)) == ("schedule.invalid_transition", errors.Conflict)
    edit = await refused(
        app, commands.UpdateScheduledMessage(**admin.who, message_id=message.id, text="x")
    )
    assert edit.code == "schedule.invalid_transition"
    await app.handle(commands.DeleteScheduledMessage(**admin.who, message_id=message.id))
    gone = await refused(app, commands.GetScheduledMessage(**admin.who, message_id=message.id))
    assert gone.code == "schedule.not_found"
    actions = [
        e.action for e in await audit_entries(app, admin.tenant_id) if e.target_id == message.id
    ]
    assert actions == [
        "scheduled_message.created",
        "scheduled_message.canceled",
        "scheduled_message.deleted",
    ]


async def test_list_filters_and_pages_by_send_time(app: SchedulingApp, admin: Member) -> None:
    made = []
    for minutes, phone in ((90, "+5511900000001"), (30, "+5511900000002"), (60, "+5511900000001")):
        at = (T0 + timedelta(minutes=minutes)).isoformat()
        made.append(await schedule(app, admin, recipient=phone, send_at=at))
    await app.handle(commands.CancelScheduledMessage(**admin.who, message_id=made[0].id))

    async def listed(**filters: Any) -> list[ids.ScheduledMessageId]:
        page = await app.handle(commands.ListScheduledMessages(**admin.who, **filters))
        return [m.id for m in page.items]

    assert await listed() == [made[1].id, made[2].id, made[0].id]
    assert await listed(status=Status.PENDING) == [made[1].id, made[2].id]
    assert await listed(recipient="+55 11 90000-0001") == [made[2].id, made[0].id]
    window = {"send_from": T0 + timedelta(minutes=60), "send_until": T0 + timedelta(minutes=90)}
    assert await listed(**window) == [made[2].id]
    first = await app.handle(
        commands.ListScheduledMessages(**admin.who, page=pagination.PageRequest(limit=2))
    )
    rest = await app.handle(
        commands.ListScheduledMessages(
            **admin.who, page=pagination.PageRequest(limit=2, cursor=first.next_cursor)
        )
    )
    assert [m.id for m in first.items + rest.items] == [made[1].id, made[2].id, made[0].id]
    other = await register(app, "Other shop")
    assert (await app.handle(commands.ListScheduledMessages(**other.who))).items == ()
    hidden = await refused(app, commands.CancelScheduledMessage(**other.who, message_id=made[1].id))
    assert hidden.code == "schedule.not_found"


async def test_quiet_hours_are_set_by_admins_only(app: SchedulingApp, admin: Member) -> None:
    settings = await app.handle(commands.SetQuietHours(**admin.who, start="22:00", end="08:00"))
    assert settings.quiet_hours is not None
    got = await app.handle(commands.GetSchedulingSettings(**admin.who))
    assert got.quiet_hours == settings.quiet_hours
    staff = admin.as_role("STAFF")
    error = await refused(app, commands.SetQuietHours(**staff.who, start=None, end=None))
    assert error.code == "schedule.admin_required"
    half = await refused(app, commands.SetQuietHours(**admin.who, start="22:00", end=None))
    assert half.code == "schedule.bad_quiet_hours"
    await app.handle(commands.SetQuietHours(**admin.who, start=None, end=None))
    assert (await app.handle(commands.GetSchedulingSettings(**staff.who))).quiet_hours is None


@pytest.mark.parametrize("role", ["SUPER_ADMIN", "VIEWER"])
async def test_only_the_tenants_people_schedule(
    app: SchedulingApp, admin: Member, role: str
) -> None:
    error = await refused(
        app,
        commands.ScheduleMessage(
            **admin.as_role(role).who, recipient=PHONE, send_at=IN_AN_HOUR, text="Hi"
        ),
    )
    assert (error.code, type(error)) == ("schedule.role_not_allowed", errors.Forbidden)
