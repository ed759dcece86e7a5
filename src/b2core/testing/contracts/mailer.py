"""Contract of ``Mailer``: what is sent arrives whole, to its recipient only.

Star-import it into a test module that defines a module-scoped fixture ``mailer_setup``
returning an async factory ``make() -> MailerUnderTest``: the mailer, and an ``inbox`` that
reads what arrived for one address (from a capture, or from a local SMTP server)::

    from b2core.testing.contracts.mailer import *  # noqa: F403
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2core.platform import email_templates, model, ports
from b2core.testing.contracts import unique_token

__all__ = [
    "MailerUnderTest",
    "Received",
    "pytestmark",
    "test_a_message_arrives_with_its_subject_body_and_recipient",
    "test_any_text_arrives_unchanged",
    "test_extra_headers_arrive",
    "test_recipients_get_only_their_own_mail",
    "test_templated_emails_arrive_with_both_bodies",
    "test_the_html_alternative_arrives",
]

pytestmark = pytest.mark.anyio


@attrs.frozen
class Received:
    """One email as its recipient sees it; header names lower-case."""

    to: str
    subject: str
    text: str
    html: str | None
    headers: Mapping[str, str]


@attrs.frozen
class MailerUnderTest:
    """A mailer and a way to read what arrived for an address (oldest first)."""

    mailer: ports.Mailer
    inbox: Callable[[str], Awaitable[list[Received]]]


def _address() -> str:
    return f"user-{unique_token()}@example.test"


def _normal(text: str) -> str:
    # Transports may turn line ends into CRLF and add a final newline; neither is content.
    return text.replace("\r\n", "\n").rstrip("\n")


async def _make(mailer_setup: Any) -> MailerUnderTest:
    made: MailerUnderTest = await mailer_setup()
    return made


async def _only(under_test: MailerUnderTest, to: str) -> Received:
    received = await under_test.inbox(to)
    assert len(received) == 1, f"expected exactly one email to {to}, got {len(received)}"
    return received[0]


async def test_a_message_arrives_with_its_subject_body_and_recipient(mailer_setup: Any) -> None:
    under_test = await _make(mailer_setup)
    to = _address()
    await under_test.mailer.send(model.EmailMessage(to, "Your code", "Code:\n\n1234\n\nBye."))
    got = await _only(under_test, to)
    assert (got.to, got.subject) == (to, "Your code")
    assert _normal(got.text) == "Code:\n\n1234\n\nBye."
    assert got.html is None


async def test_the_html_alternative_arrives(mailer_setup: Any) -> None:
    under_test = await _make(mailer_setup)
    to = _address()
    html = "<p>Hello &amp; welcome</p>"
    await under_test.mailer.send(model.EmailMessage(to, "Hi", "Hello & welcome", html=html))
    got = await _only(under_test, to)
    assert _normal(got.text) == "Hello & welcome"
    assert got.html is not None
    assert _normal(got.html) == html


async def test_extra_headers_arrive(mailer_setup: Any) -> None:
    under_test = await _make(mailer_setup)
    to = _address()
    headers = (("X-B2-Email-Kind", "password_reset"), ("X-B2-Trace", "abc-123"))
    await under_test.mailer.send(model.EmailMessage(to, "Reset", "Body", headers=headers))
    got = await _only(under_test, to)
    assert got.headers["x-b2-email-kind"] == "password_reset"
    assert got.headers["x-b2-trace"] == "abc-123"


async def test_recipients_get_only_their_own_mail(mailer_setup: Any) -> None:
    under_test = await _make(mailer_setup)
    first, second = _address(), _address()
    await under_test.mailer.send(model.EmailMessage(first, "For first", "one"))
    await under_test.mailer.send(model.EmailMessage(second, "For second", "two"))
    await under_test.mailer.send(model.EmailMessage(first, "For first again", "three"))
    assert [m.subject for m in await under_test.inbox(first)] == ["For first", "For first again"]
    assert [_normal(m.text) for m in await under_test.inbox(second)] == ["two"]


async def test_templated_emails_arrive_with_both_bodies(mailer_setup: Any) -> None:
    under_test = await _make(mailer_setup)
    to = _address()
    message = email_templates.password_reset(to, "<code&1>")
    await under_test.mailer.send(message)
    got = await _only(under_test, to)
    assert got.subject == message.subject
    assert "<code&1>" in got.text
    assert got.html is not None
    assert "&lt;code&amp;1&gt;" in got.html
    assert got.headers["x-b2-email-kind"] == "password_reset"


_line = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=60)
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=_line, lines=st.lists(_line, min_size=1, max_size=6))
async def test_any_text_arrives_unchanged(
    mailer_setup: Any, subject: str, lines: list[str]
) -> None:
    under_test = await _make(mailer_setup)
    to, body = _address(), "\n".join(lines)
    await under_test.mailer.send(model.EmailMessage(to, subject, body))
    got = await _only(under_test, to)
    assert got.subject == subject
    assert _normal(got.text) == body
