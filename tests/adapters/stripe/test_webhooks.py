"""Stripe webhook verification (real HMAC scheme, two-sided clock) and event parsing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2adapters.memory.clock import ManualClock
from b2adapters.stripe import events, webhooks
from b2core.billing import provider_events as pe
from b2core.shared import errors
from tests.support import fake_stripe

SECRET = "whsec_test_secret"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TS = int(NOW.timestamp())
BODY = json.dumps(
    fake_stripe.event("evt_1", "invoice.paid", TS, {"id": "in_1", "subscription": "sub_1"})
).encode()


def verifier() -> webhooks.StripeWebhookVerifier:
    return webhooks.StripeWebhookVerifier(SECRET, ManualClock(NOW))


def rejected(body: bytes, header: str | None) -> str:
    with pytest.raises(webhooks.SignatureRejected) as caught:
        verifier().verify(body, header)
    return caught.value.code


def test_valid_signature_gives_the_payload() -> None:
    event = verifier().event(BODY, fake_stripe.sign(BODY, SECRET, TS))
    assert isinstance(event, pe.InvoicePaid)
    assert event.id == "evt_1"
    assert event.stripe_subscription_id == "sub_1"


def test_refusals_have_stable_codes() -> None:
    good = fake_stripe.sign(BODY, SECRET, TS)
    assert rejected(BODY, None) == webhooks.SIGNATURE_MISSING
    assert rejected(BODY, "  ") == webhooks.SIGNATURE_MISSING
    assert rejected(BODY.replace(b"in_1", b"in_2"), good) == webhooks.SIGNATURE_INVALID
    assert rejected(BODY, fake_stripe.sign(BODY, "whsec_other", TS)) == webhooks.SIGNATURE_INVALID
    assert rejected(BODY, "garbage") == webhooks.SIGNATURE_INVALID
    assert rejected(BODY, f"t={TS}") == webhooks.SIGNATURE_INVALID
    old = fake_stripe.sign(BODY, SECRET, TS - 301)
    assert rejected(BODY, old) == webhooks.TIMESTAMP_OUT_OF_TOLERANCE
    future = fake_stripe.sign(BODY, SECRET, TS + 301)
    assert rejected(BODY, future) == webhooks.TIMESTAMP_OUT_OF_TOLERANCE
    assert rejected(b"\xff\xfe", fake_stripe.sign("x", SECRET, TS)) == webhooks.SIGNATURE_INVALID


def test_signed_garbage_is_a_bad_payload() -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        verifier().event(b"not json", fake_stripe.sign("not json", SECRET, TS))
    assert caught.value.code == webhooks.BAD_PAYLOAD
    with pytest.raises(errors.InvalidInput) as caught:
        verifier().event(b"[1]", fake_stripe.sign("[1]", SECRET, TS))
    assert caught.value.code == webhooks.BAD_PAYLOAD


@given(offset=st.integers(min_value=-10_000, max_value=10_000))
def test_timestamp_window_is_symmetric(offset: int) -> None:
    header = fake_stripe.sign(BODY, SECRET, TS + offset)
    if abs(offset) <= 300:
        assert verifier().verify(BODY, header)
    else:
        assert rejected(BODY, header) == webhooks.TIMESTAMP_OUT_OF_TOLERANCE


@given(position=st.integers(min_value=0, max_value=len(BODY) - 1), flip=st.integers(1, 255))
def test_any_changed_byte_is_refused(position: int, flip: int) -> None:
    tampered = bytearray(BODY)
    tampered[position] ^= flip
    assert (
        rejected(bytes(tampered), fake_stripe.sign(BODY, SECRET, TS)) == webhooks.SIGNATURE_INVALID
    )


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(
    kind=st.sampled_from([*events.HANDLED_TYPES, "charge.succeeded"]),
    obj=st.dictionaries(
        st.sampled_from(
            ["id", "customer", "subscription", "status", "metadata", "mode", "items", "parent"]
        ),
        _json,
    ),
)
def test_parser_never_fails_on_a_well_formed_event(kind: str, obj: dict[str, Any]) -> None:
    # Whatever the object holds, a well-formed event parses (UnknownEvent at worst): no 500s.
    parsed = events.parse_event(fake_stripe.event("evt_p", kind, TS, obj))
    assert parsed.id == "evt_p"
    assert parsed.occurred_at == NOW


def _parse(kind: str, obj: dict[str, Any]) -> pe.BillingEvent:
    return events.parse_event(fake_stripe.event("evt_9", kind, TS, obj))


def test_parses_each_handled_type() -> None:
    meta = {"tenant_id": "t1", "plan_id": "p1"}
    done = _parse(
        "checkout.session.completed",
        {
            "id": "cs_1",
            "mode": "subscription",
            "customer": "cus_1",
            "subscription": "sub_1",
            "metadata": meta,
            "payment_status": "unpaid",
        },
    )
    assert isinstance(done, pe.CheckoutCompleted)
    assert (done.tenant_id, done.plan_id, done.payment_settled) == ("t1", "p1", False)
    changed = _parse(
        "customer.subscription.created",
        {
            "id": "sub_1",
            "customer": {"id": "cus_1"},
            "status": "trialing",
            "metadata": meta,
            "cancel_at_period_end": True,
            "current_period_end": TS + 86400,
            "items": {"data": [{"price": {"id": "price_1"}}]},
        },
    )
    assert isinstance(changed, pe.SubscriptionChanged)
    assert changed.created
    assert changed.cancel_at_period_end
    assert changed.stripe_customer_id == "cus_1"
    assert changed.stripe_price_id == "price_1"
    assert changed.current_period_end == NOW + timedelta(days=1)
    deleted = _parse("customer.subscription.deleted", {"id": "sub_1", "customer": "cus_1"})
    assert isinstance(deleted, pe.SubscriptionDeleted)
    assert deleted.tenant_id is None
    failed = _parse(
        "invoice.payment_failed",
        {
            "id": "in_1",
            "customer": "cus_1",
            "parent": {"subscription_details": {"subscription": "sub_2", "metadata": meta}},
        },
    )
    assert isinstance(failed, pe.InvoicePaymentFailed)
    assert (failed.stripe_subscription_id, failed.tenant_id) == ("sub_2", "t1")


def test_what_billing_does_not_act_on_is_unknown() -> None:
    assert isinstance(_parse("charge.succeeded", {"id": "ch_1"}), pe.UnknownEvent)
    assert isinstance(_parse("checkout.session.completed", {"mode": "payment"}), pe.UnknownEvent)
    assert isinstance(_parse("invoice.paid", {"id": "in_1"}), pe.UnknownEvent)
    paused = _parse("customer.subscription.updated", {"id": "sub_1", "status": "paused"})
    assert isinstance(paused, pe.UnknownEvent)
    assert paused.type == "customer.subscription.updated"


@pytest.mark.parametrize(
    "payload",
    [
        [],
        {"id": "evt"},
        {"id": "", "type": "x", "created": 1, "data": {"object": {}}},
        {"id": "e", "type": "x", "created": "soon", "data": {"object": {}}},
    ],
)
def test_not_an_event_is_refused(payload: object) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        events.parse_event(payload)
    assert caught.value.code == events.BAD_EVENT
