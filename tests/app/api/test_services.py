"""The service catalog over HTTP: CRUD, strict bodies, tenant isolation, roles, pages."""

from __future__ import annotations

from typing import Any

from b2core.iam import model, permissions
from tests.support.http_app import API, HttpApp, Session, assert_error

HAIRCUT = {"name": "Haircut", "price_minor": 1500, "currency": "USD"}
MISSING = "00000000-0000-7000-8000-000000000000"


async def add_service(api: HttpApp, who: Session, **fields: Any) -> dict[str, Any]:
    """Create a service through the API; fails the test unless it is created."""
    response = await api.client.post(
        f"{API}/services", headers=who.headers, json={**HAIRCUT, **fields}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def refusal(role: model.Role, action: permissions.Action) -> str:
    """The code a caller of ``role`` gets for ``action`` when refused, per the RBAC table."""
    return "auth.forbidden" if not permissions.allowed(role, action) else "auth.tenant_required"


async def test_a_service_is_created_read_changed_and_deleted(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    created = await add_service(api, admin, description="  Wash and cut ")
    assert set(created) == {
        "service_id",
        "name",
        "description",
        "price_minor",
        "currency",
        "active",
        "created_at",
        "updated_at",
    }
    assert (created["name"], created["description"]) == ("Haircut", "Wash and cut")
    assert (created["price_minor"], created["currency"], created["active"]) == (1500, "USD", True)
    url = f"{API}/services/{created['service_id']}"

    read = await api.client.get(url, headers=admin.headers)
    assert read.status_code == 200
    assert read.json() == created

    changed = await api.client.patch(
        url,
        headers=admin.headers,
        json={"name": "Long haircut", "price_minor": 2500, "currency": "EUR", "active": False},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["price_minor"], body["currency"]) == ("Long haircut", 2500, "EUR")
    assert body["active"] is False
    assert body["description"] == "Wash and cut"  # absent fields stay as they were

    # Half a price keeps the other half.
    cheaper = await api.client.patch(url, headers=admin.headers, json={"price_minor": 2000})
    assert (cheaper.json()["price_minor"], cheaper.json()["currency"]) == (2000, "EUR")
    in_pounds = await api.client.patch(url, headers=admin.headers, json={"currency": "GBP"})
    assert (in_pounds.json()["price_minor"], in_pounds.json()["currency"]) == (2000, "GBP")
    unchanged = await api.client.patch(url, headers=admin.headers, json={})
    assert unchanged.json() == in_pounds.json()

    gone = await api.client.delete(url, headers=admin.headers)
    assert gone.status_code == 204
    assert gone.content == b""
    assert_error(await api.client.get(url, headers=admin.headers), 404, "service.not_found")


async def test_the_catalog_lists_by_name_and_filters_active(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    await add_service(api, admin, name="Shave")
    await add_service(api, admin, name="beard trim", active=False)
    await add_service(api, admin, name="Colour")
    listed = await api.client.get(f"{API}/services", headers=admin.headers)
    assert listed.status_code == 200
    assert [s["name"] for s in listed.json()["items"]] == ["beard trim", "Colour", "Shave"]
    active = await api.client.get(
        f"{API}/services", params={"active": "true"}, headers=admin.headers
    )
    assert [s["name"] for s in active.json()["items"]] == ["Colour", "Shave"]
    inactive = await api.client.get(
        f"{API}/services", params={"active": "false"}, headers=admin.headers
    )
    assert [s["name"] for s in inactive.json()["items"]] == ["beard trim"]
    bad = await api.client.get(f"{API}/services", params={"active": "yes"}, headers=admin.headers)
    assert_error(bad, 422, "service.bad_filter")


async def test_the_catalog_pages_with_a_cursor(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    for name in ("A cut", "B cut", "C cut"):
        await add_service(api, admin, name=name)
    first = await api.client.get(f"{API}/services", params={"limit": 2}, headers=admin.headers)
    page = first.json()
    assert [s["name"] for s in page["items"]] == ["A cut", "B cut"]
    assert page["next_cursor"]
    second = await api.client.get(
        f"{API}/services",
        params={"limit": 2, "cursor": page["next_cursor"]},
        headers=admin.headers,
    )
    rest = second.json()
    assert [s["name"] for s in rest["items"]] == ["C cut"]
    assert rest["next_cursor"] is None
    bad = await api.client.get(f"{API}/services", params={"cursor": "%%"}, headers=admin.headers)
    assert_error(bad, 422, "pagination.bad_cursor")


BAD_BODIES: list[tuple[dict[str, Any], str]] = [
    ({"price_minor": 100, "currency": "USD"}, "name"),
    ({"name": "Cut", "currency": "USD"}, "price_minor"),
    ({"name": "Cut", "price_minor": "100", "currency": "USD"}, "price_minor"),
    ({"name": "Cut", "price_minor": 1.5, "currency": "USD"}, "price_minor"),
    ({"name": "Cut", "price_minor": 100}, "currency"),
    ({**HAIRCUT, "active": "yes"}, "active"),
    ({**HAIRCUT, "tenant_id": "someone-else"}, "tenant_id"),
]


async def test_a_bad_body_names_the_field(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    for body, field in BAD_BODIES:
        response = await api.client.post(f"{API}/services", headers=admin.headers, json=body)
        error = assert_error(response, 422, "request.invalid")
        assert field in error["message"], (body, error)
    assert (await api.client.get(f"{API}/services", headers=admin.headers)).json()["items"] == []


async def test_catalog_rules_answer_with_their_codes(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    service = await add_service(api, admin)
    url = f"{API}/services/{service['service_id']}"
    cases = [
        ({**HAIRCUT, "name": "Other", "currency": "usd"}, 422, "money.bad_currency"),
        ({**HAIRCUT, "name": "Other", "price_minor": -1}, 422, "service.bad_price"),
        ({**HAIRCUT, "name": "   "}, 422, "service.bad_name"),
        ({**HAIRCUT, "name": " HAIRCUT "}, 409, "service.duplicate_name"),
    ]
    for body, status, code in cases:
        response = await api.client.post(f"{API}/services", headers=admin.headers, json=body)
        assert_error(response, status, code)
    negative = await api.client.patch(url, headers=admin.headers, json={"price_minor": -10})
    assert_error(negative, 422, "service.bad_price")
    bad_currency = await api.client.patch(url, headers=admin.headers, json={"currency": "$"})
    assert_error(bad_currency, 422, "money.bad_currency")
    wrong_type = await api.client.patch(url, headers=admin.headers, json={"active": 1})
    assert "active" in assert_error(wrong_type, 422, "request.invalid")["message"]
    # Nothing above changed the service.
    assert (await api.client.get(url, headers=admin.headers)).json() == service


async def test_unknown_ids_are_not_found(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    for service_id in (MISSING, "not-an-id", "x" * 300):
        url = f"{API}/services/{service_id}"
        assert_error(await api.client.get(url, headers=admin.headers), 404, "service.not_found")
        patched = await api.client.patch(url, headers=admin.headers, json={"name": "New"})
        assert_error(patched, 404, "service.not_found")
        deleted = await api.client.delete(url, headers=admin.headers)
        assert_error(deleted, 404, "service.not_found")


async def test_another_tenants_service_is_not_found(api: HttpApp) -> None:
    mine = await api.tenant_admin()
    other = await api.tenant_admin()
    service = await add_service(api, mine)
    url = f"{API}/services/{service['service_id']}"
    assert_error(await api.client.get(url, headers=other.headers), 404, "service.not_found")
    patched = await api.client.patch(url, headers=other.headers, json={"price_minor": 1})
    assert_error(patched, 404, "service.not_found")
    assert_error(await api.client.delete(url, headers=other.headers), 404, "service.not_found")
    listed = await api.client.get(f"{API}/services", headers=other.headers)
    assert listed.json() == {"items": [], "next_cursor": None}
    # The same name is free in another tenant, and mine is untouched.
    await add_service(api, other)
    assert (await api.client.get(url, headers=mine.headers)).json() == service


async def test_staff_use_the_catalog_as_the_table_says(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    staff = await api.member(admin)
    service = await add_service(api, admin)
    read = await api.client.get(f"{API}/services", headers=staff.headers)
    assert read.status_code == (
        200 if permissions.allowed(model.Role.STAFF, permissions.Action.SERVICES_READ) else 403
    )
    write = await api.client.post(
        f"{API}/services", headers=staff.headers, json={**HAIRCUT, "name": "Staff special"}
    )
    if permissions.allowed(model.Role.STAFF, permissions.Action.SERVICES_WRITE):
        assert write.status_code == 201, write.text
        url = f"{API}/services/{service['service_id']}"
        assert (await api.client.delete(url, headers=staff.headers)).status_code == 204
    else:
        assert_error(write, 403, "auth.forbidden")


async def test_the_super_admin_has_no_catalog(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    service = await add_service(api, admin)
    operator = await api.super_admin()
    url = f"{API}/services/{service['service_id']}"
    read, write = permissions.Action.SERVICES_READ, permissions.Action.SERVICES_WRITE
    calls = [
        ("GET", f"{API}/services", None, read),
        ("GET", url, None, read),
        ("POST", f"{API}/services", HAIRCUT, write),
        ("PATCH", url, {"name": "X"}, write),
        ("DELETE", url, None, write),
    ]
    for method, path, body, action in calls:
        response = await api.client.request(method, path, headers=operator.headers, json=body)
        assert_error(response, 403, refusal(model.Role.SUPER_ADMIN, action))
    assert (await api.client.get(url, headers=admin.headers)).json() == service


async def test_the_catalog_needs_a_token(api: HttpApp) -> None:
    assert_error(await api.client.get(f"{API}/services"), 401, "auth.unauthenticated")
    created = await api.client.post(f"{API}/services", json=HAIRCUT)
    assert_error(created, 401, "auth.unauthenticated")
