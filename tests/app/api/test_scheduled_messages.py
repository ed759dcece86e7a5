"""Scheduled messages over HTTP: schedule, bulk, list, read, cancel; role checks and bad input;
and, on embedded defaults, the in-process dispatcher sending a due message exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from b2app import settings
from tests.support import http_app
from tests.support.http_app import API, HttpApp, Session, assert_error

MISSING = "00000000-0000-7000-8000-000000000000"
PHONE = "+5511987654321"
TEMPLATE = {"name": "Visit", "content": "Hi {{ name }}!", "variables": ["name"]}


def later(**delta: float) -> str:
    """An ISO 8601 time with an offset, ``delta`` from now (an hour by default)."""
    moment = datetime.now(UTC) + (timedelta(**delta) if delta else timedelta(hours=1))
    return moment.isoformat()


async def template_of(api: HttpApp, who: Session) -> str:
    """A template with one variable, ``name``: its id."""
    response = await api.client.post(f"{API}/templates", headers=who.headers, json=TEMPLATE)
    assert response.status_code == 201, response.text
    return str(response.json()["template_id"])


async def schedule(api: HttpApp, who: Session, **body: Any) -> Any:
    """POST one scheduled message; the response."""
    payload = {"recipient_phone": PHONE, "scheduled_at": later(), **body}
    return await api.client.post(f"{API}/scheduled-messages", headers=who.headers, json=payload)


async def test_a_message_is_scheduled_listed_read_and_canceled(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    staff = await api.member(admin)
    created = await schedule(
        api, staff, text="Your order is ready", recipient_phone="+55 11 98765-4321"
    )
    assert created.status_code == 201, created.text
    message = created.json()
    assert (message["recipient_phone"], message["status"]) == (PHONE, "PENDING")
    path = f"{API}/scheduled-messages/{message['scheduled_message_id']}"
    assert (await api.client.get(path, headers=admin.headers)).json()[
        "text"
    ] == "Your order is ready"
    pending = await api.client.get(
        f"{API}/scheduled-messages", headers=admin.headers, params={"status": "pending"}
    )
    assert [m["scheduled_message_id"] for m in pending.json()["items"]] == [
        message["scheduled_message_id"]
    ]
    canceled = await api.client.post(f"{path}/cancel", headers=admin.headers)
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "CANCELED"
    again = await api.client.post(f"{path}/cancel", headers=admin.headers)
    assert_error(again, 409, "schedule.invalid_transition")


async def test_a_template_is_rendered_when_scheduled(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    template_id = await template_of(api, admin)
    created = await schedule(api, admin, template_id=template_id, variables={"name": "Ana"})
    assert created.status_code == 201, created.text
    assert (created.json()["text"], created.json()["template_id"]) == ("Hi Ana!", template_id)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"text": "x", "scheduled_at": "2020-01-01T10:00:00+00:00"}, 422, "schedule.in_past"),
        ({"text": "x", "scheduled_at": "next tuesday"}, 422, "schedule.bad_time"),
        ({"text": "x", "recipient_phone": "12345"}, 422, "schedule.bad_phone"),
        ({"template_id": MISSING}, 404, "template.not_found"),
        ({}, 422, "schedule.text_or_template"),
        ({"text": "x", "owner": "me"}, 422, "request.invalid"),
        ({"text": 5}, 422, "request.invalid"),
    ],
)
async def test_bad_messages_are_refused(
    api: HttpApp, body: dict[str, Any], status: int, code: str
) -> None:
    admin = await api.tenant_admin()
    assert_error(await schedule(api, admin, **body), status, code)


async def test_template_values_are_checked(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    template_id = await template_of(api, admin)
    missing = await schedule(api, admin, template_id=template_id)
    assert_error(missing, 422, "template.missing_variable")
    both = await schedule(api, admin, template_id=template_id, text="x", variables={"name": "A"})
    assert_error(both, 422, "schedule.text_or_template")
    listed = await api.client.get(f"{API}/scheduled-messages", headers=admin.headers)
    assert listed.json()["items"] == []  # no partial write


async def test_bulk_reports_each_row(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    template_id = await template_of(api, admin)
    rows = [
        {"recipient_phone": PHONE, "variables": {"name": "Ana"}},
        {"recipient_phone": "not a phone"},
        {"recipient_phone": "+4915112345678"},
        {"recipient_phone": PHONE, "variables": {"name": "Again"}},
    ]
    response = await api.client.post(
        f"{API}/scheduled-messages/bulk",
        headers=admin.headers,
        json={"recipients": rows, "template_id": template_id, "scheduled_at": later()},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["scheduled"], body["rejected"]) == (1, 3)
    outcomes = [(r["index"], r["status"], (r["error"] or {}).get("code")) for r in body["results"]]
    assert outcomes == [
        (0, "scheduled", None),
        (1, "rejected", "schedule.bad_phone"),
        (2, "rejected", "template.missing_variable"),
        (3, "rejected", "schedule.duplicate_recipient"),
    ]
    assert body["results"][0]["scheduled_message"]["text"] == "Hi Ana!"
    past = await api.client.post(
        f"{API}/scheduled-messages/bulk",
        headers=admin.headers,
        json={"recipients": rows[:1], "text": "x", "scheduled_at": "2020-01-01T00:00:00Z"},
    )
    assert_error(past, 422, "schedule.in_past")


async def test_another_tenants_messages_are_not_found(api: HttpApp) -> None:
    owner, stranger = await api.tenant_admin(), await api.tenant_admin()
    created = (await schedule(api, owner, text="Private")).json()
    path = f"{API}/scheduled-messages/{created['scheduled_message_id']}"
    assert_error(await api.client.get(path, headers=stranger.headers), 404, "schedule.not_found")
    cancel = await api.client.post(f"{path}/cancel", headers=stranger.headers)
    assert_error(cancel, 404, "schedule.not_found")
    listed = await api.client.get(f"{API}/scheduled-messages", headers=stranger.headers)
    assert listed.json()["items"] == []
    bad_filter = await api.client.get(
        f"{API}/scheduled-messages", headers=owner.headers, params={"status": "LOST"}
    )
    assert_error(bad_filter, 422, "schedule.bad_status")


async def test_only_the_tenants_people_schedule(api: HttpApp) -> None:
    operator = await api.super_admin()
    for response in (
        await api.client.get(f"{API}/scheduled-messages", headers=operator.headers),
        await schedule(api, operator, text="x"),
        await api.client.post(
            f"{API}/scheduled-messages/{MISSING}/cancel", headers=operator.headers
        ),
    ):
        assert_error(response, 403, "auth.forbidden")
    assert_error(await api.client.get(f"{API}/scheduled-messages"), 401, "auth.unauthenticated")


async def _outbox(api: HttpApp, who: Session) -> list[dict[str, Any]]:
    response = await api.client.get(f"{API}/channels/simulator/outbox", headers=who.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_the_embedded_dispatcher_sends_a_due_message_once() -> None:
    config = attrs.evolve(http_app.api_settings("memory://"), in_process_worker=True)
    assert isinstance(config, settings.Settings)
    async with http_app.running_app(config) as api:
        admin = await api.tenant_admin()
        created = await schedule(api, admin, text="See you soon", scheduled_at=later(seconds=1))
        assert created.status_code == 201, created.text
        path = f"{API}/scheduled-messages/{created.json()['scheduled_message_id']}"
        for _ in range(100):
            if (await api.client.get(path, headers=admin.headers)).json()["status"] == "SENT":
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(2.5)  # one more dispatcher round: nothing more goes out
        sent = [m for m in await _outbox(api, admin) if m["text"] == "See you soon"]
        assert [m["customer_id"] for m in sent] == [PHONE]
        assert (await api.client.get(path, headers=admin.headers)).json()["status"] == "SENT"


@pytest.fixture
async def memory_api() -> AsyncIterator[HttpApp]:
    """The app on the memory backend: for guard checks, which no backend changes."""
    async with http_app.running_app(http_app.api_settings("memory://")) as running:
        yield running


async def test_a_pending_message_is_changed_then_canceled_and_deleted(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    staff = await api.member(admin)
    template_id = await template_of(api, admin)
    created = (await schedule(api, admin, text="Original")).json()
    path = f"{API}/scheduled-messages/{created['scheduled_message_id']}"
    moved_to = later(hours=5)
    changed = await api.client.patch(
        path,
        headers=staff.headers,
        json={"recipient_phone": "+49 151 1234-5678", "scheduled_at": moved_to, "text": "New"},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["recipient_phone"], body["text"], body["status"]) == (
        "+4915112345678",
        "New",
        "PENDING",
    )
    assert datetime.fromisoformat(body["scheduled_at"]) == datetime.fromisoformat(moved_to)
    to_template = await api.client.patch(
        path, headers=admin.headers, json={"template_id": template_id, "variables": {"name": "A"}}
    )
    assert (to_template.json()["text"], to_template.json()["template_id"]) == ("Hi A!", template_id)
    renamed = await api.client.patch(path, headers=admin.headers, json={"variables": {"name": "B"}})
    assert renamed.json()["text"] == "Hi B!"  # variables alone re-render its own template
    assert (await api.client.get(path, headers=admin.headers)).json() == renamed.json()
    # Deleting needs a finished message; a finished one no longer changes.
    assert_error(
        await api.client.delete(path, headers=admin.headers), 409, "schedule.still_pending"
    )
    assert (await api.client.post(f"{path}/cancel", headers=admin.headers)).status_code == 200
    edit = await api.client.patch(path, headers=admin.headers, json={"text": "Too late"})
    assert_error(edit, 409, "schedule.invalid_transition")
    deleted = await api.client.delete(path, headers=staff.headers)
    assert deleted.status_code == 204, deleted.text
    assert_error(await api.client.get(path, headers=admin.headers), 404, "schedule.not_found")
    assert_error(await api.client.delete(path, headers=admin.headers), 404, "schedule.not_found")
    audit = await api.client.get(f"{API}/audit-logs", headers=admin.headers)
    trail = [
        (e["action"], e["metadata"])
        for e in audit.json()["items"]
        if e["target_id"] == created["scheduled_message_id"]
    ]
    assert [action for action, _ in trail] == [
        "scheduled_message.deleted",
        "scheduled_message.canceled",
        "scheduled_message.updated",
        "scheduled_message.updated",
        "scheduled_message.updated",
        "scheduled_message.created",
    ]
    assert trail[0][1] == {"status": "CANCELED"}


BAD_CHANGES: list[tuple[dict[str, Any], int, str]] = [
    ({"scheduled_at": "2020-01-01T10:00:00+00:00"}, 422, "schedule.in_past"),
    ({"scheduled_at": "soon"}, 422, "schedule.bad_time"),
    ({"recipient_phone": "0800"}, 422, "schedule.bad_phone"),
    ({"template_id": MISSING, "variables": {"name": "A"}}, 404, "template.not_found"),
    ({"variables": {"name": "A"}}, 422, "schedule.variables_without_template"),
    ({"text": "x", "template_id": "t"}, 422, "schedule.text_or_template"),
    ({"text": ""}, 422, "schedule.bad_text"),
    ({"status": "SENT"}, 422, "request.invalid"),
    ({"variables": ["name"]}, 422, "request.invalid"),
]


async def test_bad_or_foreign_changes_are_refused_and_change_nothing(api: HttpApp) -> None:
    admin, stranger = await api.tenant_admin(), await api.tenant_admin()
    template_id = await template_of(api, admin)
    created = (await schedule(api, admin, text="Keep me")).json()
    path = f"{API}/scheduled-messages/{created['scheduled_message_id']}"
    cases = [*BAD_CHANGES, ({"template_id": template_id}, 422, "template.missing_variable")]
    for body, status, code in cases:
        response = await api.client.patch(path, headers=admin.headers, json=body)
        assert response.status_code == status, f"{body}: {response.text}"
        assert_error(response, status, code)
    patched = await api.client.patch(path, headers=stranger.headers, json={"text": "Mine"})
    assert_error(patched, 404, "schedule.not_found")
    assert_error(await api.client.delete(path, headers=stranger.headers), 404, "schedule.not_found")
    missing = await api.client.patch(
        f"{API}/scheduled-messages/{MISSING}", headers=admin.headers, json={"text": "x"}
    )
    assert_error(missing, 404, "schedule.not_found")
    assert (await api.client.get(path, headers=admin.headers)).json() == created


async def test_only_the_tenants_people_change_messages(memory_api: HttpApp) -> None:
    api = memory_api
    operator = await api.super_admin()
    path = f"{API}/scheduled-messages/{MISSING}"
    for response in (
        await api.client.patch(path, headers=operator.headers, json={"text": "x"}),
        await api.client.delete(path, headers=operator.headers),
    ):
        assert_error(response, 403, "auth.forbidden")
    assert_error(await api.client.patch(path, json={}), 401, "auth.unauthenticated")
    assert_error(await api.client.delete(path), 401, "auth.unauthenticated")
