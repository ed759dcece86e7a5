"""Manual payments (EasyPaisa, JazzCash, bank transfer): submitted by a tenant, decided by staff.

PENDING -> APPROVED | REJECTED, both final, both by a SUPER_ADMIN only; a rejection needs a
reason. The amount is never taken from the tenant: it is the plan's price after the coupon, as
computed on the server (:func:`quote`). A reference is unique per method across the platform
(the repository refuses a duplicate with ``payment.duplicate_reference``), compared in its
canonical form (:func:`normalize_reference`).
"""

from __future__ import annotations

import enum
import re
from datetime import datetime

import attrs

from b2core.billing import access, coupons, model, plans, values
from b2core.shared import errors, ids, money, time

SCREENSHOT_TYPES = frozenset({"image/png", "image/jpeg", "image/webp"})
#: The largest screenshot accepted: 5 MiB (5 * 1024 * 1024 bytes).
MAX_SCREENSHOT_BYTES = 5 * 1024 * 1024
MAX_REASON = 500
MAX_SENDER_NAME = 120
_REFERENCE = re.compile(r"^[A-Z0-9][A-Z0-9/_.-]{2,63}$")
# A mobile wallet number or a bank account / IBAN: letters, digits, spaces, '+' and '-'.
_SENDER_NUMBER = re.compile(r"^\+?[A-Za-z0-9][A-Za-z0-9 -]{3,40}$")
_MEDIA_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/._-]{0,499}$")


class PaymentMethod(enum.StrEnum):
    """How the tenant sent the money."""

    EASYPAISA = "EASYPAISA"
    JAZZCASH = "JAZZCASH"
    BANK_TRANSFER = "BANK_TRANSFER"


class PaymentStatus(enum.StrEnum):
    """PENDING until a SUPER_ADMIN approves or rejects it."""

    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


def normalize_reference(reference: str) -> str:
    """A transaction reference in canonical form: spaces removed, upper case.

    Wallets and banks print references with varying case and grouping spaces; one payment must
    not be claimable twice by spelling it differently. Raises ``payment.bad_reference``.
    """
    text = "".join(reference.split()).upper() if isinstance(reference, str) else ""
    if not _REFERENCE.match(text):
        raise errors.InvalidInput(
            "reference must be 3 to 64 letters, digits, '/', '_', '.' or '-'",
            code="payment.bad_reference",
        )
    return text


def check_screenshot(mime_type: str, size_bytes: int) -> None:
    """Accept a PNG, JPEG or WebP image of 1 byte to 5 MiB, else raise.

    Raises:
        errors.InvalidInput: ``payment.bad_screenshot_type`` or ``payment.bad_screenshot_size``.
    """
    kind = mime_type.strip().lower() if isinstance(mime_type, str) else ""
    if kind not in SCREENSHOT_TYPES:
        raise errors.InvalidInput(
            "the screenshot must be a PNG, JPEG or WebP image", code="payment.bad_screenshot_type"
        )
    if isinstance(size_bytes, bool) or not isinstance(size_bytes, int):
        raise errors.InvalidInput("size must be an integer", code="payment.bad_screenshot_size")
    if not 0 < size_bytes <= MAX_SCREENSHOT_BYTES:
        raise errors.InvalidInput(
            "the screenshot must be at most 5 MB", code="payment.bad_screenshot_size"
        )


def _check_sender_name(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_SENDER_NAME:
        raise errors.InvalidInput(
            f"sender name must be 1 to {MAX_SENDER_NAME} characters", code="payment.bad_sender"
        )


def _check_sender_number(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _SENDER_NUMBER.match(value.strip()):
        raise errors.InvalidInput(
            "sender number must be a wallet number or account number", code="payment.bad_sender"
        )


def _check_media_key(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or ".." in value or not _MEDIA_KEY.match(value):
        raise errors.InvalidInput("screenshot key is not valid", code="payment.bad_screenshot")


def _strip(value: str) -> str:
    return value.strip() if isinstance(value, str) else value


def _optional_utc(value: datetime | None) -> datetime | None:
    return None if value is None else time.ensure_utc(value)


def _method(value: object) -> PaymentMethod:
    return values.to_enum(PaymentMethod, value, "payment.bad_method")


def _status(value: object) -> PaymentStatus:
    return values.to_enum(PaymentStatus, value, "payment.bad_status")


@attrs.frozen
class Quote:
    """What a plan costs with a coupon: list price, discount and the amount to pay."""

    list_price: money.Money
    discount: money.Money
    amount: money.Money
    coupon_code: str | None = None


def quote(plan: plans.Plan, coupon: coupons.Coupon | None, at: datetime) -> Quote:
    """The server's price of ``plan`` with ``coupon`` at ``at``.

    Raises:
        errors.Conflict: ``plan.not_available`` (inactive or deleted plan).
        errors.InvalidInput: a coupon refusal (see :func:`coupons.price_after`).
    """
    if not plan.purchasable:
        raise errors.Conflict("this plan cannot be bought now", code="plan.not_available")
    final, discount = coupons.price_after(coupon, plan.price, at)
    return Quote(plan.price, discount, final, coupon.code if coupon is not None else None)


@attrs.frozen
class ManualPayment:
    """A payment a tenant made outside Stripe and asks the platform to accept."""

    id: ids.PaymentId
    tenant_id: ids.TenantId
    method: PaymentMethod = attrs.field(converter=_method)
    sender_name: str = attrs.field(converter=_strip, validator=_check_sender_name)
    sender_number: str = attrs.field(converter=_strip, validator=_check_sender_number)
    reference: str = attrs.field(converter=normalize_reference)
    plan_id: ids.PlanId
    price: Quote
    screenshot_key: str = attrs.field(validator=_check_media_key)
    submitted_by: ids.UserId
    submitted_at: datetime = attrs.field(converter=time.ensure_utc)
    status: PaymentStatus = attrs.field(
        default=PaymentStatus.PENDING,
        converter=_status,
    )
    decided_by: ids.UserId | None = None
    decided_at: datetime | None = attrs.field(default=None, converter=_optional_utc)
    rejection_reason: str | None = None
    version: int = attrs.field(default=0, validator=attrs.validators.ge(0))

    def approve(self, by: access.Caller, at: datetime) -> ManualPayment:
        """Accept the payment (SUPER_ADMIN only); the handler grants the plan."""
        return self._decide(by, at, PaymentStatus.APPROVED, None)

    def reject(self, by: access.Caller, at: datetime, reason: str) -> ManualPayment:
        """Refuse the payment with a reason (SUPER_ADMIN only)."""
        text = reason.strip() if isinstance(reason, str) else ""
        if not text:
            raise errors.InvalidInput("a reason is required", code="payment.reason_required")
        if len(text) > MAX_REASON:
            raise errors.InvalidInput(
                f"a reason has at most {MAX_REASON} characters", code="payment.bad_reason"
            )
        return self._decide(by, at, PaymentStatus.REJECTED, text)

    def _decide(
        self, by: access.Caller, at: datetime, to: PaymentStatus, reason: str | None
    ) -> ManualPayment:
        # Permission first: a tenant's admin is refused whatever the payment's state.
        access.require_super_admin(by)
        if self.status is not PaymentStatus.PENDING:
            raise errors.Conflict(
                f"a {self.status.value} payment cannot become {to.value}",
                code="payment.invalid_transition",
            )
        return attrs.evolve(
            self,
            status=to,
            decided_by=by.user_id,
            decided_at=time.ensure_utc(at),
            rejection_reason=reason,
        )


def manual_subscription(
    tenant_id: ids.TenantId, current: model.Subscription | None, plan: plans.Plan, at: datetime
) -> model.Subscription:
    """The tenant's subscription once a manual payment for ``plan`` is approved at ``at``.

    One interval of ``plan`` starting now, or, when the tenant's current manual subscription
    of the same plan still runs, starting where it ends (paying early never loses days).
    """
    start = time.ensure_utc(at)
    if (
        current is not None
        and current.source is model.Source.MANUAL
        and current.plan_id == plan.id
        and current.grants_at(at)
        and current.current_period_end is not None
    ):
        start = current.current_period_end
    period = (start, plans.add_interval(start, plan.interval))
    record = model.Subscription.manual(tenant_id, plan.id, period, at)
    return record if current is None else current.replace(record)
