"""The billing page over HTTP: FREE before any purchase, a manual plan with its banners after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.support.billing_http import BillingApi, billing, later
from tests.support.http_app import API, Session, assert_error

__all__ = ["billing"]  # the fixture, imported for pytest


async def _status(api: BillingApi, who: Session) -> dict[str, Any]:
    response = await api.client.get(f"{API}/billing/status", headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_new_tenant_is_free_and_only_its_admin_sees_billing(billing: BillingApi) -> None:
    api = billing
    admin = await api.api.tenant_admin()
    staff = await api.api.member(admin)
    operator = await api.api.super_admin()
    found = await _status(api, admin)
    assert found["tier"] == "FREE"
    assert found["plan"] is None
    assert found["status"] is None
    assert found["source"] is None
    assert (found["expires_soon"], found["renews"], found["past_due"]) == (False, False, False)
    assert set(found["usage"]) == {"daily_used", "daily_limit", "monthly_used", "monthly_limit"}
    assert found["usage"]["daily_used"] == 0
    for who in (staff, operator):
        refused = await api.client.get(f"{API}/billing/status", headers=who.headers)
        assert_error(refused, 403, "auth.forbidden")
    assert_error(await api.client.get(f"{API}/billing/status"), 401, "auth.unauthenticated")


async def test_an_approved_payment_shows_until_its_period_ends(billing: BillingApi) -> None:
    api = billing
    operator = await api.api.super_admin()
    admin = await api.api.tenant_admin()
    plan = await api.create_plan(
        operator, ai_plan="ENTERPRISE", daily_limit=700, monthly_limit=9000
    )
    submitted = await api.submit(admin, plan["plan_id"])
    assert submitted.status_code == 201, submitted.text
    payment_id = submitted.json()["payment_id"]
    approved = await api.client.post(
        f"{API}/admin/manual-payments/{payment_id}/approve", headers=operator.headers
    )
    assert approved.status_code == 200, approved.text

    found = await _status(api, admin)
    assert found["tier"] == "HIGH"
    assert found["plan"]["plan_id"] == plan["plan_id"]
    assert "stripe_price_id" not in found["plan"]
    assert (found["status"], found["source"]) == ("ACTIVE", "MANUAL")
    assert found["usage"]["daily_limit"] == 700
    assert found["usage"]["monthly_limit"] == 9000
    assert (found["renews"], found["expires_soon"]) == (False, False)
    end = datetime.fromisoformat(found["current_period_end"])
    assert 28 <= (end - api.clock.now()).days <= 31

    later(api, seconds=(end - api.clock.now()).total_seconds() - 3 * 86_400)
    admin = await api.relogin(admin)
    warned = await _status(api, admin)
    assert warned["expires_soon"] is True
    assert warned["tier"] == "HIGH"

    later(api, days=4)
    admin = await api.relogin(admin)
    over = await _status(api, admin)
    assert over["tier"] == "FREE"
    assert over["expires_soon"] is False
