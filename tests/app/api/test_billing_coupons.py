"""Coupons over HTTP: values, expiry, codes, changes, deletion and paging (super admin only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.support.billing_http import MISSING, BillingApi, billing, later, token
from tests.support.http_app import API, assert_error

__all__ = ["billing"]  # the fixture, imported for pytest


async def test_coupon_values_and_expiry_are_checked(billing: BillingApi) -> None:
    api = billing
    operator = await api.api.super_admin()
    now = api.clock.now()
    future = (now + timedelta(days=3)).isoformat()
    past = (now - timedelta(seconds=1)).isoformat()
    accepted: list[dict[str, Any]] = [
        {"kind": "PERCENTAGE", "percent": 1},
        {"kind": "PERCENTAGE", "percent": 100, "expires_at": future},
        {"kind": "FIXED", "amount_off_minor": 0, "currency": "PKR"},
        {"kind": "FIXED", "amount_off_minor": 2500, "currency": "USD", "max_redemptions": 3},
    ]
    for fields in accepted:
        body = {"code": token("OK"), **fields}
        created = await api.client.post(f"{API}/admin/coupons", headers=operator.headers, json=body)
        assert created.status_code == 201, (fields, created.text)
        shown = created.json()
        assert shown["code"] == body["code"]
        assert shown["redemptions"] == 0
        assert shown["percent"] == fields.get("percent")
        assert shown["amount_off_minor"] == fields.get("amount_off_minor")
    refused: list[tuple[dict[str, Any], int, str]] = [
        ({"kind": "PERCENTAGE", "percent": 0}, 422, "coupon.bad_value"),
        ({"kind": "PERCENTAGE", "percent": 101}, 422, "coupon.bad_value"),
        ({"kind": "PERCENTAGE"}, 422, "coupon.bad_value"),
        ({"kind": "PERCENTAGE", "percent": 5, "amount_off_minor": 5, "currency": "PKR"}, 422,
         "coupon.bad_value"),
        ({"kind": "FIXED", "amount_off_minor": -1, "currency": "PKR"}, 422, "coupon.bad_value"),
        ({"kind": "FIXED", "amount_off_minor": 100}, 422, "coupon.bad_value"),
        ({"kind": "FIXED", "percent": 10}, 422, "coupon.bad_value"),
        ({"kind": "FIXED", "amount_off_minor": 1, "currency": "rupee"}, 422, "money.bad_currency"),
        ({"kind": "BOGO", "percent": 10}, 422, "request.invalid"),
        ({"kind": "PERCENTAGE", "percent": 10, "expires_at": past}, 422, "coupon.bad_expiry"),
        ({"kind": "PERCENTAGE", "percent": 10, "expires_at": "2030-01-01T00:00:00"}, 422,
         "request.invalid"),
        ({"kind": "PERCENTAGE", "percent": 10, "max_redemptions": 0}, 422, "coupon.bad_number"),
        ({"kind": "PERCENTAGE", "percent": "10"}, 422, "request.invalid"),
    ]  # fmt: skip
    for fields, status, code in refused:
        body = {"code": token("NO"), **fields}
        response = await api.client.post(
            f"{API}/admin/coupons", headers=operator.headers, json=body
        )
        assert_error(response, status, code)
    for code_text, code in (("bad code!", "coupon.bad_code"), ("", "coupon.bad_code")):
        body = {"code": code_text, "kind": "PERCENTAGE", "percent": 5}
        response = await api.client.post(
            f"{API}/admin/coupons", headers=operator.headers, json=body
        )
        assert_error(response, 422, code)
    first = await api.create_coupon(operator)
    twin = {"code": f"  {first['code'].lower()} ", "kind": "PERCENTAGE", "percent": 5}
    clash = await api.client.post(f"{API}/admin/coupons", headers=operator.headers, json=twin)
    assert_error(clash, 409, "coupon.duplicate_code")


async def test_coupons_are_changed_deleted_and_paged(billing: BillingApi) -> None:
    api = billing
    operator = await api.api.super_admin()
    prefix = token("PG")
    made = [await api.create_coupon(operator, code=f"{prefix}-{n}") for n in (3, 1, 2)]
    path = f"{API}/admin/coupons/{made[0]['coupon_id']}"
    soon = (api.clock.now() + timedelta(hours=1)).isoformat()
    changed = await api.client.patch(
        path, headers=operator.headers, json={"active": False, "expires_at": soon}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["active"] is False
    assert changed.json()["expires_at"] is not None
    later(api, hours=2)
    operator = await api.relogin(operator)
    stale = await api.client.patch(path, headers=operator.headers, json={"expires_at": soon})
    assert_error(stale, 422, "coupon.bad_expiry")
    cleared = await api.client.patch(
        path, headers=operator.headers, json={"clear_expiry": True, "active": True}
    )
    assert cleared.json()["expires_at"] is None
    assert cleared.json()["active"] is True
    kind = await api.client.patch(path, headers=operator.headers, json={"percent": 50})
    assert_error(kind, 422, "request.invalid")  # kind and value never change

    codes: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await api.client.get(f"{API}/admin/coupons", headers=operator.headers, params=params)
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) <= 2
        codes += [c["code"] for c in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert [c for c in codes if c.startswith(prefix)] == [f"{prefix}-{n}" for n in (1, 2, 3)]

    gone = await api.client.delete(path, headers=operator.headers)
    assert gone.status_code == 204, gone.text
    assert_error(await api.client.delete(path, headers=operator.headers), 404, "coupon.not_found")
    missing = await api.client.patch(
        f"{API}/admin/coupons/{MISSING}", headers=operator.headers, json={"active": True}
    )
    assert_error(missing, 404, "coupon.not_found")


async def test_only_the_super_admin_manages_coupons(billing: BillingApi) -> None:
    api = billing
    operator = await api.api.super_admin()
    admin = await api.api.tenant_admin()
    staff = await api.api.member(admin)
    coupon = await api.create_coupon(operator)
    path = f"{API}/admin/coupons/{coupon['coupon_id']}"
    for who in (admin, staff):
        for method, url in (("GET", f"{API}/admin/coupons"), ("POST", f"{API}/admin/coupons"),
                            ("PATCH", path), ("DELETE", path)):  # fmt: skip
            body: dict[str, Any] | None = {} if method in ("POST", "PATCH") else None
            response = await api.client.request(method, url, headers=who.headers, json=body)
            assert_error(response, 403, "auth.forbidden")
    assert_error(await api.client.get(f"{API}/admin/coupons"), 401, "auth.unauthenticated")
    trail = await api.client.get(
        f"{API}/audit-logs",
        headers=operator.headers,
        params={"action": "coupon.created", "limit": 200},
    )
    assert coupon["coupon_id"] in [e["target_id"] for e in trail.json()["items"]]
