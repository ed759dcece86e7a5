"""The API with Stripe configured against the local fake, a hand-moved clock, and signing.

``stripe_api`` runs on memory and on PostgreSQL with Redis (the SQL database is shared with the
run's other API tests, so prices and ids made here carry random parts).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import attrs
import httpx
import pytest

from b2adapters.memory.clock import ManualClock
from b2core.shared import time
from tests.support import fake_stripe, http_app
from tests.support.billing_http import config_for, token
from tests.support.http_app import API, HttpApp, Session

WEBHOOK_SECRET = "whsec_b2_test_endpoint_secret"
SECRET_KEY = "sk_test_b2_platform"


@attrs.define
class StripeApi:
    """The running app, its clock and the fake Stripe it talks to."""

    api: HttpApp
    clock: ManualClock
    stripe: fake_stripe.FakeStripe

    @property
    def client(self) -> httpx.AsyncClient:
        """The app's HTTP client."""
        return self.api.client

    @property
    def now(self) -> int:
        """The app clock as a Unix timestamp."""
        return int(self.clock.now().timestamp())

    async def plan(self, operator: Session, ai_plan: str = "PAID_PRO") -> dict[str, Any]:
        """A plan sold online (a random Stripe price), created by the super admin."""
        body = {
            "name": token("Card plan "),
            "ai_plan": ai_plan,
            "daily_limit": 100,
            "monthly_limit": 2000,
            "price_minor": 2900,
            "currency": "USD",
            "interval": "month",
            "stripe_price_id": token("price_"),
        }
        response = await self.client.post(f"{API}/admin/plans", headers=operator.headers, json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def deliver(
        self, event: dict[str, Any], *, at: int | None = None, secret: str = WEBHOOK_SECRET
    ) -> httpx.Response:
        """POST ``event`` signed with Stripe's scheme at ``at`` (default: the app clock)."""
        raw = json.dumps(event)
        header = fake_stripe.sign(raw, secret, self.now if at is None else at)
        return await self.client.post(
            f"{API}/webhooks/stripe",
            content=raw,
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        )

    async def status(self, admin: Session) -> dict[str, Any]:
        """``GET /billing/status`` of ``admin``'s tenant."""
        response = await self.client.get(f"{API}/billing/status", headers=admin.headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def checkout_completed(
    event_id: str, created: int, tenant_id: str, plan_id: str, customer: str, subscription: str
) -> dict[str, Any]:
    """A ``checkout.session.completed`` event of a session b2 opened."""
    return fake_stripe.event(
        event_id,
        "checkout.session.completed",
        created,
        {
            "id": token("cs_"),
            "object": "checkout.session",
            "mode": "subscription",
            "customer": customer,
            "subscription": subscription,
            "payment_status": "paid",
            "metadata": {"tenant_id": tenant_id, "plan_id": plan_id},
        },
    )


def subscription_event(
    event_id: str, kind: str, created: int, subscription: str, customer: str, **fields: Any
) -> dict[str, Any]:
    """A ``customer.subscription.*`` event."""
    obj = {"id": subscription, "object": "subscription", "customer": customer, **fields}
    return fake_stripe.event(event_id, f"customer.subscription.{kind}", created, obj)


def unique(prefix: str) -> str:
    """A Stripe-looking id no other test uses."""
    return f"{prefix}{secrets.token_hex(6)}"


async def _running(request: pytest.FixtureRequest) -> AsyncIterator[StripeApi]:
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    with fake_stripe.running() as fake:
        config = attrs.evolve(
            config_for(request),
            stripe_secret_key=SECRET_KEY,
            stripe_webhook_secret=WEBHOOK_SECRET,
            stripe_api_base=fake.url,
        )
        async with http_app.running_app(config, {time.Clock: clock}) as running:
            yield StripeApi(running, clock, fake)


_POSTGRES = pytest.param("postgres+redis", marks=[pytest.mark.postgres, pytest.mark.redis])


@pytest.fixture(params=[pytest.param("memory"), _POSTGRES])
async def stripe_api(request: pytest.FixtureRequest) -> AsyncIterator[StripeApi]:
    """The app with Stripe configured against a fresh fake, on one backend."""
    async for running in _running(request):
        yield running


@pytest.fixture(params=[_POSTGRES])
async def stripe_api_postgres(request: pytest.FixtureRequest) -> AsyncIterator[StripeApi]:
    """The same app on PostgreSQL with Redis only (for races the database must settle)."""
    async for running in _running(request):
        yield running
