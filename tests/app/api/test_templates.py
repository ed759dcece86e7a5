"""Message templates over HTTP: create, list, read and preview, with role checks and bad input."""

from __future__ import annotations

from typing import Any

import pytest

from b2core.iam import model
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
