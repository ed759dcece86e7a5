"""The console mailer: logs each message and keeps the latest ones readable (demo, tests)."""

from __future__ import annotations

import collections
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from b2core.platform import model, ports

log = logging.getLogger("b2.mail")


class ConsoleMailer:
    """Never sends anything: writes the message to the log and keeps the last ``keep``."""

    def __init__(self, keep: int = 100) -> None:
        self.sent: collections.deque[model.EmailMessage] = collections.deque(maxlen=keep)

    async def send(self, message: model.EmailMessage) -> None:
        self.sent.append(message)
        log.info("email to=%s subject=%s\n%s", message.to, message.subject, message.text)


if TYPE_CHECKING:
    _: type[ports.Mailer] = ConsoleMailer
