"""A whole b2 application on in-memory adapters, driven through its message bus."""

from __future__ import annotations

from typing import Any

import attrs

from b2adapters.email.console import ConsoleMailer
from b2adapters.memory.clock import ManualClock
from b2app import bootstrap, settings
from b2core.messagebus import MessageBus
from b2core.platform import ports as platform_ports
from b2core.shared import time

JWT_SECRET = "test-secret-0123456789-abcdefghijklmnop"


@attrs.define
class MemoryApp:
    """The bus plus the handles tests look at: the clock, the mailbox, the container."""

    bus: MessageBus
    clock: ManualClock
    mailer: ConsoleMailer
    container: Any

    async def handle(self, command: object) -> Any:
        """Send one command through the bus."""
        return await self.bus.handle(command)


def memory_app(**overrides: Any) -> MemoryApp:
    """A fresh application: nothing shared with any other call."""
    config = settings.Settings(
        database_url=bootstrap.MEMORY_DATABASE, jwt_secret=JWT_SECRET, bcrypt_cost=4
    )
    clock, mailer = ManualClock(), ConsoleMailer()
    container = bootstrap.build_container(
        config, overrides={time.Clock: clock, platform_ports.Mailer: mailer, **overrides}
    )
    bus: MessageBus = container.resolve(MessageBus)
    return MemoryApp(bus, clock, mailer, container)
