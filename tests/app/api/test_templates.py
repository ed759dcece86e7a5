"""Message templates over HTTP: create, list, read, preview, change and delete, with role checks
and bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from b2core.iam import model
from tests.support import http_app
from tests.support.http_app import API, HttpApp, Session, assert_error

MISSING = "00000000-0000-7000-8000-000000000000"
REMINDER = {
    "name": "Reminder",
    "content": "Hi {{ name }}, see you at {{ time }}.",
    "variables": ["name", "time"],
}


async def create(api: HttpApp, who: Session, body: dict[str, Any] = REMINDER) -> dict[str, Any]:
    """POST a template; fails the test unless it is created."""
    response = await api.client.post(f"{API}/templates", headers=who.headers, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_a_template_is_created_listed_read_and_previewed(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    staff = await api.member(admin)
    template = await create(api, staff)
    assert template["variables"] == ["name", "time"]
    listed = await api.client.get(f"{API}/templates", headers=admin.headers)
    assert [t["template_id"] for t in listed.json()["items"]] == [template["template_id"]]
    read = await api.client.get(f"{API}/templates/{template['template_id']}", headers=admin.headers)
    assert read.json()["content"] == REMINDER["content"]
    preview = await api.client.post(
        f"{API}/templates/{template['template_id']}/preview",
        headers=admin.headers,
        json={"variables": {"name": "Ana"}},
    )
    assert preview.status_code == 200, preview.text
    assert preview.json() == {"text": "Hi Ana, see you at [time]."}
    bare = await api.client.post(
        f"{API}/templates/{template['template_id']}/preview", headers=admin.headers
    )
    assert bare.json() == {"text": "Hi [name], see you at [time]."}


async def test_another_tenants_templates_are_not_found(api: HttpApp) -> None:
    owner, stranger = await api.tenant_admin(), await api.tenant_admin()
    template = await create(api, owner)
    path = f"{API}/templates/{template['template_id']}"
    assert_error(await api.client.get(path, headers=stranger.headers), 404, "template.not_found")
    preview = await api.client.post(f"{path}/preview", headers=stranger.headers)
    assert_error(preview, 404, "template.not_found")
    listed = await api.client.get(f"{API}/templates", headers=stranger.headers)
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({**REMINDER, "variables": ["name"]}, 422, "template.undeclared_variable"),
        ({**REMINDER, "variables": ["name", "time", "extra"]}, 422, "template.unused_variable"),
        ({**REMINDER, "content": "  "}, 422, "template.bad_content"),
        ({**REMINDER, "name": ""}, 422, "template.bad_name"),
        ({"name": "X"}, 422, "request.invalid"),
        ({**REMINDER, "tenant_id": MISSING}, 422, "request.invalid"),
        ({**REMINDER, "variables": "name"}, 422, "request.invalid"),
    ],
)
async def test_bad_templates_are_refused(
    api: HttpApp, body: dict[str, Any], status: int, code: str
) -> None:
    admin = await api.tenant_admin()
    response = await api.client.post(f"{API}/templates", headers=admin.headers, json=body)
    assert_error(response, status, code)


async def test_names_are_unique_per_tenant_and_previews_check_values(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    template = await create(api, admin)
    again = await api.client.post(
        f"{API}/templates", headers=admin.headers, json={**REMINDER, "name": "reminder"}
    )
    assert_error(again, 409, "template.duplicate_name")
    preview = await api.client.post(
        f"{API}/templates/{template['template_id']}/preview",
        headers=admin.headers,
        json={"variables": {"unknown": "x"}},
    )
    assert_error(preview, 422, "template.unknown_variable")
    missing = await api.client.post(
        f"{API}/templates/{MISSING}/preview", headers=admin.headers, json={}
    )
    assert_error(missing, 404, "template.not_found")


async def test_only_the_tenants_people_manage_templates(api: HttpApp) -> None:
    operator = await api.super_admin()
    for response in (
        await api.client.get(f"{API}/templates", headers=operator.headers),
        await api.client.post(f"{API}/templates", headers=operator.headers, json=REMINDER),
    ):
        assert_error(response, 403, "auth.forbidden")
    assert_error(await api.client.get(f"{API}/templates"), 401, "auth.unauthenticated")
    assert operator.role is model.Role.SUPER_ADMIN


async def audit_actions(api: HttpApp, admin: Session, action: str) -> list[dict[str, Any]]:
    """The tenant's audit entries of ``action``, newest first."""
    response = await api.client.get(
        f"{API}/audit-logs", headers=admin.headers, params={"action": action}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.fixture
async def memory_api() -> AsyncIterator[HttpApp]:
    """The app on the memory backend: for guard checks, which no backend changes."""
    async with http_app.running_app(http_app.api_settings("memory://")) as running:
        yield running


async def test_a_template_is_changed_audited_and_deleted(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    staff = await api.member(admin)
    template = await create(api, admin)
    path = f"{API}/templates/{template['template_id']}"
    change = {"name": "Visit", "content": "Hello {{ name }}!", "variables": ["name"]}
    changed = await api.client.patch(path, headers=staff.headers, json=change)
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["content"], body["variables"]) == (
        "Visit",
        change["content"],
        ["name"],
    )
    assert body["created_at"] == template["created_at"]
    assert (await api.client.get(path, headers=admin.headers)).json() == body
    same = await api.client.patch(path, headers=admin.headers, json={"name": "Visit"})
    assert same.json()["updated_at"] == body["updated_at"]  # a no-op is not saved
    entries = await audit_actions(api, admin, "template.updated")
    assert [e["target_id"] for e in entries] == [template["template_id"]]
    assert sorted(entries[0]["metadata"]["fields"]) == ["content", "name", "variables"]
    # The WhatsApp template: set, kept by null, removed by remove_whatsapp.
    whatsapp = {"name": "visit_reminder", "language": "pt_BR", "parameters": ["name"]}
    added = await api.client.patch(path, headers=admin.headers, json={"whatsapp": whatsapp})
    assert added.status_code == 200, added.text
    assert added.json()["whatsapp"] == whatsapp
    kept = await api.client.patch(path, headers=admin.headers, json={"whatsapp": None})
    assert kept.json()["whatsapp"] == whatsapp
    removed = await api.client.patch(path, headers=admin.headers, json={"remove_whatsapp": True})
    assert removed.status_code == 200, removed.text
    assert removed.json()["whatsapp"] is None
    # Deleted: gone, but a message scheduled from it keeps its rendered text.
    scheduled = await api.client.post(
        f"{API}/scheduled-messages",
        headers=admin.headers,
        json={
            "recipient_phone": "+5511987654321",
            "scheduled_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            "template_id": template["template_id"],
            "variables": {"name": "Ana"},
        },
    )
    assert scheduled.status_code == 201, scheduled.text
    deleted = await api.client.delete(path, headers=staff.headers)
    assert deleted.status_code == 204, deleted.text
    assert_error(await api.client.get(path, headers=admin.headers), 404, "template.not_found")
    assert_error(await api.client.delete(path, headers=admin.headers), 404, "template.not_found")
    message = await api.client.get(
        f"{API}/scheduled-messages/{scheduled.json()['scheduled_message_id']}",
        headers=admin.headers,
    )
    assert message.json()["text"] == "Hello Ana!"
    entries = await audit_actions(api, admin, "template.deleted")
    assert [(e["target_id"], e["metadata"]) for e in entries] == [
        (template["template_id"], {"name": "Visit"})
    ]


BAD_CHANGES: list[tuple[dict[str, Any], int, str]] = [
    ({"content": "Hi {{ first_name }}"}, 422, "template.undeclared_variable"),
    ({"variables": ["name", "time", "extra"]}, 422, "template.unused_variable"),
    ({"name": "  "}, 422, "template.bad_name"),
    ({"variables": "name"}, 422, "request.invalid"),
    ({"content": 5}, 422, "request.invalid"),
    ({"tenant_id": MISSING}, 422, "request.invalid"),
    (
        {"remove_whatsapp": True, "whatsapp": {"name": "a", "language": "en"}},
        422,
        "request.invalid",
    ),
    ({"name": "Other"}, 409, "template.duplicate_name"),
]


async def test_bad_or_foreign_changes_are_refused_and_change_nothing(api: HttpApp) -> None:
    admin, stranger = await api.tenant_admin(), await api.tenant_admin()
    template = await create(api, admin)
    await create(api, admin, {**REMINDER, "name": "other"})
    path = f"{API}/templates/{template['template_id']}"
    for body, status, code in BAD_CHANGES:
        response = await api.client.patch(path, headers=admin.headers, json=body)
        assert response.status_code == status, f"{body}: {response.text}"
        assert_error(response, status, code)
    patched = await api.client.patch(path, headers=stranger.headers, json={"name": "Mine"})
    assert_error(patched, 404, "template.not_found")
    assert_error(await api.client.delete(path, headers=stranger.headers), 404, "template.not_found")
    missing = await api.client.patch(f"{API}/templates/{MISSING}", headers=admin.headers, json={})
    assert_error(missing, 404, "template.not_found")
    assert (await api.client.get(path, headers=admin.headers)).json() == template
    assert await audit_actions(api, admin, "template.updated") == []


async def test_only_the_tenants_people_change_templates(memory_api: HttpApp) -> None:
    api = memory_api
    operator = await api.super_admin()
    path = f"{API}/templates/{MISSING}"
    for response in (
        await api.client.patch(path, headers=operator.headers, json={"name": "X"}),
        await api.client.delete(path, headers=operator.headers),
    ):
        assert_error(response, 403, "auth.forbidden")
    assert_error(await api.client.patch(path, json={}), 401, "auth.unauthenticated")
    assert_error(await api.client.delete(path), 401, "auth.unauthenticated")
