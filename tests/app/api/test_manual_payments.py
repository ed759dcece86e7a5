"""Manual payments over HTTP: submit with a screenshot, review, approve or reject, role checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from b2core.billing import payments
from tests.support.billing_http import (
    JPEG,
    MISSING,
    PNG,
    BillingApi,
    billing,
    later,
    token,
)
from tests.support.http_app import API, Session, assert_error

__all__ = ["billing"]  # the fixture, imported for pytest


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def _items(api: BillingApi, path: str, who: Session, **params: Any) -> list[dict[str, Any]]:
    body = _ok(await api.client.get(f"{API}{path}", headers=who.headers, params=params))
    assert set(body) == {"items", "next_cursor"}
    items: list[dict[str, Any]] = body["items"]
    return items


async def _tier(api: BillingApi, who: Session) -> str:
    usage = _ok(await api.client.get(f"{API}/ai/usage", headers=who.headers))
    tier: str = usage["tier"]
    return tier


async def test_a_payment_is_submitted_reviewed_and_approved_with_every_role_checked(
    billing: BillingApi,
) -> None:
    api = billing
    operator = await api.api.super_admin()
    owner, other = await api.api.tenant_admin(), await api.api.tenant_admin()
    staff = await api.api.member(owner)
    plan = await api.create_plan(operator, ai_plan="PAID_PRO", price_minor=500_005)
    coupon = await api.create_coupon(operator, percent=10)
    assert await _tier(api, owner) == "FREE"

    # STAFF never reaches billing; a platform user is no tenant.
    assert_error(await api.submit(staff, plan["plan_id"]), 403, "auth.forbidden")
    assert_error(await api.submit(operator, plan["plan_id"]), 403, "auth.forbidden")
    refused = await api.client.get(f"{API}/billing/manual-payments", headers=staff.headers)
    assert_error(refused, 403, "auth.forbidden")
    anonymous = await api.client.get(f"{API}/billing/manual-payments")
    assert_error(anonymous, 401, "auth.unauthenticated")

    reference = token("EP-")
    submitted = _ok(
        await api.submit(
            owner, plan["plan_id"], reference=reference.lower(), coupon_code=coupon["code"].lower()
        ),
        201,
    )
    # Priced on the server: 10% of 500005 is 50000.5, rounded half up to 50001.
    assert submitted["list_price_minor"] == 500_005
    assert submitted["discount_minor"] == 50_001
    assert submitted["amount_minor"] == 450_004
    assert submitted["currency"] == "PKR"
    assert submitted["coupon_code"] == coupon["code"]
    assert submitted["reference"] == reference
    assert submitted["status"] == "PENDING"
    assert submitted["tenant_id"] == owner.tenant_id
    assert "screenshot_key" not in submitted
    assert len(api.stored_files(owner.tenant_id)) == 1
    payment_id = submitted["payment_id"]

    # The owner sees it; another tenant's admin neither lists nor decides it.
    mine = await _items(api, "/billing/manual-payments", owner)
    assert [p["payment_id"] for p in mine] == [payment_id]
    assert await _items(api, "/billing/manual-payments", other) == []
    for who in (owner, other, staff):
        path = f"{API}/admin/manual-payments/{payment_id}/approve"
        assert_error(await api.client.post(path, headers=who.headers), 403, "auth.forbidden")
        listed = await api.client.get(f"{API}/admin/manual-payments", headers=who.headers)
        assert_error(listed, 403, "auth.forbidden")

    pending = await _items(api, "/admin/manual-payments", operator, status="PENDING", limit=200)
    assert payment_id in [p["payment_id"] for p in pending]
    approved = _ok(
        await api.client.post(
            f"{API}/admin/manual-payments/{payment_id}/approve", headers=operator.headers
        )
    )
    assert approved["status"] == "APPROVED"
    assert approved["decided_at"] is not None

    # Approval granted the plan's tier to the owner only.
    assert await _tier(api, owner) == "MEDIUM"
    assert await _tier(api, other) == "FREE"
    again = await api.client.post(
        f"{API}/admin/manual-payments/{payment_id}/approve", headers=operator.headers
    )
    assert_error(again, 409, "payment.invalid_transition")
    used = await api.client.get(
        f"{API}/admin/coupons", headers=operator.headers, params={"limit": 200}
    )
    redeemed = [c for c in _ok(used)["items"] if c["coupon_id"] == coupon["coupon_id"]]
    assert redeemed[0]["redemptions"] == 1
    trail = await _items(api, "/audit-logs", owner, limit=200)
    actions = {entry["action"] for entry in trail}
    assert {"payment.submitted", "payment.approved"} <= actions


async def test_a_duplicate_reference_is_refused_and_leaves_no_file(billing: BillingApi) -> None:
    api = billing
    operator = await api.api.super_admin()
    first, second = await api.api.tenant_admin(), await api.api.tenant_admin()
    plan = await api.create_plan(operator)
    reference = token("JC-")
    _ok(await api.submit(first, plan["plan_id"], reference=reference, method="JAZZCASH"), 201)
    # The same reference spelled with spaces and lower case, by another tenant.
    spaced = " ".join(reference.lower())
    again = await api.submit(second, plan["plan_id"], reference=spaced, method="JAZZCASH")
    assert_error(again, 409, "payment.duplicate_reference")
    assert api.stored_files(second.tenant_id) == []
    assert await _items(api, "/billing/manual-payments", second) == []
    # Another method may carry the same reference.
    _ok(await api.submit(second, plan["plan_id"], reference=reference, method="BANK_TRANSFER"), 201)


async def test_a_rejection_needs_a_reason_and_unknown_payments_are_not_found(
    billing: BillingApi,
) -> None:
    api = billing
    operator = await api.api.super_admin()
    owner = await api.api.tenant_admin()
    plan = await api.create_plan(operator)
    payment = _ok(await api.submit(owner, plan["plan_id"]), 201)
    path = f"{API}/admin/manual-payments/{payment['payment_id']}/reject"
    assert_error(
        await api.client.post(path, headers=operator.headers, json={}), 422, "request.invalid"
    )
    blank = await api.client.post(path, headers=operator.headers, json={"reason": "   "})
    assert_error(blank, 422, "payment.reason_required")
    by_owner = await api.client.post(path, headers=owner.headers, json={"reason": "mine"})
    assert_error(by_owner, 403, "auth.forbidden")
    rejected = _ok(
        await api.client.post(path, headers=operator.headers, json={"reason": "No such transfer"})
    )
    assert rejected["status"] == "REJECTED"
    seen = await _items(api, "/billing/manual-payments", owner, status="REJECTED")
    assert [p["rejection_reason"] for p in seen] == ["No such transfer"]
    assert await _items(api, "/billing/manual-payments", owner, status="PENDING") == []
    assert await _tier(api, owner) == "FREE"
    approve = await api.client.post(
        f"{API}/admin/manual-payments/{payment['payment_id']}/approve", headers=operator.headers
    )
    assert_error(approve, 409, "payment.invalid_transition")
    for action, body in (("approve", None), ("reject", {"reason": "x"})):
        unknown = await api.client.post(
            f"{API}/admin/manual-payments/{MISSING}/{action}", headers=operator.headers, json=body
        )
        assert_error(unknown, 404, "payment.not_found")


_PNG_FILE = ("p.png", PNG, "image/png")
BAD_SUBMISSIONS: list[tuple[tuple[str, bytes, str] | None, dict[str, str], int, str]] = [
    (("p.gif", b"GIF89a" + b"\x00" * 20, "image/gif"), {}, 422, "payment.bad_screenshot_type"),
    (("p.png", JPEG, "image/png"), {}, 422, "payment.bad_screenshot_type"),
    (("p.png", b"", "image/png"), {}, 422, "payment.bad_screenshot_size"),
    (
        ("p.png", PNG + b"\x00" * payments.MAX_SCREENSHOT_BYTES, "image/png"),
        {},
        422,
        "payment.bad_screenshot_size",
    ),
    (None, {}, 422, "request.invalid"),
    (_PNG_FILE, {"method": "CASH"}, 422, "payment.bad_method"),
    (_PNG_FILE, {"reference": "a"}, 422, "payment.bad_reference"),
    (_PNG_FILE, {"sender_number": "?"}, 422, "payment.bad_sender"),
    (_PNG_FILE, {"sender_name": " "}, 422, "payment.bad_sender"),
    (_PNG_FILE, {"amount_minor": "1"}, 422, "request.invalid"),
    (_PNG_FILE, {"tenant_id": MISSING}, 422, "request.invalid"),
    (_PNG_FILE, {"coupon_code": "NOPE-NOPE"}, 404, "coupon.not_found"),
    (_PNG_FILE, {"plan_id": MISSING}, 404, "plan.not_found"),
]


async def test_bad_submissions_are_refused_and_store_nothing(billing: BillingApi) -> None:
    api = billing
    operator = await api.api.super_admin()
    owner = await api.api.tenant_admin()
    plan = await api.create_plan(operator)
    for screenshot, fields, status, code in BAD_SUBMISSIONS:
        form = {"plan_id": plan["plan_id"], **fields}
        response = await api.submit(owner, screenshot=screenshot, **form)
        assert_error(response, status, code)
    assert api.stored_files(owner.tenant_id) == []
    assert await _items(api, "/billing/manual-payments", owner) == []


async def test_non_form_bodies_and_oversized_uploads_are_client_errors(
    billing: BillingApi,
) -> None:
    api = billing
    owner = await api.api.tenant_admin()
    path = f"{API}/billing/manual-payments"
    as_json = await api.client.post(path, headers=owner.headers, json={"plan_id": MISSING})
    assert_error(as_json, 422, "request.invalid")
    huge = ("p.png", PNG + b"\x00" * (payments.MAX_SCREENSHOT_BYTES + 200_000), "image/png")
    too_big = await api.client.post(
        path, headers=owner.headers, data={"method": "EASYPAISA"}, files={"screenshot": huge}
    )
    assert_error(too_big, 413, "request.too_large")
    bad_status = await api.client.get(path, headers=owner.headers, params={"status": "LOST"})
    assert_error(bad_status, 422, "payment.bad_status")


async def test_plans_not_on_sale_and_expired_coupons_are_refused(billing: BillingApi) -> None:
    api = billing
    operator = await api.api.super_admin()
    owner = await api.api.tenant_admin()
    hidden = await api.create_plan(operator, active=False)
    assert_error(await api.submit(owner, hidden["plan_id"]), 409, "plan.not_available")
    plan = await api.create_plan(operator)
    soon = (api.clock.now() + timedelta(hours=1)).isoformat()
    coupon = await api.create_coupon(
        operator, kind="FIXED", percent=None, amount_off_minor=1000, currency="PKR", expires_at=soon
    )
    fixed = _ok(await api.submit(owner, plan["plan_id"], coupon_code=coupon["code"]), 201)
    assert fixed["amount_minor"] == 500_000 - 1000
    later(api, hours=2)
    owner = await api.relogin(owner)
    expired = await api.submit(owner, plan["plan_id"], coupon_code=coupon["code"])
    assert_error(expired, 422, "coupon.expired")
    assert len(api.stored_files(owner.tenant_id)) == 1  # the first payment's screenshot only


async def test_lists_are_paginated_newest_first(billing: BillingApi) -> None:
    api = billing
    operator = await api.api.super_admin()
    owner = await api.api.tenant_admin()
    plan = await api.create_plan(operator)
    made = []
    for _ in range(3):
        made.append(_ok(await api.submit(owner, plan["plan_id"]), 201)["payment_id"])
        later(api, seconds=1)
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = _ok(
            await api.client.get(
                f"{API}/billing/manual-payments", headers=owner.headers, params=params
            )
        )
        assert len(page["items"]) <= 2
        seen += [p["payment_id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))
