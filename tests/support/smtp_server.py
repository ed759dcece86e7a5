"""A local SMTP server (aiosmtpd) that keeps what it receives, for the SMTP mailer's tests.

It listens on 127.0.0.1 on a free port, in its own thread. ``refuse`` makes it answer 550 to
one recipient; ``credentials`` makes it require AUTH (over the plain connection: loopback only)::

    with LocalSmtpServer(credentials=("mailer", "s3cret")) as server:
        mailer = SmtpMailer(SmtpConfig.from_url(server.url("mailer", "s3cret")))
"""

from __future__ import annotations

import email
import email.message
import email.policy
import socket
import threading
from types import TracebackType
from typing import Any

import attrs
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@attrs.frozen
class Delivery:
    """One message as the server took it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: email.message.EmailMessage


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Handler:
    def __init__(self, server: LocalSmtpServer) -> None:
        self._server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self._server.refused:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        with self._server.lock:
            self._server.deliveries.append(
                Delivery(envelope.mail_from, tuple(envelope.rcpt_tos), parsed)
            )
        return "250 Message accepted"


class LocalSmtpServer:
    """The server and what it received; a context manager, or start() and stop()."""

    def __init__(self, *, credentials: tuple[str, str] | None = None) -> None:
        self.lock = threading.Lock()
        self.deliveries: list[Delivery] = []
        self.refused: set[str] = set()
        self.port = free_port()
        self._credentials = credentials
        kwargs: dict[str, Any] = {}
        if credentials is not None:
            kwargs = {"authenticator": self._authenticate, "auth_require_tls": False}
            kwargs["auth_required"] = True
        self.handler = _Handler(self)
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and self._credentials == (
            auth_data.login.decode(),
            auth_data.password.decode(),
        )
        return AuthResult(success=ok, handled=False)

    def url(self, user: str | None = None, password: str | None = None, query: str = "") -> str:
        """The ``smtp://`` URL of this server."""
        auth = f"{user}:{password}@" if user is not None else ""
        suffix = f"?{query}" if query else ""
        return f"smtp://{auth}127.0.0.1:{self.port}{suffix}"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        """The messages delivered to ``address``, oldest first."""
        with self.lock:
            return [d.message for d in self.deliveries if address in d.rcpt_tos]

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> LocalSmtpServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
