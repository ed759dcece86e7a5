"""Email templates: every placeholder filled, HTML escaped, subjects on one line."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.platform import email_templates, model
from b2core.platform.email_templates import EmailKind
from b2core.shared import errors, money

TO = "owner@example.test"
_PLACEHOLDER = re.compile(r"\{[A-Za-z_]+\}")
_safe = st.text(st.characters(codec="utf-8"), max_size=40)
_amount = st.builds(
    money.Money,
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from(["USD", "EUR", "JPY", "KWD", "INR"]),
)


def _all_kinds(value: str, amount: money.Money) -> list[model.EmailMessage]:
    ends = datetime(2026, 5, 1, 23, 30, tzinfo=UTC)
    return [
        email_templates.password_reset(TO, value, product=value),
        email_templates.email_verification(TO, value, product=value),
        email_templates.payment_approved(TO, value, amount, value),
        email_templates.payment_rejected(TO, value, amount, value),
        email_templates.subscription_expiring(TO, value, value, ends),
    ]


@given(value=_safe.filter(lambda v: "{" not in v and "}" not in v), amount=_amount)
def test_no_template_leaves_a_placeholder(value: str, amount: money.Money) -> None:
    for message in _all_kinds(value, amount):
        for part in (message.subject, message.text, message.html or ""):
            assert "{" not in part
            assert "}" not in part


@given(value=_safe, amount=_amount)
def test_values_with_braces_are_inserted_verbatim_never_expanded(
    value: str, amount: money.Money
) -> None:
    braced = "{code}" + value + "{0}"
    message = email_templates.password_reset(TO, braced)
    assert braced in message.text
    assert html.escape(braced) in (message.html or "")


@given(value=_safe, amount=_amount)
def test_html_bodies_escape_every_value(value: str, amount: money.Money) -> None:
    hostile = "<script>alert('x')</script>&" + value
    for message in _all_kinds(hostile, amount):
        assert message.html is not None
        assert "<script>" not in message.html
        assert html.escape(hostile) in message.html


@given(value=_safe, amount=_amount)
def test_subjects_stay_on_one_line_and_kinds_are_tagged(value: str, amount: money.Money) -> None:
    messages = _all_kinds("a\r\nBcc: victim@example.test\n" + value, amount)
    for kind, message in zip(EmailKind, messages, strict=True):
        assert "\n" not in message.subject
        assert "\r" not in message.subject
        assert message.headers == ((email_templates.KIND_HEADER, kind.value),)


def test_the_texts_say_what_happened() -> None:
    amount = money.Money(123456, "USD")
    approved = email_templates.payment_approved(TO, "Cake Shop", amount, "Pro")
    assert "1234.56 USD" in approved.text
    assert "Pro plan" in approved.text
    rejected = email_templates.payment_rejected(TO, "Cake Shop", amount, "blurry receipt")
    assert "Reason: blurry receipt" in rejected.text
    ends = datetime(2026, 5, 2, 1, 0, tzinfo=timezone(timedelta(hours=5)))
    expiring = email_templates.subscription_expiring(TO, "Cake Shop", "Pro", ends)
    assert expiring.subject == "Your Pro plan ends on 2026-05-01"  # shown in UTC
    reset = email_templates.password_reset(TO, "abc123")
    assert "abc123" in reset.text
    assert "24 hours" in reset.text


@pytest.mark.parametrize(
    ("minor", "currency", "shown"),
    [
        (0, "USD", "0.00 USD"),
        (5, "EUR", "0.05 EUR"),
        (-1999, "USD", "-19.99 USD"),
        (1500, "JPY", "1500 JPY"),
        (1500, "KWD", "1.500 KWD"),
    ],
)
def test_money_uses_the_currency_decimals(minor: int, currency: str, shown: str) -> None:
    assert email_templates.format_money(money.Money(minor, currency)) == shown


@given(amount=_amount)
def test_formatted_money_reads_back_to_the_same_minor_units(amount: money.Money) -> None:
    number, currency = email_templates.format_money(amount).split(" ")
    assert currency == amount.currency
    assert int(number.replace(".", "")) == amount.amount_minor


@pytest.mark.parametrize("to", ["", "a@b\r\nBcc: c@d", "a@b\n"])
def test_a_bad_recipient_is_refused(to: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        email_templates.password_reset(to, "code")
    assert caught.value.code in {"email.bad_to", "email.bad_header"}


def test_a_naive_end_date_is_refused() -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        email_templates.subscription_expiring(TO, "Shop", "Pro", datetime(2026, 1, 1))
    assert caught.value.code == "email.naive_time"


@pytest.mark.parametrize(
    "headers", [(("Bad Name", "v"),), (("X-Ok", "v\r\nBcc: x@y"),), (("", "v"),)]
)
def test_messages_refuse_header_injection(headers: tuple[tuple[str, str], ...]) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        model.EmailMessage(TO, "subject", "text", headers=headers)
    assert caught.value.code == "email.bad_header"
    with pytest.raises(errors.InvalidInput):
        model.EmailMessage(TO, "line\nbreak", "text")
