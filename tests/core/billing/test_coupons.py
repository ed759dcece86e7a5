"""Coupon pricing: never negative, never above the price, half-up rounding, clear refusals."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.billing import coupons
from b2core.shared import errors, money
from tests.core.billing import strategies as s


@given(coupon=s.coupon_values, price=s.prices, at=s.moments)
def test_final_and_discount_stay_within_the_price_and_add_up(
    coupon: coupons.Coupon, price: money.Money, at: datetime
) -> None:
    final, discount = coupons.price_after(coupon, price, at)
    assert 0 <= discount.amount_minor <= price.amount_minor
    assert 0 <= final.amount_minor <= price.amount_minor
    assert final.amount_minor + discount.amount_minor == price.amount_minor
    assert final.currency == discount.currency == price.currency


@given(pct=st.integers(min_value=1, max_value=100), price=s.prices)
def test_percentage_rounds_half_up_to_a_minor_unit(pct: int, price: money.Money) -> None:
    exact = Fraction(price.amount_minor * pct, 100)
    _, discount = coupons.price_after(s.percent_coupon(pct), price, s.T0)
    # Half up: the nearest integer, ties going up; written with Fraction, not the code's formula.
    expected = int(exact + Fraction(1, 2)) if exact.denominator != 1 else int(exact)
    assert discount.amount_minor == expected
    assert abs(Fraction(discount.amount_minor) - exact) <= Fraction(1, 2)


def test_percentage_rounding_examples() -> None:
    cases = {(1005, 10): 101, (1004, 10): 100, (999, 50): 500, (1, 50): 1, (1, 49): 0}
    for (price, pct), discount in cases.items():
        got = coupons.price_after(s.percent_coupon(pct), money.Money(price, "PKR"), s.T0)
        assert got[1].amount_minor == discount, (price, pct)


def test_hundred_percent_makes_it_free() -> None:
    final, discount = coupons.price_after(s.percent_coupon(100), money.Money(4999, "PKR"), s.T0)
    assert (final.amount_minor, discount.amount_minor) == (0, 4999)


@given(amount=st.integers(min_value=0, max_value=10**12), price=s.prices)
def test_fixed_takes_off_its_amount_but_never_below_zero(amount: int, price: money.Money) -> None:
    final, discount = coupons.price_after(s.fixed_coupon(amount), price, s.T0)
    assert discount.amount_minor == min(amount, price.amount_minor)
    assert final.amount_minor == max(price.amount_minor - amount, 0)


def test_no_coupon_no_discount() -> None:
    price = money.Money(2500, "USD")
    assert coupons.price_after(None, price, s.T0) == (price, money.Money(0, "USD"))


@pytest.mark.parametrize(
    ("coupon", "code"),
    [
        (s.percent_coupon(10, active=False), "coupon.inactive"),
        (s.percent_coupon(10, expires_at=s.T0), "coupon.expired"),
        (s.percent_coupon(10, expires_at=s.T0 - timedelta(seconds=1)), "coupon.expired"),
        (s.percent_coupon(10, max_redemptions=3, redemptions=3), "coupon.exhausted"),
        (s.fixed_coupon(100, "PKR"), "coupon.currency_mismatch"),
    ],
)
def test_unusable_coupons_are_refused_with_clear_codes(coupon: coupons.Coupon, code: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        coupons.price_after(coupon, money.Money(2500, "USD"), s.T0)
    assert caught.value.code == code


def test_a_coupon_applies_until_the_instant_it_expires() -> None:
    coupon = s.percent_coupon(10, expires_at=s.T0 + timedelta(seconds=1), max_redemptions=1)
    assert coupons.price_after(coupon, money.Money(1000, "USD"), s.T0)[1].amount_minor == 100


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": coupons.CouponKind.PERCENTAGE, "percent": 0},
        {"kind": coupons.CouponKind.PERCENTAGE, "percent": 101},
        {"kind": coupons.CouponKind.PERCENTAGE, "percent": None},
        {"kind": coupons.CouponKind.PERCENTAGE, "percent": 10, "amount_off": money.Money(1, "USD")},
        {"kind": coupons.CouponKind.FIXED, "amount_off": money.Money(-1, "USD")},
        {"kind": coupons.CouponKind.FIXED, "amount_off": None},
        {"kind": coupons.CouponKind.FIXED, "percent": 5, "amount_off": money.Money(1, "USD")},
    ],
)
def test_coupon_values_are_validated(fields: dict[str, object]) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        coupons.Coupon(
            id="c",  # type: ignore[arg-type]
            code="X1",
            created_at=s.T0,
            updated_at=s.T0,
            **fields,  # type: ignore[arg-type]
        )
    assert caught.value.code == "coupon.bad_value"


def test_codes_are_canonical_and_validated() -> None:
    assert coupons.normalize_code("  summer-25 ") == "SUMMER-25"
    for bad in ("", "   ", "-X", "has space", "x" * 41, "émoji"):
        with pytest.raises(errors.InvalidInput) as caught:
            coupons.normalize_code(bad)
        assert caught.value.code == "coupon.bad_code"


def test_update_changes_only_switch_expiry_cap_and_stripe_id() -> None:
    coupon = s.percent_coupon(10, expires_at=s.T0)
    later = s.T0 + timedelta(days=1)
    assert coupon.update(later, coupons.CouponChanges()) is coupon
    changed = coupon.update(later, coupons.CouponChanges(active=False, max_redemptions=5))
    assert (changed.active, changed.max_redemptions, changed.updated_at) == (False, 5, later)
    assert changed.update(later, coupons.CouponChanges(clear_expiry=True)).expires_at is None
    assert attrs.evolve(changed, updated_at=s.T0).percent == 10


def test_redeeming_counts_and_then_exhausts() -> None:
    coupon = s.percent_coupon(10, max_redemptions=1)
    assert coupon.refusal(s.T0) is None
    assert coupon.redeem(s.T0).refusal(s.T0) == "coupon.exhausted"
