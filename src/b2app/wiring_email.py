"""Composition of email: the mailer the system settings choose, and the toggle-aware notifier.

At each send the mailer reads the system settings through the settings cache: when they say
``smtp`` it sends with their server, sender and credentials (the password opened with the field
cipher), so a change made anywhere applies within a second. Otherwise it falls back to the
deployment's default: SMTP when ``B2_SMTP_URL`` is set, else the console mailer, which only
logs (demo, tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from b2adapters.email.console import ConsoleMailer
from b2adapters.email.smtp import Security, SmtpConfig, SmtpMailer
from b2app import settings
from b2core.conversations import connections
from b2core.platform import email_notifier, model, ports, settings_handlers

if TYPE_CHECKING:
    from b2app.bootstrap import Wiring


def mailer_for(config: settings.Settings) -> ports.Mailer:
    """The default mailer ``config`` asks for; ``errors.InvalidInput`` for a malformed SMTP URL."""
    if config.smtp_url:
        return SmtpMailer(SmtpConfig.from_url(config.smtp_url))
    return ConsoleMailer()


def smtp_config(system: model.SystemSettings, cipher: connections.FieldCipher) -> SmtpConfig | None:
    """The SMTP server ``system`` names, or None when it does not choose SMTP (or is incomplete).

    Raises ``errors.Unavailable`` when the sealed password does not open (another key, altered).
    """
    if system.email_provider != model.EmailProvider.SMTP:
        return None
    if not system.smtp_host or not system.email_from:
        return None
    password = (
        cipher.decrypt(system.smtp_password_sealed, context=model.SMTP_PASSWORD_CONTEXT)
        if system.smtp_password_sealed
        else None
    )
    return SmtpConfig(
        host=system.smtp_host,
        port=system.smtp_port,
        sender=system.email_from,
        security=Security(system.smtp_security),
        username=system.smtp_username,
        password=password,
    )


@attrs.define
class SettingsMailer:
    """Sends through the SMTP server of the system settings, else through ``fallback``.

    The SMTP mailer is kept while the settings stay the same and rebuilt when they change.
    """

    settings: ports.SystemSettingsReader
    cipher: connections.FieldCipher
    fallback: ports.Mailer
    _current: tuple[tuple[Any, ...], SmtpMailer] | None = None

    async def mailer(self) -> ports.Mailer:
        """The mailer a message sent now goes through."""
        system = await self.settings.current()
        key = (
            system.email_provider,
            system.smtp_host,
            system.smtp_port,
            system.smtp_username,
            system.smtp_password_sealed,
            system.smtp_security,
            system.email_from,
        )
        if self._current is not None and self._current[0] == key:
            return self._current[1]
        config = smtp_config(system, self.cipher)
        if config is None:
            return self.fallback
        chosen = SmtpMailer(config)
        self._current = (key, chosen)
        return chosen

    async def send(self, message: model.EmailMessage) -> None:
        """Send ``message`` with the mailer the settings choose at this moment."""
        await (await self.mailer()).send(message)


if TYPE_CHECKING:
    _: type[ports.Mailer] = SettingsMailer


def register(wiring: Wiring) -> None:
    """Register the settings-driven mailer and the EmailNotifier.

    The default mailer is built now: a bad ``B2_SMTP_URL`` stops the start.
    """
    container = wiring.container
    fallback = mailer_for(wiring.config)

    def build() -> SettingsMailer:
        return SettingsMailer(
            container.resolve(ports.SystemSettingsReader),
            container.resolve(connections.FieldCipher),
            fallback,
        )

    wiring.singleton(ports.Mailer, build)
    container.register(
        settings_handlers.SecretSealer,
        factory=lambda: container.resolve(connections.FieldCipher),
    )
    container.register(email_notifier.EmailNotifier)
