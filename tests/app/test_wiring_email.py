"""The app's mailer: SMTP as the system settings say (read at send time), else the default.

``B2_SMTP_URL`` selects the default; the settings' SMTP server wins while they choose it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

from b2adapters.email.console import ConsoleMailer
from b2adapters.email.smtp import SmtpMailer
from b2app import bootstrap, settings, wiring_email
from b2app.http.lifecycle import Lifecycle
from b2core.conversations import connections
from b2core.messagebus import MessageBus
from b2core.platform import commands, email_notifier, email_templates, model, ports
from b2core.shared import audit, errors, ids
from tests.support import http_app, services
from tests.support.smtp_server import LocalSmtpServer

pytestmark = pytest.mark.anyio
SECRET = "wiring-email-secret-0123456789-abcdef"
TO = "owner@example.test"
OPERATOR = audit.Actor.user(ids.UserId("operator-1"), "SUPER_ADMIN")
RESET = email_templates.EmailKind.PASSWORD_RESET
ON = {"email_enabled": True, "password_reset_enabled": True}


@attrs.define
class FixedSettings:
    value: model.SystemSettings

    async def current(self) -> model.SystemSettings:
        return self.value


def _config(**changes: object) -> settings.Settings:
    values: dict[str, Any] = {"database_url": "memory://", "jwt_secret": SECRET, **changes}
    return settings.Settings(**values)


def _smtp(server: LocalSmtpServer, **more: object) -> dict[str, object]:
    return {
        "email_provider": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": server.port,
        "smtp_security": "none",
        "email_from": "b2@platform.example",
        **more,
    }


async def _change(container: Any, **changes: object) -> None:
    bus: MessageBus = container.resolve(MessageBus)
    await bus.handle(commands.UpdateSystemSettings(OPERATOR, changes))


async def _reset_mail(container: Any, code: str) -> email_notifier.Outcome:
    notifier: email_notifier.EmailNotifier = container.resolve(email_notifier.EmailNotifier)
    return await notifier.send(RESET, email_templates.password_reset(TO, code))


def _codes(server: LocalSmtpServer) -> list[str]:
    return [m.get_body(("plain",)).get_content() for m in server.to(TO)]  # type: ignore[union-attr]


def test_without_a_url_the_console_mailer_is_the_default() -> None:
    assert isinstance(wiring_email.mailer_for(_config()), ConsoleMailer)


def test_a_bad_smtp_url_stops_the_start() -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        bootstrap.build_container(_config(smtp_url="smtp://host?starttls=perhaps"))
    assert caught.value.code == "settings.bad_smtp_url"


async def test_the_notifier_sends_through_the_url_default_only_when_toggled_on() -> None:
    with LocalSmtpServer() as server:
        on = model.SystemSettings(email_enabled=True, password_reset_enabled=True)
        for system, delivered in ((model.SystemSettings(), 0), (on, 1)):
            container = bootstrap.build_container(
                _config(smtp_url=server.url()),
                overrides={ports.SystemSettingsReader: FixedSettings(system)},
            )
            mailer = container.resolve(ports.Mailer)
            assert isinstance(mailer, wiring_email.SettingsMailer)
            assert isinstance(mailer.fallback, SmtpMailer)
            outcome = await _reset_mail(container, "code-42")
            assert outcome.sent is bool(delivered)
            assert len(server.to(TO)) == delivered
        assert "code-42" in _codes(server)[0]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_smtp_from_the_settings_with_the_sealed_password() -> None:
    credentials = ("mailer", "pa ss:w0rd")
    with LocalSmtpServer(credentials=credentials) as server:
        container = bootstrap.build_container(_config())
        await _change(container, **ON)
        # Provider "none": the default (console) mailer takes it; the server sees nothing.
        assert (await _reset_mail(container, "console-1")).sent
        assert server.to(TO) == []

        await _change(container, **_smtp(server, smtp_username="mailer"))
        with pytest.raises(errors.Unavailable) as refused:  # the server requires the password
            await _reset_mail(container, "no-password")
        assert refused.value.code == "email.auth_failed"

        await _change(container, smtp_password=credentials[1])
        assert (await _reset_mail(container, "smtp-1")).sent
        (message,) = server.to(TO)
        assert message["From"] == "b2@platform.example"
        assert "smtp-1" in _codes(server)[0]

        await _change(container, email_enabled=False)  # the toggle: nothing leaves
        outcome = await _reset_mail(container, "smtp-2")
        assert outcome.delivery is email_notifier.Delivery.DISABLED
        assert outcome.toggle == "email_enabled"
        assert len(server.to(TO)) == 1


async def test_the_settings_win_over_the_url_and_none_falls_back_to_it() -> None:
    with LocalSmtpServer() as default, LocalSmtpServer() as chosen:
        container = bootstrap.build_container(_config(smtp_url=default.url()))
        await _change(container, **ON, **_smtp(chosen))
        await _reset_mail(container, "to-chosen")
        await _change(container, email_provider="none")
        await _reset_mail(container, "to-default")
        assert ["to-chosen" in c for c in _codes(chosen)] == [True]
        assert ["to-default" in c for c in _codes(default)] == [True]


async def test_a_password_sealed_under_another_key_does_not_open() -> None:
    with LocalSmtpServer() as server:
        sealed_elsewhere = bootstrap.build_container(_config(jwt_secret=SECRET + "-other"))
        cipher = sealed_elsewhere.resolve(connections.FieldCipher)
        foreign = cipher.encrypt("pw", context=model.SMTP_PASSWORD_CONTEXT)
        system = model.SystemSettings(
            email_enabled=True,
            password_reset_enabled=True,
            email_provider="smtp",
            smtp_host="127.0.0.1",
            smtp_port=server.port,
            smtp_username="u",
            smtp_password_sealed=foreign,
            email_from="b2@platform.example",
        )
        container = bootstrap.build_container(
            _config(), overrides={ports.SystemSettingsReader: FixedSettings(system)}
        )
        with pytest.raises(errors.Unavailable):
            await _reset_mail(container, "never")
        assert server.to(TO) == []


# Two "processes" (containers) on one PostgreSQL database: a change made through one reaches
# the other's mailer within a second, through its settings cache.
@pytest.fixture(scope="module")
def email_postgres_url() -> Iterator[str]:
    url = services.create_postgres_database(suffix="_email")
    services.run_sync(lambda: http_app.migrate(url))
    yield url
    services.drop_postgres_database(url)


@pytest.mark.postgres
async def test_a_change_reaches_another_process_within_a_second(
    email_postgres_url: str,
) -> None:
    config = _config(database_url=email_postgres_url)
    writer, sender = bootstrap.build_container(config), bootstrap.build_container(config)
    with LocalSmtpServer() as first, LocalSmtpServer() as second:
        await _change(writer, **ON, **_smtp(first))
        await asyncio.sleep(1.05)  # whatever the sender had cached has expired
        await _reset_mail(sender, "via-first")
        assert len(first.to(TO)) == 1

        await _change(writer, smtp_port=second.port)
        # One second after the change, whatever the sender cached has expired: the very next
        # mail goes to the new server (how long sending takes on a busy machine does not count).
        await asyncio.sleep(1.05)
        await _reset_mail(sender, "via-second")
        assert len(second.to(TO)) == 1, "the change took over a second"
        assert len(first.to(TO)) == 1
        assert "via-second" in _codes(second)[0]
    for container in (writer, sender):
        await container.resolve(Lifecycle).shutdown()
