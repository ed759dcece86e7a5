"""Orders over HTTP: reading them, and the human decisions that move them along."""

from __future__ import annotations

from typing import Any

import pytest

from b2core.iam import model, permissions
from b2core.orders import commands, policy
from b2core.shared import ids
from tests.support.http_app import API, HttpApp, Session, assert_error

MISSING = "00000000-0000-7000-8000-000000000000"
DECISIONS = ("approve", "reject", "complete", "cancel")


async def catalog(api: HttpApp, who: Session) -> None:
    """A haircut at 15.00 and a shave at 8.00 in ``who``'s catalog."""
    for name, price in (("Haircut", 1500), ("Shave", 800)):
        response = await api.client.post(
            f"{API}/services",
            headers=who.headers,
            json={"name": name, "price_minor": price, "currency": "USD"},
        )
        assert response.status_code == 201, response.text


async def ai_order(
    api: HttpApp,
    who: Session,
    customer: str = "customer-1",
    items: tuple[tuple[str, int], ...] = (("haircut", 2), ("shave", 1)),
    *,
    submit: bool = True,
) -> str:
    """An order the AI drafted (and submitted for approval) for ``who``'s tenant: its id."""
    assert who.tenant_id is not None
    command = commands.DraftOrder(
        ids.TenantId(who.tenant_id), customer, items, policy.Actor.ai(), submit=submit
    )
    order = await api.bus.handle(command)
    return str(order.id)


async def decide(
    api: HttpApp, who: Session, order_id: str, step: str, body: dict[str, Any] | None = None
) -> Any:
    """POST one decision on an order; the response."""
    return await api.client.post(f"{API}/orders/{order_id}/{step}", headers=who.headers, json=body)


def refusal(role: model.Role, action: permissions.Action) -> str:
    """The code a caller of ``role`` gets for ``action`` when refused, per the RBAC table."""
    return "auth.forbidden" if not permissions.allowed(role, action) else "auth.tenant_required"


async def test_an_order_shows_items_total_and_history(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    await catalog(api, admin)
    order_id = await ai_order(api, admin)
    response = await api.client.get(f"{API}/orders/{order_id}", headers=admin.headers)
    assert response.status_code == 200, response.text
    order = response.json()
    assert set(order) == {
        "order_id",
        "status",
        "customer",
        "items",
        "total",
        "conversation_id",
        "created_by",
        "created_at",
        "updated_at",
        "history",
    }
    assert order["status"] == "PENDING_APPROVAL"
    assert order["customer"] == {
        "customer_id": "customer-1",
        "name": None,
        "phone": None,
        "email": None,
    }
    lines = {item["name"]: item for item in order["items"]}
    assert lines["Haircut"]["unit_price"] == {"amount_minor": 1500, "currency": "USD"}
    assert lines["Haircut"]["quantity"] == 2
    assert lines["Haircut"]["subtotal"] == {"amount_minor": 3000, "currency": "USD"}
    assert order["total"] == {"amount_minor": 3800, "currency": "USD"}
    assert order["created_by"] == {"kind": "ai", "user_id": None}
    assert order["history"] == [
        {
            "from_status": "DRAFT",
            "to_status": "PENDING_APPROVAL",
            "by": {"kind": "ai", "user_id": None},
            "at": order["created_at"],
            "reason": None,
        }
    ]
    assert "version" not in response.text


async def test_approve_then_complete_records_each_step(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    await catalog(api, admin)
    order_id = await ai_order(api, admin)
    approved = await decide(api, admin, order_id, "approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "APPROVED"
    completed = await decide(api, admin, order_id, "complete")
    assert completed.status_code == 200, completed.text
    body = completed.json()
    assert body["status"] == "COMPLETED"
    steps = [(s["from_status"], s["to_status"], s["by"]) for s in body["history"]]
    me = {"kind": "user", "user_id": admin.user_id}
    assert steps[1:] == [("PENDING_APPROVAL", "APPROVED", me), ("APPROVED", "COMPLETED", me)]
    read = await api.client.get(f"{API}/orders/{order_id}", headers=admin.headers)
    assert read.json() == body


async def test_illegal_steps_are_409_and_change_nothing(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    await catalog(api, admin)
    pending = await ai_order(api, admin)
    assert_error(await decide(api, admin, pending, "complete"), 409, "order.invalid_transition")
    assert (await decide(api, admin, pending, "approve")).status_code == 200
    for step, body in (("approve", None), ("reject", {"reason": "late"}), ("cancel", None)):
        response = await decide(api, admin, pending, step, body)
        assert_error(response, 409, "order.invalid_transition")
    draft = await ai_order(api, admin, submit=False)
    assert_error(await decide(api, admin, draft, "approve"), 409, "order.invalid_transition")
    order = (await api.client.get(f"{API}/orders/{pending}", headers=admin.headers)).json()
    assert order["status"] == "APPROVED"
    assert len(order["history"]) == 2


async def test_a_rejection_needs_a_reason(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    await catalog(api, admin)
    order_id = await ai_order(api, admin)
    no_body = await api.client.post(f"{API}/orders/{order_id}/reject", headers=admin.headers)
    assert_error(no_body, 422, "request.invalid")
    empty = await decide(api, admin, order_id, "reject", {})
    assert "reason" in assert_error(empty, 422, "request.invalid")["message"]
    wrong_type = await decide(api, admin, order_id, "reject", {"reason": 5})
    assert "reason" in assert_error(wrong_type, 422, "request.invalid")["message"]
    blank = await decide(api, admin, order_id, "reject", {"reason": "   "})
    assert_error(blank, 422, "order.reason_required")
    long = await decide(api, admin, order_id, "reject", {"reason": "x" * 501})
    assert_error(long, 422, "order.bad_reason")
    still = await api.client.get(f"{API}/orders/{order_id}", headers=admin.headers)
    assert still.json()["status"] == "PENDING_APPROVAL"

    rejected = await decide(api, admin, order_id, "reject", {"reason": " Fully booked "})
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "REJECTED"
    assert rejected.json()["history"][-1]["reason"] == "Fully booked"


@pytest.mark.parametrize(
    ("body", "reason"), [(None, None), ({}, None), ({"reason": "customer asked"}, "customer asked")]
)
async def test_a_cancellation_takes_an_optional_reason(
    api: HttpApp, body: dict[str, Any] | None, reason: str | None
) -> None:
    admin = await api.tenant_admin()
    await catalog(api, admin)
    order_id = await ai_order(api, admin)
    cancelled = await decide(api, admin, order_id, "cancel", body)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    assert cancelled.json()["history"][-1]["reason"] == reason


async def test_a_cancellation_body_is_strict(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    await catalog(api, admin)
    order_id = await ai_order(api, admin)
    response = await decide(api, admin, order_id, "cancel", {"reason": "x", "refund": True})
    assert "refund" in assert_error(response, 422, "request.invalid")["message"]


async def test_orders_list_newest_first_with_filters(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    await catalog(api, admin)
    first = await ai_order(api, admin, "alice")
    second = await ai_order(api, admin, "bob")
    third = await ai_order(api, admin, "alice", submit=False)
    await decide(api, admin, second, "approve")

    def order_ids(response: Any) -> list[str]:
        assert response.status_code == 200, response.text
        return [o["order_id"] for o in response.json()["items"]]

    url = f"{API}/orders"
    assert order_ids(await api.client.get(url, headers=admin.headers)) == [third, second, first]
    alice = await api.client.get(url, params={"customer_id": "alice"}, headers=admin.headers)
    assert order_ids(alice) == [third, first]
    approved = await api.client.get(url, params={"status": "APPROVED"}, headers=admin.headers)
    assert order_ids(approved) == [second]
    both = await api.client.get(
        url, params={"status": "draft", "customer_id": "alice"}, headers=admin.headers
    )
    assert order_ids(both) == [third]
    bad = await api.client.get(url, params={"status": "SHIPPED"}, headers=admin.headers)
    assert_error(bad, 422, "order.bad_status")


async def test_orders_page_with_a_cursor(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    await catalog(api, admin)
    made = [await ai_order(api, admin, f"customer-{n}") for n in range(3)]
    first = await api.client.get(f"{API}/orders", params={"limit": 2}, headers=admin.headers)
    page = first.json()
    assert len(page["items"]) == 2
    assert page["next_cursor"]
    second = await api.client.get(
        f"{API}/orders", params={"limit": 2, "cursor": page["next_cursor"]}, headers=admin.headers
    )
    rest = second.json()
    assert rest["next_cursor"] is None
    seen = [o["order_id"] for o in page["items"] + rest["items"]]
    assert seen == list(reversed(made))


async def test_unknown_orders_are_not_found(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    for order_id in (MISSING, "no-such-order"):
        read = await api.client.get(f"{API}/orders/{order_id}", headers=admin.headers)
        assert_error(read, 404, "order.not_found")
        for step in DECISIONS:
            response = await decide(api, admin, order_id, step, {"reason": "why"})
            assert_error(response, 404, "order.not_found")


async def test_another_tenants_order_is_not_found(api: HttpApp) -> None:
    mine = await api.tenant_admin()
    other = await api.tenant_admin()
    await catalog(api, mine)
    order_id = await ai_order(api, mine)
    read = await api.client.get(f"{API}/orders/{order_id}", headers=other.headers)
    assert_error(read, 404, "order.not_found")
    for step in DECISIONS:
        response = await decide(api, other, order_id, step, {"reason": "mine now"})
        assert_error(response, 404, "order.not_found")
    listed = await api.client.get(f"{API}/orders", headers=other.headers)
    assert listed.json() == {"items": [], "next_cursor": None}
    order = (await api.client.get(f"{API}/orders/{order_id}", headers=mine.headers)).json()
    assert order["status"] == "PENDING_APPROVAL"
    assert len(order["history"]) == 1


async def test_staff_read_and_decide_as_the_table_says(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    staff = await api.member(admin)
    await catalog(api, admin)
    order_id = await ai_order(api, admin)
    read = await api.client.get(f"{API}/orders/{order_id}", headers=staff.headers)
    may_read = permissions.allowed(model.Role.STAFF, permissions.Action.ORDERS_READ)
    assert read.status_code == (200 if may_read else 403)
    approved = await decide(api, staff, order_id, "approve")
    if permissions.allowed(model.Role.STAFF, permissions.Action.ORDERS_DECIDE):
        assert approved.status_code == 200, approved.text
        assert approved.json()["history"][-1]["by"] == {"kind": "user", "user_id": staff.user_id}
    else:
        assert_error(approved, 403, "auth.forbidden")


async def test_the_super_admin_decides_no_orders(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    await catalog(api, admin)
    order_id = await ai_order(api, admin)
    operator = await api.super_admin()
    read = permissions.Action.ORDERS_READ
    for path in (f"{API}/orders", f"{API}/orders/{order_id}"):
        response = await api.client.get(path, headers=operator.headers)
        assert_error(response, 403, refusal(model.Role.SUPER_ADMIN, read))
    for step in DECISIONS:
        response = await decide(api, operator, order_id, step, {"reason": "platform"})
        assert_error(
            response, 403, refusal(model.Role.SUPER_ADMIN, permissions.Action.ORDERS_DECIDE)
        )
    order = (await api.client.get(f"{API}/orders/{order_id}", headers=admin.headers)).json()
    assert order["status"] == "PENDING_APPROVAL"


async def test_orders_need_a_token(api: HttpApp) -> None:
    assert_error(await api.client.get(f"{API}/orders"), 401, "auth.unauthenticated")
    response = await api.client.post(f"{API}/orders/{MISSING}/approve")
    assert_error(response, 401, "auth.unauthenticated")
