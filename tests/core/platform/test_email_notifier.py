"""EmailNotifier: nothing leaves while a toggle is off, and the caller learns which one."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2adapters.email.console import ConsoleMailer
from b2core.platform import email_notifier, email_templates, model
from b2core.platform.email_notifier import Delivery, EmailNotifier
from b2core.platform.email_templates import EmailKind
from b2core.shared import errors

pytestmark = pytest.mark.anyio
TO = "owner@example.test"
ALL_ON = model.SystemSettings(
    email_enabled=True,
    email_verification_required=True,
    password_reset_enabled=True,
    payment_emails_enabled=True,
)


@attrs.define
class FixedSettings:
    value: model.SystemSettings

    async def current(self) -> model.SystemSettings:
        return self.value


class BrokenMailer:
    async def send(self, message: model.EmailMessage) -> None:
        raise errors.Unavailable("smtp down", code="email.unavailable")


def _message(kind: EmailKind) -> model.EmailMessage:
    return email_templates.render(kind, TO, _VALUES)


_VALUES = {
    "code": "c",
    "hours": "1",
    "days": "1",
    "product": "b2",
    "business": "Shop",
    "amount": "1 USD",
    "plan": "Pro",
    "reason": "r",
    "date": "2026-01-01",
}
_settings = st.builds(
    model.SystemSettings,
    email_enabled=st.booleans(),
    email_verification_required=st.booleans(),
    password_reset_enabled=st.booleans(),
    payment_emails_enabled=st.booleans(),
)


@given(settings=_settings, kind=st.sampled_from(EmailKind))
async def test_it_sends_exactly_when_the_master_and_kind_toggles_are_on(
    settings: model.SystemSettings, kind: EmailKind
) -> None:
    mailer = ConsoleMailer()
    outcome = await EmailNotifier(FixedSettings(settings), mailer).send(kind, _message(kind))
    allowed = settings.email_enabled and getattr(settings, email_notifier.TOGGLES[kind])
    assert outcome.sent is allowed
    assert len(mailer.sent) == (1 if allowed else 0)
    if not allowed:
        assert outcome.delivery is Delivery.DISABLED
        expected = "email_enabled" if not settings.email_enabled else email_notifier.TOGGLES[kind]
        assert outcome.toggle == expected


async def test_every_kind_is_sent_when_everything_is_on() -> None:
    mailer = ConsoleMailer()
    notifier = EmailNotifier(FixedSettings(ALL_ON), mailer)
    for kind in EmailKind:
        assert await notifier.send(kind, _message(kind)) == email_notifier.Outcome(
            Delivery.SENT, kind
        )
    assert [email_notifier.kind_of(m) for m in mailer.sent] == list(EmailKind)


async def test_the_defaults_send_nothing() -> None:
    mailer = ConsoleMailer()
    notifier = EmailNotifier(FixedSettings(model.SystemSettings()), mailer)
    outcome = await notifier.send(EmailKind.PASSWORD_RESET, _message(EmailKind.PASSWORD_RESET))
    assert (outcome.delivery, outcome.toggle) == (Delivery.DISABLED, "email_enabled")
    assert list(mailer.sent) == []


async def test_the_kind_toggle_is_named_when_only_it_is_off() -> None:
    settings = attrs.evolve(ALL_ON, payment_emails_enabled=False)
    notifier = EmailNotifier(FixedSettings(settings), ConsoleMailer())
    outcome = await notifier.send(EmailKind.PAYMENT_REJECTED, _message(EmailKind.PAYMENT_REJECTED))
    assert outcome.toggle == "payment_emails_enabled"


async def test_a_mailer_outage_reaches_the_caller() -> None:
    notifier = EmailNotifier(FixedSettings(ALL_ON), BrokenMailer())
    with pytest.raises(errors.Unavailable):
        await notifier.send(EmailKind.PASSWORD_RESET, _message(EmailKind.PASSWORD_RESET))


def test_kind_of_ignores_untagged_and_unknown_messages() -> None:
    assert email_notifier.kind_of(model.EmailMessage(TO, "s", "t")) is None
    unknown = model.EmailMessage(TO, "s", "t", headers=((email_templates.KIND_HEADER, "spam"),))
    assert email_notifier.kind_of(unknown) is None
