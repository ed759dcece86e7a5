"""The message bus: dispatches commands to their one handler and events to all of theirs.

Handlers are attrs classes whose fields are ports and whose ``async __call__`` runs the use case.
The bus never builds them itself: it receives a ``resolve`` function (the composition root's
container), so b2core knows nothing of the container library.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

import attrs

from b2core.shared import errors

log = logging.getLogger(__name__)

R_co = TypeVar("R_co", covariant=True)


class Handler(Protocol[R_co]):
    """Anything awaitable with one message: a use case."""

    def __call__(self, message: Any, /) -> Awaitable[R_co]: ...


Resolve = Callable[[type[Any]], Any]


@attrs.frozen
class MessageBus:
    """Routes a command to exactly one handler, an event to zero or more."""

    commands: Mapping[type[Any], type[Any]]
    events: Mapping[type[Any], Sequence[type[Any]]] = attrs.field(factory=dict)
    resolve: Resolve = attrs.field(kw_only=True)

    async def handle(self, command: object) -> Any:
        """Run the handler registered for ``type(command)`` and return its result."""
        handler_type = self.commands.get(type(command))
        if handler_type is None:
            raise errors.NotConfigured(
                f"no handler for {type(command).__name__}", code="bus.no_handler"
            )
        handler: Handler[Any] = self.resolve(handler_type)
        return await handler(command)

    async def publish(self, event: object) -> None:
        """Deliver ``event`` to each of its handlers; one failing does not stop the others."""
        for handler_type in self.events.get(type(event), ()):
            handler: Handler[Any] = self.resolve(handler_type)
            try:
                await handler(event)
            except Exception:
                log.exception("event handler %s failed", handler_type.__name__)
