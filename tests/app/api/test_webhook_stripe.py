"""``POST /webhooks/stripe`` over HTTP: real signatures, refusals without effect, dedupe, order."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.support import fake_stripe, http_app
from tests.support.http_app import API, Session, assert_error
from tests.support.stripe_http import (
    StripeApi,
    checkout_completed,
    stripe_api,
    stripe_api_postgres,
    subscription_event,
    unique,
)

__all__ = ["stripe_api", "stripe_api_postgres"]  # the fixtures, imported for pytest

# The SDK hands httpx its form body as ``data=``, which httpx deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


async def _bought(api: StripeApi) -> tuple[Session, dict[str, Any], str, str]:
    """A tenant admin, a plan, and the customer and subscription ids of a completed checkout."""
    operator = await api.api.super_admin()
    admin = await api.api.tenant_admin()
    plan = await api.plan(operator)
    customer, subscription = unique("cus_"), unique("sub_")
    done = checkout_completed(
        unique("evt_"), api.now, str(admin.tenant_id), plan["plan_id"], customer, subscription
    )
    response = await api.deliver(done)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": True, "outcome": "applied"}
    return admin, plan, customer, subscription


async def _audit_count(api: StripeApi, admin: Session, action: str) -> int:
    response = await api.client.get(
        f"{API}/audit-logs", headers=admin.headers, params={"limit": 200}
    )
    assert response.status_code == 200, response.text
    return sum(1 for item in response.json()["items"] if item["action"] == action)


async def test_a_valid_checkout_event_grants_the_plan(stripe_api: StripeApi) -> None:
    admin, plan, _, _ = await _bought(stripe_api)
    status = await stripe_api.status(admin)
    assert status["status"] == "ACTIVE"
    assert status["tier"] == "MEDIUM"
    assert status["plan"]["plan_id"] == plan["plan_id"]
    assert await _audit_count(stripe_api, admin, "billing.event_applied") == 1


async def test_refused_deliveries_have_codes_and_no_effect(stripe_api: StripeApi) -> None:
    api = stripe_api
    operator = await api.api.super_admin()
    admin = await api.api.tenant_admin()
    plan = await api.plan(operator)
    event = checkout_completed(
        unique("evt_"),
        api.now,
        str(admin.tenant_id),
        plan["plan_id"],
        unique("cus_"),
        unique("sub_"),
    )
    raw = json.dumps(event)
    url = f"{API}/webhooks/stripe"
    missing = await api.client.post(url, content=raw)
    assert_error(missing, 400, "stripe.signature_missing")
    tampered = raw.replace(plan["plan_id"], "another-plan")
    header = fake_stripe.sign(raw, "whsec_b2_test_endpoint_secret", api.now)
    bad = await api.client.post(url, content=tampered, headers={"Stripe-Signature": header})
    assert_error(bad, 400, "stripe.signature_invalid")
    assert_error(await api.deliver(event, secret="whsec_wrong"), 400, "stripe.signature_invalid")
    assert_error(
        await api.deliver(event, at=api.now - 301), 400, "stripe.timestamp_out_of_tolerance"
    )
    assert_error(
        await api.deliver(event, at=api.now + 301), 400, "stripe.timestamp_out_of_tolerance"
    )
    # Nothing above happened: the tenant is still on FREE, and the same event still applies.
    assert (await api.status(admin))["tier"] == "FREE"
    assert await _audit_count(api, admin, "billing.event_applied") == 0
    assert (await api.deliver(event)).json()["outcome"] == "applied"
    garbage = fake_stripe.sign("{not json", "whsec_b2_test_endpoint_secret", api.now)
    unreadable = await api.client.post(
        url, content="{not json", headers={"Stripe-Signature": garbage}
    )
    assert_error(unreadable, 400, "stripe.bad_payload")


async def test_duplicate_delivery_has_one_effect(stripe_api: StripeApi) -> None:
    api = stripe_api
    admin, _, customer, subscription = await _bought(api)
    failed = fake_stripe.event(
        unique("evt_"),
        "invoice.payment_failed",
        api.now + 5,
        {"id": unique("in_"), "customer": customer, "subscription": subscription},
    )
    first, again = await api.deliver(failed), await api.deliver(failed)
    assert first.json()["outcome"] == "applied"
    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    assert (await api.status(admin))["status"] == "PAST_DUE"
    assert await _audit_count(api, admin, "billing.event_applied") == 2  # checkout + one failure


async def test_unknown_events_and_tenants_are_acknowledged(stripe_api: StripeApi) -> None:
    api = stripe_api
    event = fake_stripe.event(unique("evt_"), "charge.refunded", api.now, {"id": "ch_1"})
    response = await api.deliver(event)
    assert response.status_code == 200
    assert response.json() == {"received": True, "outcome": "ignored"}
    # Metadata comes from sessions b2 opened, but the tenant may since have been erased:
    # still no server error.
    plan = await api.plan(await api.api.super_admin())
    ghost = "00000000-0000-7000-8000-00000000dead"
    orphan = checkout_completed(
        unique("evt_"), api.now, ghost, plan["plan_id"], unique("cus_"), unique("sub_")
    )
    answered = await api.deliver(orphan)
    assert answered.status_code == 200, answered.text


async def test_deleted_before_updated_ends_canceled_on_free(stripe_api: StripeApi) -> None:
    api = stripe_api
    admin, plan, customer, subscription = await _bought(api)
    meta = {"tenant_id": admin.tenant_id, "plan_id": plan["plan_id"]}
    items = {"data": [{"price": {"id": plan["stripe_price_id"]}}]}
    updated = subscription_event(
        unique("evt_"),
        "updated",
        api.now + 10,
        subscription,
        customer,
        status="active",
        metadata=meta,
        items=items,
    )
    deleted = subscription_event(
        unique("evt_"),
        "deleted",
        api.now + 20,
        subscription,
        customer,
        status="canceled",
        metadata=meta,
        items=items,
    )
    assert (await api.deliver(deleted)).json()["outcome"] == "applied"
    assert (await api.deliver(updated)).json()["outcome"] in ("stale", "duplicate")
    status = await api.status(admin)
    assert status["status"] == "CANCELED"
    assert status["tier"] == "FREE"


async def test_ten_concurrent_copies_have_one_effect_on_postgres(
    stripe_api_postgres: StripeApi,
) -> None:
    api = stripe_api_postgres
    admin, _, customer, subscription = await _bought(api)
    failed = fake_stripe.event(
        unique("evt_"),
        "invoice.payment_failed",
        api.now + 5,
        {"id": unique("in_"), "customer": customer, "subscription": subscription},
    )
    answers = await asyncio.gather(*(api.deliver(failed) for _ in range(10)))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    outcomes = sorted(a.json()["outcome"] for a in answers)
    assert outcomes == ["applied"] + ["duplicate"] * 9
    assert (await api.status(admin))["status"] == "PAST_DUE"
    assert await _audit_count(api, admin, "billing.event_applied") == 2


async def test_without_a_webhook_secret_it_is_not_configured() -> None:
    async with http_app.running_app(http_app.api_settings("memory://")) as api:
        signed = {"Stripe-Signature": fake_stripe.sign("{}", "whsec_x", 1)}
        response = await api.client.post(f"{API}/webhooks/stripe", content="{}", headers=signed)
        assert_error(response, 501, "billing.not_configured")
        unsigned = await api.client.post(f"{API}/webhooks/stripe", content="{}")
        assert_error(unsigned, 400, "stripe.signature_missing")
