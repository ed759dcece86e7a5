"""``b2 billing reconcile``: recent Stripe events (from the fake) applied once, via the CLI."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from b2app import billing_reconcile, cli
from b2core.shared import errors
from tests.support import fake_stripe, http_app, services
from tests.support.http_app import API
from tests.support.stripe_http import checkout_completed, subscription_event, unique

# The SDK hands httpx its form body as ``data=``, which httpx deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


@pytest.fixture
def fake() -> Iterator[fake_stripe.FakeStripe]:
    with fake_stripe.running() as running:
        yield running


def _env(monkeypatch: pytest.MonkeyPatch, url: str, fake: fake_stripe.FakeStripe) -> None:
    for name in ("B2_BROKER_URL", "B2_REDIS_URL", "B2_REDIS_PREFIX", "B2_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("B2_DATABASE_URL", url)
    monkeypatch.setenv("B2_JWT_SECRET", http_app.JWT_SECRET)
    monkeypatch.setenv("B2_STRIPE_SECRET_KEY", "sk_test_reconcile")
    monkeypatch.setenv("B2_STRIPE_API_BASE", fake.url)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = cli.main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


async def _seed(url: str) -> tuple[str, str, str]:
    """A tenant on FREE and a card plan, stored in the SQLite file the CLI will open."""
    await http_app.migrate(url)
    async with http_app.running_app(http_app.api_settings(url)) as api:
        operator, admin = await api.super_admin(), await api.tenant_admin()
        body = {
            "name": "Card Pro",
            "ai_plan": "PAID_PRO",
            "daily_limit": 100,
            "monthly_limit": 2000,
            "price_minor": 2900,
            "currency": "USD",
            "interval": "month",
            "stripe_price_id": "price_pro",
        }
        created = await api.client.post(f"{API}/admin/plans", headers=operator.headers, json=body)
        assert created.status_code == 201, created.text
        return str(admin.tenant_id), created.json()["plan_id"], admin.email


async def _status(url: str, email: str) -> dict[str, Any]:
    async with http_app.running_app(http_app.api_settings(url)) as api:
        admin = await api.session(email)
        response = await api.client.get(f"{API}/billing/status", headers=admin.headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def test_reconcile_applies_missed_events_once(
    tmp_path: Path,
    fake: fake_stripe.FakeStripe,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'b2.db'}"
    tenant, plan, email = services.run_sync(lambda: _seed(url))
    now = int(time.time())  # the CLI runs on the system clock
    customer, subscription = unique("cus_"), unique("sub_")
    fake.state.events = [
        checkout_completed("evt_a", now - 3600, tenant, plan, customer, subscription),
        fake_stripe.event(
            "evt_b",
            "invoice.payment_failed",
            now - 1800,
            {"id": "in_1", "customer": customer, "subscription": subscription},
        ),
        subscription_event(
            "evt_c", "updated", now - 60, unique("sub_"), unique("cus_"), status="active"
        ),  # nobody's subscription: ignored
        checkout_completed("evt_old", now - 5 * 86400, tenant, plan, customer, subscription),
    ]
    _env(monkeypatch, url, fake)
    capsys.readouterr()  # the seeding app's request log

    code, report = _run(capsys, "billing", "reconcile", "--since", "3d")
    assert code == 0
    assert (report["events"], report["applied"], report["ignored"]) == (3, 2, 1)
    status = services.run_sync(lambda: _status(url, email))
    assert (status["status"], status["tier"]) == ("PAST_DUE", "MEDIUM")
    capsys.readouterr()

    code, again = _run(capsys, "billing", "reconcile", "--since", "3d")
    assert code == 0
    assert (again["events"], again.get("applied", 0), again["duplicate"]) == (3, 0, 2)
    listed = [r for r in fake.state.requests if r.path == "/v1/events"]
    assert listed[0].params["types"]["0"] == "checkout.session.completed"


def test_bad_since_is_refused(
    fake: fake_stripe.FakeStripe,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _env(monkeypatch, "memory://", fake)
    assert cli.main(["billing", "reconcile", "--since", "90d"]) == 2
    assert "billing.bad_since" in capsys.readouterr().err
    assert fake.state.requests == []


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("30m", timedelta(minutes=30)),
        ("12h", timedelta(hours=12)),
        ("3d", timedelta(days=3)),
        ("1w", timedelta(weeks=1)),
        ("30d", timedelta(days=30)),
    ],
)
def test_since_periods(text: str, period: timedelta) -> None:
    assert billing_reconcile.parse_since(text) == period


@pytest.mark.parametrize("text", ["", "3", "d", "0d", "-1d", "31d", "5w", "1y", "3 d"])
def test_bad_periods(text: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        billing_reconcile.parse_since(text)
    assert caught.value.code == "billing.bad_since"


def test_without_a_key_reconcile_is_not_configured(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("B2_DATABASE_URL", "memory://")
    monkeypatch.delenv("B2_STRIPE_SECRET_KEY", raising=False)
    for name in ("B2_BROKER_URL", "B2_REDIS_URL", "B2_MODE"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["billing", "reconcile"]) == 2
    assert "billing.not_configured" in capsys.readouterr().err
