"""Coupons and the one pricing rule: what a plan costs after a coupon, never below zero.

Rounding of a PERCENTAGE coupon: the discount is ``price * percent / 100`` rounded half up to a
whole minor unit (10% of 1005 paisa is 100.5, so 101), computed in integers as
``(price * percent + 50) // 100``. The final price is the price minus the discount, so the two
always add up to the price exactly. A FIXED coupon takes off its amount, at most the price.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime

import attrs

from b2core.billing import values
from b2core.shared import errors, ids, money, time

MAX_CODE = 40
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")
_STRIPE_ID = re.compile(r"^[A-Za-z0-9_-]{1,200}$")


class CouponKind(enum.StrEnum):
    """A share of the price, or a fixed amount off it."""

    PERCENTAGE = "PERCENTAGE"
    FIXED = "FIXED"


def normalize_code(code: str) -> str:
    """The canonical spelling of a coupon code: trimmed and upper case (codes ignore case).

    Raises ``coupon.bad_code`` unless it is 1 to 40 letters, digits, ``-`` or ``_``.
    """
    text = code.strip().upper() if isinstance(code, str) else ""
    if not 1 <= len(text) <= MAX_CODE or not _CODE.match(text):
        raise errors.InvalidInput(
            f"coupon code must be 1 to {MAX_CODE} letters, digits, '-' or '_'",
            code="coupon.bad_code",
        )
    return text


def _check_count(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.InvalidInput(
            f"{attribute.name} must be a non-negative integer", code="coupon.bad_number"
        )


def _check_stripe_id(_: object, __: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not _STRIPE_ID.match(value)):
        raise errors.InvalidInput("not a Stripe coupon id", code="coupon.bad_stripe_id")


def _kind(value: object) -> CouponKind:
    return values.to_enum(CouponKind, value, "coupon.bad_kind")


@attrs.frozen
class Coupon:
    """A discount code. PERCENTAGE: ``percent`` from 1 to 100. FIXED: ``amount_off`` >= 0.

    ``expires_at`` is the first instant it no longer applies; ``max_redemptions`` caps how many
    approved purchases may use it (``redemptions`` counts them); ``stripe_coupon_id`` is the
    coupon Stripe Checkout applies for it.
    """

    id: ids.CouponId
    code: str = attrs.field(converter=normalize_code)
    kind: CouponKind = attrs.field(converter=_kind)
    created_at: datetime = attrs.field(converter=time.ensure_utc)
    updated_at: datetime = attrs.field(converter=time.ensure_utc)
    percent: int | None = None
    amount_off: money.Money | None = None
    expires_at: datetime | None = attrs.field(
        default=None, converter=attrs.converters.optional(time.ensure_utc)
    )
    active: bool = True
    stripe_coupon_id: str | None = attrs.field(default=None, validator=_check_stripe_id)
    max_redemptions: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(_check_count)
    )
    redemptions: int = attrs.field(default=0, validator=_check_count)
    version: int = attrs.field(default=0, validator=_check_count)

    def __attrs_post_init__(self) -> None:
        if self.kind is CouponKind.PERCENTAGE:
            valid = (
                self.amount_off is None
                and isinstance(self.percent, int)
                and not isinstance(self.percent, bool)
                and 1 <= self.percent <= 100
            )
        else:
            valid = (
                self.percent is None
                and isinstance(self.amount_off, money.Money)
                and self.amount_off.amount_minor >= 0
            )
        if not valid:
            raise errors.InvalidInput(
                "a PERCENTAGE coupon takes percent 1-100, a FIXED one a non-negative amount_off",
                code="coupon.bad_value",
            )

    def refusal(self, at: datetime) -> str | None:
        """The code refusing this coupon at ``at``, or None when it applies.

        ``coupon.inactive``, then ``coupon.expired`` (at or after ``expires_at``), then
        ``coupon.exhausted`` (``redemptions`` reached ``max_redemptions``).
        """
        if not self.active:
            return "coupon.inactive"
        if self.expires_at is not None and time.ensure_utc(at) >= self.expires_at:
            return "coupon.expired"
        if self.max_redemptions is not None and self.redemptions >= self.max_redemptions:
            return "coupon.exhausted"
        return None

    def update(self, at: datetime, changes: CouponChanges) -> Coupon:
        """The coupon with ``changes`` applied; no change returns self.

        Kind, value and code never change: a different discount is a different coupon, and
        purchases already quoted keep meaning what they meant.
        """
        changed = attrs.evolve(
            self,
            active=self.active if changes.active is None else changes.active,
            expires_at=None if changes.clear_expiry else (changes.expires_at or self.expires_at),
            max_redemptions=(
                self.max_redemptions if changes.max_redemptions is None else changes.max_redemptions
            ),
            stripe_coupon_id=changes.stripe_coupon_id or self.stripe_coupon_id,
        )
        if changed == self:
            return self
        return attrs.evolve(changed, updated_at=time.ensure_utc(at))

    def redeem(self, at: datetime) -> Coupon:
        """Count one approved purchase. Never refused: the buyer paid the price quoted to them."""
        return attrs.evolve(self, redemptions=self.redemptions + 1, updated_at=time.ensure_utc(at))


@attrs.frozen
class CouponChanges:
    """What a SUPER_ADMIN may change on a coupon; None leaves a field as it is."""

    active: bool | None = None
    expires_at: datetime | None = None
    clear_expiry: bool = False  # True removes the expiry (``expires_at`` is then ignored)
    max_redemptions: int | None = None
    stripe_coupon_id: str | None = None


_REFUSALS = {
    "coupon.inactive": "this coupon is not active",
    "coupon.expired": "this coupon has expired",
    "coupon.exhausted": "this coupon has been used up",
}


def check_usable(coupon: Coupon, at: datetime) -> None:
    """Raise ``errors.InvalidInput`` with the coupon's refusal code unless it applies at ``at``."""
    code = coupon.refusal(at)
    if code is not None:
        raise errors.InvalidInput(_REFUSALS[code], code=code)


def discount_for(coupon: Coupon, price: money.Money) -> money.Money:
    """What ``coupon`` takes off ``price``: 0 <= discount <= price (rounding: module docstring)."""
    if price.amount_minor < 0:
        raise errors.InvalidInput("a price cannot be negative", code="coupon.bad_price")
    if coupon.kind is CouponKind.PERCENTAGE:
        assert coupon.percent is not None  # checked at construction
        return money.Money((price.amount_minor * coupon.percent + 50) // 100, price.currency)
    assert coupon.amount_off is not None  # checked at construction
    if coupon.amount_off.currency != price.currency:
        raise errors.InvalidInput(
            f"this coupon is in {coupon.amount_off.currency}, the price in {price.currency}",
            code="coupon.currency_mismatch",
        )
    return money.Money(min(coupon.amount_off.amount_minor, price.amount_minor), price.currency)


def price_after(
    coupon: Coupon | None, price: money.Money, at: datetime
) -> tuple[money.Money, money.Money]:
    """``(final price, discount)`` of ``price`` with ``coupon`` (None: no discount) at ``at``.

    Raises:
        errors.InvalidInput: ``coupon.inactive``, ``coupon.expired``, ``coupon.exhausted``,
            ``coupon.currency_mismatch`` (a FIXED coupon in another currency).
    """
    if coupon is None:
        return price, money.Money(0, price.currency)
    check_usable(coupon, at)
    discount = discount_for(coupon, price)
    return price - discount, discount
