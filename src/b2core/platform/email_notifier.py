"""Send an email only while the system settings allow it, and tell the caller what happened."""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

from b2core.platform import model, ports
from b2core.platform.email_templates import KIND_HEADER, EmailKind

MASTER_TOGGLE = "email_enabled"

# The per-kind switch of SystemSettings that must be on (with the master switch) to send.
TOGGLES: Mapping[EmailKind, str] = {
    EmailKind.PASSWORD_RESET: "password_reset_enabled",
    EmailKind.EMAIL_VERIFICATION: "email_verification_required",
    EmailKind.PAYMENT_APPROVED: "payment_emails_enabled",
    EmailKind.PAYMENT_REJECTED: "payment_emails_enabled",
    EmailKind.SUBSCRIPTION_EXPIRING: "payment_emails_enabled",
}


class Delivery(enum.StrEnum):
    """Whether the email went to the mailer."""

    SENT = "sent"
    DISABLED = "disabled"


@attrs.frozen
class Outcome:
    """What :class:`EmailNotifier` did; ``toggle`` names the switch that was off."""

    delivery: Delivery
    kind: EmailKind
    toggle: str | None = None

    @property
    def sent(self) -> bool:
        """True when the mailer accepted the message."""
        return self.delivery is Delivery.SENT


def blocking_toggle(settings: model.SystemSettings, kind: EmailKind) -> str | None:
    """The name of the first switch that keeps ``kind`` from being sent, or None when allowed."""
    if not settings.email_enabled:
        return MASTER_TOGGLE
    toggle = TOGGLES[kind]
    return None if getattr(settings, toggle) else toggle


def kind_of(message: model.EmailMessage) -> EmailKind | None:
    """The kind a templated message declares in its headers (None for other messages)."""
    for name, value in message.headers:
        if name == KIND_HEADER:
            try:
                return EmailKind(value)
            except ValueError:
                return None
    return None


@attrs.frozen
class EmailNotifier:
    """Hands templated emails to the mailer while their toggles are on; never sends when off.

    Raises ``errors.Unavailable`` when the mailer cannot take the message now; the caller decides
    whether to retry (a worker) or to tell its user (an API call).
    """

    settings: ports.SystemSettingsReader
    mailer: ports.Mailer

    async def send(
        self,
        kind: EmailKind,
        message: model.EmailMessage,
        *,
        settings: model.SystemSettings | None = None,
    ) -> Outcome:
        """Send ``message`` as an email of ``kind`` if the settings allow it.

        ``settings`` are the ones a caller just read in its own transaction: fresher than the
        cache, and the same the caller decided on; without them the cached settings decide.
        """
        current = settings if settings is not None else await self.settings.current()
        toggle = blocking_toggle(current, kind)
        if toggle is not None:
            return Outcome(Delivery.DISABLED, kind, toggle)
        await self.mailer.send(message)
        return Outcome(Delivery.SENT, kind)
