"""The Stripe gateway through the real SDK against the local fake API: shapes, keys, errors."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import stripe

from b2adapters.memory.clock import ManualClock
from b2adapters.stripe import gateway
from b2core.billing import checkout
from b2core.billing import provider_events as pe
from b2core.shared import errors, ids, pagination
from tests.support import fake_stripe

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TENANT = ids.TenantId("tenant-1")
PLAN = ids.PlanId("plan-pro")

# The SDK hands httpx its form body as ``data=``, which httpx deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")


@pytest.fixture
def fake() -> Iterator[fake_stripe.FakeStripe]:
    with fake_stripe.running() as running:
        yield running


@pytest.fixture
async def gw(fake: fake_stripe.FakeStripe) -> AsyncIterator[gateway.StripeBillingGateway]:
    http = stripe.HTTPXClient(timeout=5)
    client = gateway.make_client("sk_test_123", fake.url, max_network_retries=0, http_client=http)
    yield gateway.StripeBillingGateway(client, ManualClock(NOW))
    await gateway.close_http_client(http)


def _request(key: str = "b2-checkout-abc", **extra: str) -> checkout.CheckoutRequest:
    return checkout.CheckoutRequest(
        tenant_id=TENANT,
        plan_id=PLAN,
        stripe_price_id="price_pro",
        success_url="https://app.example/ok",
        cancel_url="https://app.example/cancel",
        idempotency_key=key,
        **extra,
    )


async def test_checkout_session_carries_tenant_plan_urls_and_key(
    gw: gateway.StripeBillingGateway, fake: fake_stripe.FakeStripe
) -> None:
    session = await gw.create_checkout_session(_request(stripe_coupon_id="co_10"))
    assert session.id.startswith("cs_test_")
    assert session.url.startswith("https://")
    [sent] = fake.state.made("/v1/checkout/sessions")
    assert sent.headers["idempotency-key"] == "b2-checkout-abc"
    assert sent.headers["authorization"] == "Bearer sk_test_123"
    assert sent.params["mode"] == "subscription"
    assert sent.params["metadata"] == {"tenant_id": TENANT, "plan_id": PLAN}
    assert sent.params["subscription_data"]["metadata"] == {"tenant_id": TENANT, "plan_id": PLAN}
    assert sent.params["line_items"]["0"] == {"price": "price_pro", "quantity": "1"}
    assert sent.params["discounts"]["0"] == {"coupon": "co_10"}
    assert sent.params["success_url"] == "https://app.example/ok"
    assert "customer" not in sent.params


async def test_same_key_twice_reuses_the_session(
    gw: gateway.StripeBillingGateway, fake: fake_stripe.FakeStripe
) -> None:
    first = await gw.create_checkout_session(_request(stripe_customer_id="cus_1"))
    again = await gw.create_checkout_session(_request(stripe_customer_id="cus_1"))
    other = await gw.create_checkout_session(_request("b2-checkout-other"))
    assert first == again != other
    keys = [r.headers["idempotency-key"] for r in fake.state.made("/v1/checkout/sessions")]
    assert keys == ["b2-checkout-abc", "b2-checkout-abc", "b2-checkout-other"]
    assert fake.state.made("/v1/checkout/sessions")[0].params["customer"] == "cus_1"


async def test_portal_link(gw: gateway.StripeBillingGateway, fake: fake_stripe.FakeStripe) -> None:
    url = await gw.portal_link("cus_9", "https://app.example/billing")
    assert url.startswith("https://billing.stripe.test/")
    [sent] = fake.state.made("/v1/billing_portal/sessions")
    assert sent.params == {"customer": "cus_9", "return_url": "https://app.example/billing"}


async def test_refused_request_is_a_conflict(gw: gateway.StripeBillingGateway) -> None:
    with pytest.raises(errors.Conflict) as caught:
        await gw.portal_link("nobody", "https://app.example/billing")
    assert caught.value.code == gateway.REJECTED


def _invoice(n: int) -> dict[str, object]:
    return {
        "id": f"in_{n}",
        "object": "invoice",
        "created": 1_700_000_000 + n,
        "status": "paid",
        "amount_due": 1000 * n,
        "amount_paid": 1000 * n,
        "currency": "usd",
        "number": f"B2-{n:04d}",
        "hosted_invoice_url": f"https://invoice.stripe.test/in_{n}",
        "invoice_pdf": None,
    }


async def test_invoices_page_with_starting_after(
    gw: gateway.StripeBillingGateway, fake: fake_stripe.FakeStripe
) -> None:
    fake.state.invoices["cus_1"] = [_invoice(n) for n in (5, 4, 3, 2, 1)]
    first = await gw.list_invoices("cus_1", pagination.PageRequest(limit=2))
    assert [i.id for i in first.items] == ["in_5", "in_4"]
    assert first.items[0].amount_due.amount_minor == 5000
    assert first.items[0].amount_due.currency == "USD"
    assert first.items[0].pdf_url is None
    assert first.items[0].number == "B2-0005"
    assert first.next_cursor is not None
    assert pagination.decode_cursor(first.next_cursor, 1) == ["in_4"]
    rest = await gw.list_invoices(
        "cus_1", pagination.PageRequest(limit=3, cursor=first.next_cursor)
    )
    assert [i.id for i in rest.items] == ["in_3", "in_2", "in_1"]
    assert rest.next_cursor is None
    assert fake.state.made("/v1/invoices")[1].params["starting_after"] == "in_4"


async def test_forged_cursor_is_invalid_input(gw: gateway.StripeBillingGateway) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        await gw.list_invoices("cus_1", pagination.PageRequest(cursor="in_4"))
    assert caught.value.code == "pagination.bad_cursor"


async def test_retrieve_subscription(
    gw: gateway.StripeBillingGateway, fake: fake_stripe.FakeStripe
) -> None:
    fake.state.subscriptions["sub_1"] = {
        "id": "sub_1",
        "object": "subscription",
        "customer": "cus_1",
        "status": "past_due",
        "metadata": {"tenant_id": TENANT},
        "items": {"data": [{"price": {"id": "price_pro"}, "current_period_end": 1_800_000_000}]},
    }
    found = await gw.retrieve_subscription("sub_1")
    assert isinstance(found, pe.SubscriptionChanged)
    assert found.status.value == "PAST_DUE"
    assert found.stripe_price_id == "price_pro"
    assert found.tenant_id == TENANT
    assert found.occurred_at == NOW
    assert found.current_period_end == datetime.fromtimestamp(1_800_000_000, tz=UTC)
    assert await gw.retrieve_subscription("sub_missing") is None


async def test_recent_events_oldest_first_across_pages(
    gw: gateway.StripeBillingGateway, fake: fake_stripe.FakeStripe
) -> None:
    base = int(NOW.timestamp())
    fake.state.events = [
        fake_stripe.event(
            f"evt_{n}", "invoice.paid", base + n, {"id": f"in_{n}", "subscription": "sub_1"}
        )
        for n in range(7)
    ]
    fake.state.events.append(fake_stripe.event("evt_x", "charge.succeeded", base, {"id": "ch_1"}))
    fake.state.events.append(
        fake_stripe.event(
            "evt_old", "invoice.paid", base - 10_000, {"id": "in_o", "subscription": "sub_1"}
        )
    )
    seen: list[str] = []
    page = pagination.PageRequest(limit=3)
    while True:
        found = await gw.recent_events(NOW, page)
        seen.extend(e.id for e in found.items)
        assert all(isinstance(e, pe.InvoicePaid) for e in found.items)
        if found.next_cursor is None:
            break
        page = pagination.PageRequest(limit=3, cursor=found.next_cursor)
    assert seen == [f"evt_{n}" for n in range(7)]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_unreachable_stripe_is_unavailable() -> None:
    client = gateway.make_client(
        "sk_test", f"http://127.0.0.1:{_closed_port()}", max_network_retries=0
    )
    gw = gateway.StripeBillingGateway(client, ManualClock(NOW))
    with pytest.raises(errors.Unavailable) as caught:
        await gw.create_checkout_session(_request())
    assert caught.value.code == gateway.UNAVAILABLE


async def test_unconfigured_gateway_refuses_everything() -> None:
    gw = gateway.UnconfiguredBillingGateway()
    calls = [
        gw.create_checkout_session(_request()),
        gw.portal_link("cus_1", "https://x"),
        gw.list_invoices("cus_1", pagination.PageRequest()),
        gw.retrieve_subscription("sub_1"),
        gw.recent_events(NOW - timedelta(days=1), pagination.PageRequest()),
    ]
    for call in calls:
        with pytest.raises(errors.NotConfigured) as caught:
            await call
        assert caught.value.code == "billing.not_configured"
