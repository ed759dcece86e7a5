"""Manual payments as values: screenshots, references, server-side quotes, the decision machine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.billing import access, model, payments, plans
from b2core.shared import errors, ids
from tests.core.billing import strategies as s

MB = 1024 * 1024


def payment(**fields: object) -> payments.ManualPayment:
    values: dict[str, object] = {
        "id": ids.PaymentId("pay-1"),
        "tenant_id": s.TENANT,
        "method": payments.PaymentMethod.EASYPAISA,
        "sender_name": "Ayesha Khan",
        "sender_number": "0300 1234567",
        "reference": "TRX 8841 22",
        "plan_id": s.BASIC.id,
        "price": payments.quote(s.BASIC, None, s.T0),
        "screenshot_key": "tenant-1/2026-03/payments/pay-1.png",
        "submitted_by": s.ADMIN.user_id,
        "submitted_at": s.T0,
    }
    values.update(fields)
    return payments.ManualPayment(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("mime", ["image/png", "image/jpeg", "image/webp", " IMAGE/PNG "])
def test_png_jpeg_and_webp_up_to_5_mb_are_accepted(mime: str) -> None:
    payments.check_screenshot(mime, 5 * MB)
    payments.check_screenshot(mime, 1)


@pytest.mark.parametrize(
    ("mime", "size", "code"),
    [
        ("image/gif", 100, "payment.bad_screenshot_type"),
        ("application/pdf", 100, "payment.bad_screenshot_type"),
        ("image/svg+xml", 100, "payment.bad_screenshot_type"),
        ("", 100, "payment.bad_screenshot_type"),
        ("image/png", 5 * MB + 1, "payment.bad_screenshot_size"),
        ("image/png", 0, "payment.bad_screenshot_size"),
        ("image/png", -5, "payment.bad_screenshot_size"),
    ],
)
def test_other_types_and_sizes_are_refused(mime: str, size: int, code: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        payments.check_screenshot(mime, size)
    assert caught.value.code == code


@given(size=st.integers(min_value=-(10**9), max_value=10**9))
def test_the_size_limit_is_exactly_5_mib(size: int) -> None:
    accepted = True
    try:
        payments.check_screenshot("image/jpeg", size)
    except errors.InvalidInput:
        accepted = False
    assert accepted == (0 < size <= 5 * MB)


def test_references_compare_without_spaces_or_case() -> None:
    assert payments.normalize_reference(" trx 8841 22 ") == "TRX884122"
    assert payment(reference="trx884122").reference == payment().reference
    for bad in ("", "ab", "x" * 65, "TRX#1", "../etc"):
        with pytest.raises(errors.InvalidInput) as caught:
            payments.normalize_reference(bad)
        assert caught.value.code == "payment.bad_reference"


def test_senders_and_screenshot_keys_are_validated() -> None:
    cases = [
        ({"sender_name": "  "}, "payment.bad_sender"),
        ({"sender_number": "12"}, "payment.bad_sender"),
        ({"screenshot_key": "../secret.png"}, "payment.bad_screenshot"),
        ({"method": "PAYPAL"}, "payment.bad_method"),
    ]
    for fields, code in cases:
        with pytest.raises(errors.InvalidInput) as caught:
            payment(**fields)
        assert caught.value.code == code
    assert payment(sender_number="PK36SCBL0000001123456702").sender_number.startswith("PK36")


def test_the_quote_comes_from_the_plan_and_coupon() -> None:
    quote = payments.quote(s.BASIC, s.percent_coupon(20), s.T0)
    assert (quote.list_price.amount_minor, quote.discount.amount_minor) == (2500, 500)
    assert (quote.amount.amount_minor, quote.coupon_code) == (2000, "SAVE20")
    for plan in (s.plan("plan-off", active=False), s.BASIC.delete(s.T0)):
        with pytest.raises(errors.Conflict) as caught:
            payments.quote(plan, None, s.T0)
        assert caught.value.code == "plan.not_available"


def test_only_a_super_admin_approves_or_rejects() -> None:
    pending = payment()
    for caller in (s.ADMIN, s.STAFF, access.Caller(ids.UserId("u"), "VIEWER")):
        with pytest.raises(errors.Forbidden) as approving:
            pending.approve(caller, s.T0)
        with pytest.raises(errors.Forbidden) as rejecting:
            pending.reject(caller, s.T0, "no")
        assert approving.value.code == rejecting.value.code == "billing.super_admin_only"
    approved = pending.approve(s.SUPER, s.T0)
    assert (approved.status, approved.decided_by) == (
        payments.PaymentStatus.APPROVED,
        s.SUPER.user_id,
    )


def test_rejecting_needs_a_reason_and_decisions_are_final() -> None:
    pending = payment()
    for reason in ("", "   "):
        with pytest.raises(errors.InvalidInput) as caught:
            pending.reject(s.SUPER, s.T0, reason)
        assert caught.value.code == "payment.reason_required"
    rejected = pending.reject(s.SUPER, s.T0, "  amount not received ")
    assert rejected.rejection_reason == "amount not received"
    for decided in (rejected, pending.approve(s.SUPER, s.T0)):
        with pytest.raises(errors.Conflict) as final:
            decided.approve(s.SUPER, s.T0)
        assert final.value.code == "payment.invalid_transition"


def test_an_approval_grants_one_interval_or_extends_a_running_manual_plan() -> None:
    first = payments.manual_subscription(s.TENANT, None, s.BASIC, s.T0)
    assert (first.status, first.source) == (model.SubscriptionStatus.ACTIVE, model.Source.MANUAL)
    assert first.current_period_end == plans.add_interval(s.T0, plans.Interval.MONTH)
    early = s.T0 + timedelta(days=20)
    renewed = payments.manual_subscription(s.TENANT, first, s.BASIC, early)
    assert renewed.current_period_start == first.current_period_end
    other_plan = payments.manual_subscription(s.TENANT, first, s.PRO, early)
    assert other_plan.current_period_start == early
