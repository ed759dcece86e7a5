"""The platform's emails as pure functions: a plain-text body and a small, escaped HTML one.

Every template is filled with ``str.format_map`` over a strict mapping, so a missing value fails
loudly instead of leaving a ``{placeholder}`` in a customer's inbox, and a value that itself holds
braces is inserted as it is, never expanded again. Values are HTML-escaped for the HTML body and
stripped of line breaks for the subject (a header).
"""

from __future__ import annotations

import enum
import html
from collections.abc import Mapping
from datetime import UTC, datetime

import attrs

from b2core.platform import model
from b2core.shared import errors, money

KIND_HEADER = "X-B2-Email-Kind"

# ISO 4217 minor-unit exponents that differ from the usual two.
_ZERO_DECIMALS = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "UYI",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
_THREE_DECIMALS = frozenset(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"])


class EmailKind(enum.StrEnum):
    """What an email is about; each kind has its own toggle in the system settings."""

    PASSWORD_RESET = "password_reset"
    EMAIL_VERIFICATION = "email_verification"
    PAYMENT_APPROVED = "payment_approved"
    PAYMENT_REJECTED = "payment_rejected"
    SUBSCRIPTION_EXPIRING = "subscription_expiring"


@attrs.frozen
class _Template:
    subject: str
    text: str
    html: str


_TEMPLATES: Mapping[EmailKind, _Template] = {
    EmailKind.PASSWORD_RESET: _Template(
        subject="Reset your {product} password",
        text=(
            "Someone asked to reset the password of your {product} account.\n\n"
            "Your password reset code is:\n\n{code}\n\n"
            "It works once, for {hours} hours. If it was not you, ignore this email."
        ),
        html=(
            "<p>Someone asked to reset the password of your {product} account.</p>"
            "<p>Your password reset code is:</p><p><strong>{code}</strong></p>"
            "<p>It works once, for {hours} hours. If it was not you, ignore this email.</p>"
        ),
    ),
    EmailKind.EMAIL_VERIFICATION: _Template(
        subject="Confirm your email address",
        text="Your {product} verification code is:\n\n{code}\n\nIt expires in {days} days.",
        html=(
            "<p>Your {product} verification code is:</p><p><strong>{code}</strong></p>"
            "<p>It expires in {days} days.</p>"
        ),
    ),
    EmailKind.PAYMENT_APPROVED: _Template(
        subject="Payment received for {business}",
        text=(
            "Hello {business},\n\nWe approved your payment of {amount} for the {plan} plan.\n"
            "Thank you!"
        ),
        html=(
            "<p>Hello {business},</p><p>We approved your payment of <strong>{amount}</strong> "
            "for the {plan} plan.</p><p>Thank you!</p>"
        ),
    ),
    EmailKind.PAYMENT_REJECTED: _Template(
        subject="Payment not accepted for {business}",
        text=(
            "Hello {business},\n\nWe could not accept your payment of {amount}.\n"
            "Reason: {reason}\n\nPlease check the details and send it again."
        ),
        html=(
            "<p>Hello {business},</p><p>We could not accept your payment of "
            "<strong>{amount}</strong>.</p><p>Reason: {reason}</p>"
            "<p>Please check the details and send it again.</p>"
        ),
    ),
    EmailKind.SUBSCRIPTION_EXPIRING: _Template(
        subject="Your {plan} plan ends on {date}",
        text=(
            "Hello {business},\n\nYour {plan} plan ends on {date} (UTC).\n"
            "Renew it before then to keep your AI replies running."
        ),
        html=(
            "<p>Hello {business},</p><p>Your {plan} plan ends on <strong>{date}</strong> "
            "(UTC).</p><p>Renew it before then to keep your AI replies running.</p>"
        ),
    ),
}


class _Strict(dict[str, str]):
    def __missing__(self, key: str) -> str:
        raise KeyError(f"email template needs a value for {key!r}")


def format_money(amount: money.Money) -> str:
    """``1234 USD`` -> ``"12.34 USD"``, with the currency's own number of decimals."""
    if amount.currency in _ZERO_DECIMALS:
        digits = 0
    elif amount.currency in _THREE_DECIMALS:
        digits = 3
    else:
        digits = 2
    sign = "-" if amount.amount_minor < 0 else ""
    whole, part = divmod(abs(amount.amount_minor), 10**digits)
    number = f"{whole}.{part:0{digits}d}" if digits else str(whole)
    return f"{sign}{number} {amount.currency}"


def _one_line(value: str) -> str:
    return " ".join(value.split())


def render(kind: EmailKind, to: str, values: Mapping[str, str]) -> model.EmailMessage:
    """The email of ``kind`` to ``to`` filled with ``values`` (all of them plain text)."""
    if not to or any(c in to for c in "\r\n"):
        raise errors.InvalidInput("the recipient is not one email address", code="email.bad_to")
    template = _TEMPLATES[kind]
    plain = _Strict({key: str(value) for key, value in values.items()})
    return model.EmailMessage(
        to=to,
        subject=template.subject.format_map(_Strict({k: _one_line(v) for k, v in plain.items()})),
        text=template.text.format_map(plain),
        html=template.html.format_map(_Strict({k: html.escape(v) for k, v in plain.items()})),
        headers=((KIND_HEADER, kind.value),),
    )


def password_reset(
    to: str, code: str, *, hours: int = 24, product: str = "b2"
) -> model.EmailMessage:
    """The email that carries a one-time password reset code."""
    values = {"code": code, "hours": str(hours), "product": product}
    return render(EmailKind.PASSWORD_RESET, to, values)


def email_verification(
    to: str, code: str, *, days: int = 3, product: str = "b2"
) -> model.EmailMessage:
    """The email that carries an address verification code."""
    values = {"code": code, "days": str(days), "product": product}
    return render(EmailKind.EMAIL_VERIFICATION, to, values)


def payment_approved(to: str, business: str, amount: money.Money, plan: str) -> model.EmailMessage:
    """Tells a tenant that its (manual) payment was approved."""
    values = {"business": business, "amount": format_money(amount), "plan": plan}
    return render(EmailKind.PAYMENT_APPROVED, to, values)


def payment_rejected(
    to: str, business: str, amount: money.Money, reason: str
) -> model.EmailMessage:
    """Tells a tenant that its payment was rejected, and why."""
    values = {"business": business, "amount": format_money(amount), "reason": reason}
    return render(EmailKind.PAYMENT_REJECTED, to, values)


def subscription_expiring(
    to: str, business: str, plan: str, ends_at: datetime
) -> model.EmailMessage:
    """Warns a tenant that its subscription ends soon; ``ends_at`` must be aware."""
    if ends_at.tzinfo is None:
        raise errors.InvalidInput("the end date must carry a time zone", code="email.naive_time")
    values = {"business": business, "plan": plan, "date": f"{ends_at.astimezone(UTC):%Y-%m-%d}"}
    return render(EmailKind.SUBSCRIPTION_EXPIRING, to, values)
