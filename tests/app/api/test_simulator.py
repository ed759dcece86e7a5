"""A simulated customer writes; the AI answers through the whole stack (HTTP, jobs, pipeline)."""

from __future__ import annotations

import asyncio
from typing import Any

import attrs
import pytest

from b2app import settings
from tests.support import http_app
from tests.support.http_app import HttpApp, assert_error


@pytest.fixture
async def api(api_config: settings.Settings):
    """The app with its embedded worker running, as ``make run`` serves it."""
    config = attrs.evolve(api_config, in_process_worker=True)
    async with http_app.running_app(config) as running:
        yield running


SERVICE = {
    "name": "Chocolate Cake",
    "description": "A rich chocolate cake for 8 people.",
    "price_minor": 250000,
    "currency": "PKR",
    "active": True,
}


async def _outbox(api: HttpApp, headers: dict[str, str], count: int) -> list[dict[str, Any]]:
    for _ in range(200):
        response = await api.client.get("/api/v1/channels/simulator/outbox", headers=headers)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        if len(items) >= count:
            return items
        await asyncio.sleep(0.05)
    raise AssertionError(f"the outbox never reached {count} messages")


async def test_a_customer_question_gets_an_ai_reply(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    created = await api.client.post("/api/v1/services", json=SERVICE, headers=admin.headers)
    assert created.status_code == 201, created.text
    sent = await api.client.post(
        "/api/v1/channels/simulator/inbound",
        json={"customer_id": "cust-42", "text": "Tell me about the chocolate cake"},
        headers=admin.headers,
    )
    assert sent.status_code == 202, sent.text
    (reply,) = await _outbox(api, admin.headers, 1)
    assert reply["customer_id"] == "cust-42"
    assert "Chocolate Cake: PKR 2,500" in reply["text"]


async def test_an_order_waits_for_approval(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    await api.client.post("/api/v1/services", json=SERVICE, headers=admin.headers)
    await api.client.post(
        "/api/v1/channels/simulator/inbound",
        json={"customer_id": "cust-7", "text": "I want to order 2 chocolate cake"},
        headers=admin.headers,
    )
    (reply,) = await _outbox(api, admin.headers, 1)
    assert "awaiting approval" in reply["text"]
    orders = await api.client.get("/api/v1/orders", headers=admin.headers)
    (order,) = orders.json()["items"]
    assert order["status"] == "PENDING_APPROVAL"
    approved = await api.client.post(
        f"/api/v1/orders/{order['order_id']}/approve", headers=admin.headers
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "APPROVED"


async def test_bad_simulated_messages_are_refused(api: HttpApp) -> None:
    admin = await api.tenant_admin()
    blank = await api.client.post(
        "/api/v1/channels/simulator/inbound",
        json={"customer_id": "c", "text": "   "},
        headers=admin.headers,
    )
    assert_error(blank, 422, "channel.bad_payload")
    missing = await api.client.post(
        "/api/v1/channels/simulator/inbound", json={"text": "hi"}, headers=admin.headers
    )
    assert_error(missing, 422, "request.invalid")
