"""The Mailer contract on the console mailer (capture) and on SMTP (a local aiosmtpd server)."""

from __future__ import annotations

import email.message
from collections.abc import Iterator
from typing import Any

import pytest

from b2adapters.email.console import ConsoleMailer
from b2adapters.email.smtp import SmtpConfig, SmtpMailer
from b2core.testing.contracts.mailer import *  # noqa: F403
from b2core.testing.contracts.mailer import MailerUnderTest, Received
from tests.support.smtp_server import LocalSmtpServer


def _from_mime(message: email.message.EmailMessage) -> Received:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return Received(
        to=str(message["To"]),
        subject=str(message["Subject"]),
        text=text.get_content() if text is not None else "",
        html=html.get_content() if html is not None else None,
        headers={name.lower(): str(value) for name, value in message.items()},
    )


@pytest.fixture(scope="module", params=["console", "smtp"])
def mailer_setup(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A factory of mailers and inboxes: a capture, or one SMTP server for the module."""
    if request.param == "console":

        async def make_console() -> MailerUnderTest:
            mailer = ConsoleMailer()

            async def inbox(to: str) -> list[Received]:
                return [
                    Received(m.to, m.subject, m.text, m.html, {k.lower(): v for k, v in m.headers})
                    for m in mailer.sent
                    if m.to == to
                ]

            return MailerUnderTest(mailer, inbox)

        yield make_console
        return
    with LocalSmtpServer() as server:

        async def make_smtp() -> MailerUnderTest:
            mailer = SmtpMailer(SmtpConfig.from_url(server.url(query="from=b2@example.test")))

            async def inbox(to: str) -> list[Received]:
                return [_from_mime(m) for m in server.to(to)]

            return MailerUnderTest(mailer, inbox)

        yield make_smtp
