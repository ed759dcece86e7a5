"""The SMTP mailer: the standard library's smtplib, run in a worker thread.

Configured by a URL: ``smtp://user:pass@host:587?starttls=true&from=noreply@example.com``
(plain, or upgraded with STARTTLS) or ``smtps://user:pass@host:465`` (TLS from the first byte).
Email is sent rarely (resets, verifications, billing notices), so a connection per message is
simpler and more robust than a pool, and smtplib spares a dependency.
"""

from __future__ import annotations

import asyncio
import email.message
import email.utils
import enum
import smtplib
import ssl
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

import attrs

from b2core.shared import errors

if TYPE_CHECKING:
    from b2core.platform import model, ports

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_RESERVED = frozenset({"from", "to", "subject", "date", "message-id", "mime-version"})


class Security(enum.StrEnum):
    """How the connection to the server is protected."""

    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


def _bad_url(reason: str) -> errors.InvalidInput:
    return errors.InvalidInput(f"B2_SMTP_URL: {reason}", code="settings.bad_smtp_url")


def _flag(query: dict[str, list[str]], name: str, default: bool) -> bool:
    values = query.get(name)
    if not values:
        return default
    text = values[-1].strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _bad_url(f"{name} must be true or false")


@attrs.frozen(repr=False)
class SmtpConfig:
    """Where and how to send; ``password`` never appears in ``repr``."""

    host: str
    port: int
    sender: str
    security: Security = Security.NONE
    username: str | None = None
    password: str | None = None
    timeout_s: float = 10.0
    verify_tls: bool = True

    def __repr__(self) -> str:
        user = f"{self.username}@" if self.username else ""
        return f"SmtpConfig({self.security.value}://{user}{self.host}:{self.port})"

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """Parse ``smtp://`` or ``smtps://`` URLs; ``errors.InvalidInput`` when malformed.

        Query options: ``starttls`` (smtp only), ``from`` (the sender address), ``timeout``
        (seconds) and ``verify`` (``false`` accepts any certificate: test servers only).
        """
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise _bad_url("the scheme must be smtp or smtps")
        if not parts.hostname:
            raise _bad_url("a host is required")
        query = parse_qs(parts.query)
        starttls = _flag(query, "starttls", False)
        if parts.scheme == "smtps" and starttls:
            raise _bad_url("smtps is already encrypted; starttls applies to smtp only")
        security = Security.TLS if parts.scheme == "smtps" else Security.NONE
        security = Security.STARTTLS if starttls else security
        try:
            port = parts.port or (465 if security is Security.TLS else 587 if starttls else 25)
            timeout = float(query.get("timeout", ["10"])[-1])
        except ValueError as exc:
            raise _bad_url("the port and timeout must be numbers") from exc
        if not 0 < timeout <= 300:
            raise _bad_url("timeout must be between 0 and 300 seconds")
        username = unquote(parts.username) if parts.username else None
        fallback = username if username and "@" in username else f"no-reply@{parts.hostname}"
        return cls(
            host=parts.hostname,
            port=port,
            sender=query.get("from", [fallback])[-1],
            security=security,
            username=username,
            password=unquote(parts.password) if parts.password is not None else None,
            timeout_s=timeout,
            verify_tls=_flag(query, "verify", True),
        )


def build_mime(message: model.EmailMessage, sender: str) -> email.message.EmailMessage:
    """The MIME message for ``message``; ``errors.InvalidInput`` for an unsafe header."""
    mime = email.message.EmailMessage()
    try:
        mime["From"] = sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = email.utils.formatdate(usegmt=True)
        mime["Message-ID"] = email.utils.make_msgid(domain=sender.rpartition("@")[2] or None)
        for name, value in message.headers:
            if name.lower() in _RESERVED:
                raise errors.InvalidInput(
                    f"the header {name} is set by the mailer", code="email.bad_header"
                )
            mime[name] = value
    except ValueError as exc:  # a line break in a header value: header injection
        raise errors.InvalidInput(
            "a header of the email holds a line break", code="email.bad_header"
        ) from exc
    mime.set_content(message.text)
    if message.html is not None:
        mime.add_alternative(message.html, subtype="html")
    return mime


class SmtpMailer:
    """Sends each message over its own SMTP connection.

    Raises ``errors.Unavailable`` (``email.unavailable``, ``email.auth_failed``) when the server
    cannot be reached or refuses to work, and ``errors.InvalidInput`` (``email.rejected``) when
    it refuses the recipient: retrying that would not help.
    """

    def __init__(self, config: SmtpConfig, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        if ssl_context is None:
            ssl_context = ssl.create_default_context()
            if not config.verify_tls:
                ssl_context.check_hostname = False
                ssl_context.verify_mode = ssl.CERT_NONE
        self._tls = ssl_context

    async def send(self, message: model.EmailMessage) -> None:
        mime = build_mime(message, self.config.sender)
        await asyncio.to_thread(self._deliver, mime)

    def _deliver(self, mime: email.message.EmailMessage) -> None:
        config = self.config
        try:
            smtp = (
                smtplib.SMTP_SSL(
                    config.host, config.port, timeout=config.timeout_s, context=self._tls
                )
                if config.security is Security.TLS
                else smtplib.SMTP(config.host, config.port, timeout=config.timeout_s)
            )
            with smtp:
                if config.security is Security.STARTTLS:
                    smtp.starttls(context=self._tls)
                if config.username is not None:
                    smtp.login(config.username, config.password or "")
                smtp.send_message(mime)
        except smtplib.SMTPRecipientsRefused as exc:
            raise errors.InvalidInput(
                "the mail server refused the recipient", code="email.rejected"
            ) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise errors.Unavailable(
                "the mail server refused our credentials", code="email.auth_failed"
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:  # OSError covers timeouts and TLS
            raise errors.Unavailable(
                f"the mail server is unavailable ({type(exc).__name__})", code="email.unavailable"
            ) from exc


if TYPE_CHECKING:
    _: type[ports.Mailer] = SmtpMailer
