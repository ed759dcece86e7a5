"""Plans over HTTP: the super admin's CRUD with soft delete and display order, the public list."""

from __future__ import annotations

from typing import Any

from tests.support.billing_http import MISSING, BillingApi, billing, token
from tests.support.http_app import API, Session, assert_error

__all__ = ["billing"]  # the fixture, imported for pytest

_PUBLIC_FIELDS = {
    "plan_id", "name", "description", "ai_tier", "daily_limit", "monthly_limit",
    "price_minor", "currency", "interval",
}  # fmt: skip


async def _all(api: BillingApi, path: str, who: Session | None, **params: Any) -> list[Any]:
    """Every item of a list, page by page (pages of 2, to walk the cursors)."""
    items: list[Any] = []
    cursor: str | None = None
    headers = who.headers if who else {}
    while True:
        query = {"limit": 2, **params, **({"cursor": cursor} if cursor else {})}
        response = await api.client.get(f"{API}{path}", headers=headers, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 2
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def _ids(items: list[dict[str, Any]], mine: set[str]) -> list[str]:
    return [i["plan_id"] for i in items if i["plan_id"] in mine]


async def test_plans_are_created_ordered_changed_and_softly_deleted(billing: BillingApi) -> None:
    api = billing
    operator = await api.api.super_admin()
    pro = await api.create_plan(
        operator, display_order=20, stripe_product_id="prod_X1", stripe_price_id="price_X1"
    )
    basic = await api.create_plan(operator, ai_plan="PAID_BASIC", display_order=10)
    hidden = await api.create_plan(operator, display_order=5, active=False)
    assert pro["ai_tier"] == "MEDIUM"
    assert basic["ai_tier"] == "LOW"
    assert pro["stripe_price_id"] == "price_X1"
    mine = {pro["plan_id"], basic["plan_id"], hidden["plan_id"]}

    public = await _all(api, "/plans", None)
    assert _ids(public, mine) == [basic["plan_id"], pro["plan_id"]]
    assert all(set(p) == _PUBLIC_FIELDS for p in public)
    admin = await _all(api, "/admin/plans", operator)
    assert _ids(admin, mine) == [hidden["plan_id"], basic["plan_id"], pro["plan_id"]]

    path = f"{API}/admin/plans/{pro['plan_id']}"
    changed = await api.client.patch(
        path, headers=operator.headers, json={"display_order": 1, "price_minor": 700_000,
                                              "currency": "PKR"}
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert changed.json()["price_minor"] == 700_000
    assert _ids(await _all(api, "/plans", None), mine) == [pro["plan_id"], basic["plan_id"]]

    deleted = await api.client.delete(path, headers=operator.headers)
    assert deleted.status_code == 204, deleted.text
    assert _ids(await _all(api, "/plans", None), mine) == [basic["plan_id"]]
    assert pro["plan_id"] not in _ids(await _all(api, "/admin/plans", operator), mine)
    with_deleted = await _all(api, "/admin/plans", operator, include_deleted="true")
    kept = [p for p in with_deleted if p["plan_id"] == pro["plan_id"]]
    assert kept[0]["deleted_at"] is not None
    assert kept[0]["active"] is False
    read = await api.client.get(path, headers=operator.headers)
    assert read.status_code == 200
    assert read.json()["deleted_at"] is not None
    again = await api.client.delete(path, headers=operator.headers)
    assert_error(again, 409, "plan.deleted")
    frozen = await api.client.patch(path, headers=operator.headers, json={"name": "New"})
    assert_error(frozen, 409, "plan.deleted")
    # The name of a deleted plan is free again.
    reuse = await api.create_plan(operator, name=pro["name"])
    assert reuse["plan_id"] != pro["plan_id"]
    trail = await _all(api, "/audit-logs", operator, action="plan.deleted")
    assert any(e["target_id"] == pro["plan_id"] for e in trail)


async def test_only_the_super_admin_manages_plans(billing: BillingApi) -> None:
    api = billing
    operator = await api.api.super_admin()
    admin = await api.api.tenant_admin()
    staff = await api.api.member(admin)
    plan = await api.create_plan(operator)
    path = f"{API}/admin/plans/{plan['plan_id']}"
    for who in (admin, staff):
        for method, url in (("GET", f"{API}/admin/plans"), ("POST", f"{API}/admin/plans"),
                            ("PATCH", path), ("DELETE", path), ("GET", path)):  # fmt: skip
            body: dict[str, Any] | None = {} if method in ("POST", "PATCH") else None
            response = await api.client.request(method, url, headers=who.headers, json=body)
            assert_error(response, 403, "auth.forbidden")
    assert_error(await api.client.get(f"{API}/admin/plans"), 401, "auth.unauthenticated")
    public = await api.client.get(f"{API}/plans")
    assert public.status_code == 200, public.text
    read = await api.client.get(path, headers=operator.headers)
    assert read.json()["name"] == plan["name"]


async def test_bad_plans_are_refused(billing: BillingApi) -> None:
    api = billing
    operator = await api.api.super_admin()
    taken = await api.create_plan(operator)
    base = {
        "name": token("Plan "), "ai_plan": "PAID_BASIC", "daily_limit": 10,
        "monthly_limit": 100, "price_minor": 1000, "currency": "PKR", "interval": "month",
    }  # fmt: skip
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({**base, "ai_plan": "GOLD"}, 422, "plan.bad_ai_plan"),
        ({**base, "daily_limit": 101}, 422, "plan.bad_limit"),
        ({**base, "daily_limit": -1}, 422, "plan.bad_limit"),
        ({**base, "price_minor": -5}, 422, "plan.bad_price"),
        ({**base, "price_minor": "5"}, 422, "request.invalid"),
        ({**base, "currency": "rupees"}, 422, "money.bad_currency"),
        ({**base, "interval": "week"}, 422, "request.invalid"),
        ({**base, "name": ""}, 422, "plan.bad_name"),
        ({**base, "stripe_price_id": "not a stripe id"}, 422, "plan.bad_stripe_id"),
        ({**base, "display_order": -1}, 422, "plan.bad_number"),
        ({**base, "tenant_id": MISSING}, 422, "request.invalid"),
        ({"name": "X"}, 422, "request.invalid"),
        ({**base, "name": taken["name"].upper()}, 409, "plan.duplicate_name"),
    ]
    for body, status, code in cases:
        response = await api.client.post(f"{API}/admin/plans", headers=operator.headers, json=body)
        assert_error(response, status, code)
    path = f"{API}/admin/plans/{taken['plan_id']}"
    half_price = await api.client.patch(path, headers=operator.headers, json={"price_minor": 1})
    assert_error(half_price, 422, "plan.bad_price")
    limits = await api.client.patch(path, headers=operator.headers, json={"daily_limit": 5000})
    assert_error(limits, 422, "plan.bad_limit")
    missing = f"{API}/admin/plans/{MISSING}"
    assert_error(await api.client.get(missing, headers=operator.headers), 404, "plan.not_found")
    assert_error(
        await api.client.patch(missing, headers=operator.headers, json={"name": "Y"}),
        404,
        "plan.not_found",
    )
    assert_error(await api.client.delete(missing, headers=operator.headers), 404, "plan.not_found")
    # Cursors: not base64, two values, a negative position, a text position.
    for params, code in (({"cursor": "%%%"}, "pagination.bad_cursor"),
                         ({"cursor": "WzEsMl0"}, "pagination.bad_cursor"),
                         ({"cursor": "Wy0xXQ"}, "pagination.bad_cursor"),
                         ({"cursor": "WyJ4Il0"}, "pagination.bad_cursor"),
                         ({"limit": "0"}, "pagination.bad_limit")):  # fmt: skip
        response = await api.client.get(f"{API}/plans", params=params)
        assert_error(response, 422, code)
    admin_cursor = await api.client.get(
        f"{API}/admin/plans", headers=operator.headers, params={"cursor": "WyJ4Il0"}
    )
    assert_error(admin_cursor, 422, "pagination.bad_cursor")
    flag = await api.client.get(
        f"{API}/admin/plans", headers=operator.headers, params={"include_deleted": "maybe"}
    )
    assert_error(flag, 422, "request.invalid")
