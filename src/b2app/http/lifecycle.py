"""Startup and shutdown hooks that the composition root registers and the app's lifespan runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import attrs
import structlog

Hook = Callable[[], Awaitable[object]]

log = structlog.get_logger("b2.lifecycle")


@attrs.define
class Lifecycle:
    """Async callables to run once when the process starts serving and once when it stops.

    Startup hooks run in registration order and a failure stops the start. Shutdown hooks run
    in reverse order (last opened, first closed); one failing is logged and the others still run.
    """

    startup_hooks: list[Hook] = attrs.field(factory=list)
    shutdown_hooks: list[Hook] = attrs.field(factory=list)

    def on_startup(self, hook: Hook) -> Hook:
        """Register ``hook`` to run at startup; returns it, so it also works as a decorator."""
        self.startup_hooks.append(hook)
        return hook

    def on_shutdown(self, hook: Hook) -> Hook:
        """Register ``hook`` to run at shutdown; returns it, so it also works as a decorator."""
        self.shutdown_hooks.append(hook)
        return hook

    async def startup(self) -> None:
        """Run every startup hook in order."""
        for hook in self.startup_hooks:
            await hook()

    async def shutdown(self) -> None:
        """Run every shutdown hook in reverse order, logging (not raising) failures."""
        for hook in reversed(self.shutdown_hooks):
            try:
                await hook()
            except Exception:  # one broken resource must not keep the others open
                log.exception(
                    "shutdown_hook_failed", hook=getattr(hook, "__qualname__", repr(hook))
                )
