"""Checkout, portal and invoices over HTTP against the fake Stripe: keys, roles, not configured."""

from __future__ import annotations

from typing import Any

import pytest

from b2core.billing import commands
from b2core.billing import provider_events as pe
from b2core.shared import ids, time
from tests.support import http_app
from tests.support.http_app import API, Session, assert_error
from tests.support.stripe_http import StripeApi, checkout_completed, stripe_api, unique

__all__ = ["stripe_api"]  # the fixture, imported for pytest

OK_URLS = {"success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/no"}

# The SDK hands httpx its form body as ``data=``, which httpx deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


async def _checkout(api: StripeApi, who: Session, **body: Any) -> Any:
    return await api.client.post(
        f"{API}/billing/checkout", headers=who.headers, json={**OK_URLS, **body}
    )


async def test_same_checkout_twice_sends_the_same_idempotency_key(stripe_api: StripeApi) -> None:
    api = stripe_api
    operator = await api.api.super_admin()
    admin = await api.api.tenant_admin()
    plan = await api.plan(operator)
    first = await _checkout(api, admin, plan_id=plan["plan_id"])
    assert first.status_code == 200, first.text
    again = await _checkout(api, admin, plan_id=plan["plan_id"])
    assert again.json() == first.json()
    assert first.json()["url"].startswith("https://checkout.stripe.test/")
    sent = api.stripe.state.made("/v1/checkout/sessions")
    assert len(sent) == 2
    assert sent[0].headers["idempotency-key"] == sent[1].headers["idempotency-key"]
    assert sent[0].headers["idempotency-key"].startswith("b2-checkout-")
    assert sent[0].params["metadata"] == {"tenant_id": admin.tenant_id, "plan_id": plan["plan_id"]}
    assert sent[0].params["line_items"]["0"]["price"] == plan["stripe_price_id"]
    # Another tenant buying the same plan, with a coupon, gets a key of its own.
    coupon = {
        "code": unique("SAVE").upper(),
        "kind": "PERCENTAGE",
        "percent": 10,
        "stripe_coupon_id": "co_ten",
    }
    made = await api.client.post(f"{API}/admin/coupons", headers=operator.headers, json=coupon)
    assert made.status_code == 201, made.text
    other = await api.api.tenant_admin()
    bought = await _checkout(api, other, plan_id=plan["plan_id"], coupon_code=coupon["code"])
    assert bought.status_code == 200, bought.text
    sent = api.stripe.state.made("/v1/checkout/sessions")
    assert sent[-1].params["discounts"]["0"] == {"coupon": "co_ten"}
    assert len({r.headers["idempotency-key"] for r in sent}) == 2


async def test_checkout_roles_and_bad_input(stripe_api: StripeApi) -> None:
    api = stripe_api
    operator = await api.api.super_admin()
    admin = await api.api.tenant_admin()
    staff = await api.api.member(admin)
    plan = await api.plan(operator)
    assert_error(await _checkout(api, staff, plan_id=plan["plan_id"]), 403, "auth.forbidden")
    assert_error(await _checkout(api, operator, plan_id=plan["plan_id"]), 403, "auth.forbidden")
    anonymous = await api.client.post(f"{API}/billing/checkout", json=OK_URLS)
    assert_error(anonymous, 401, "auth.unauthenticated")
    bad_url = await _checkout(api, admin, plan_id=plan["plan_id"], success_url="javascript:x")
    assert_error(bad_url, 422, "billing.bad_url")
    missing = await api.client.post(f"{API}/billing/checkout", headers=admin.headers, json={})
    assert missing.status_code == 422
    unknown = await _checkout(api, admin, plan_id="00000000-0000-7000-8000-000000000000")
    assert unknown.status_code == 404
    assert api.stripe.state.made("/v1/checkout/sessions") == []  # nothing reached Stripe


async def test_portal_and_invoices_after_a_card_purchase(stripe_api: StripeApi) -> None:
    api = stripe_api
    operator = await api.api.super_admin()
    admin = await api.api.tenant_admin()
    staff = await api.api.member(admin)
    plan = await api.plan(operator)
    portal_body = {"return_url": "https://shop.example/billing"}
    before = await api.client.post(f"{API}/billing/portal", headers=admin.headers, json=portal_body)
    assert_error(before, 409, "billing.no_customer")
    empty = await api.client.get(f"{API}/billing/invoices", headers=admin.headers)
    assert empty.json() == {"items": [], "next_cursor": None}

    customer = unique("cus_")
    done = checkout_completed(
        unique("evt_"), api.now, str(admin.tenant_id), plan["plan_id"], customer, unique("sub_")
    )
    assert (await api.deliver(done)).status_code == 200
    link = await api.client.post(f"{API}/billing/portal", headers=admin.headers, json=portal_body)
    assert link.status_code == 200, link.text
    assert link.json()["url"].startswith("https://billing.stripe.test/")
    assert api.stripe.state.made("/v1/billing_portal/sessions")[0].params["customer"] == customer

    api.stripe.state.invoices[customer] = [
        {
            "id": f"in_{n}",
            "created": api.now - n,
            "status": "paid",
            "amount_due": 2900,
            "amount_paid": 2900,
            "currency": "usd",
            "number": f"N-{n}",
        }
        for n in range(3)
    ]
    page = await api.client.get(
        f"{API}/billing/invoices", headers=admin.headers, params={"limit": 2}
    )
    body = page.json()
    assert [i["invoice_id"] for i in body["items"]] == ["in_0", "in_1"]
    assert body["items"][0]["amount_due_minor"] == 2900
    assert body["items"][0]["currency"] == "USD"
    rest = await api.client.get(
        f"{API}/billing/invoices",
        headers=admin.headers,
        params={"limit": 2, "cursor": body["next_cursor"]},
    )
    assert [i["invoice_id"] for i in rest.json()["items"]] == ["in_2"]
    assert rest.json()["next_cursor"] is None
    forged = await api.client.get(
        f"{API}/billing/invoices", headers=admin.headers, params={"cursor": "in_1"}
    )
    assert_error(forged, 422, "pagination.bad_cursor")
    refused = await api.client.get(f"{API}/billing/invoices", headers=staff.headers)
    assert_error(refused, 403, "auth.forbidden")


async def test_without_a_stripe_key_card_billing_is_not_configured() -> None:
    async with http_app.running_app(http_app.api_settings("memory://")) as api:
        operator, admin = await api.super_admin(), await api.tenant_admin()
        created = await api.client.post(
            f"{API}/admin/plans",
            headers=operator.headers,
            json={
                "name": "Card",
                "ai_plan": "PAID_PRO",
                "daily_limit": 1,
                "monthly_limit": 10,
                "price_minor": 100,
                "currency": "USD",
                "interval": "month",
                "stripe_price_id": "price_x",
            },
        )
        plan_id = created.json()["plan_id"]
        response = await api.client.post(
            f"{API}/billing/checkout", headers=admin.headers, json={**OK_URLS, "plan_id": plan_id}
        )
        assert_error(response, 501, "billing.not_configured")
        # A tenant with a Stripe customer (bought before the key was removed) asks for Stripe.
        event = pe.CheckoutCompleted(
            id="evt_nc",
            occurred_at=api.container.resolve(time.Clock).now(),
            tenant_id=ids.TenantId(str(admin.tenant_id)),
            stripe_customer_id="cus_nc",
            stripe_subscription_id="sub_nc",
            plan_id=ids.PlanId(plan_id),
        )
        await api.bus.handle(commands.ApplyBillingEvent(event))
        body = {"return_url": "https://shop.example/billing"}
        portal = await api.client.post(f"{API}/billing/portal", headers=admin.headers, json=body)
        assert_error(portal, 501, "billing.not_configured")
        invoices = await api.client.get(f"{API}/billing/invoices", headers=admin.headers)
        assert_error(invoices, 501, "billing.not_configured")
