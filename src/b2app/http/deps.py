"""Dependencies every handler may ask for, resolved from the container kept in ``app.state``."""

from __future__ import annotations

from typing import Any

import punq
from litestar.datastructures import State
from litestar.di import Provide

from b2app import settings
from b2core.messagebus import MessageBus

CONTAINER_KEY = "container"


def container_of(state: State) -> punq.Container:
    """The composition root's container that ``create_app`` stored in the app state."""
    container: punq.Container = state[CONTAINER_KEY]
    return container


def resolve_optional(container: punq.Container, key: Any) -> Any | None:
    """Resolve ``key`` from ``container``, or None when nothing is registered for it."""
    try:
        return container.resolve(key)
    except punq.MissingDependencyError:
        return None


def provide_bus(state: State) -> MessageBus:
    """The message bus: controllers turn requests into commands and hand them to it."""
    bus: MessageBus = container_of(state).resolve(MessageBus)
    return bus


def provide_settings(state: State) -> settings.Settings:
    """The settings this process runs with."""
    config: settings.Settings = container_of(state).resolve(settings.Settings)
    return config


DEPENDENCIES: dict[str, Provide] = {
    "bus": Provide(provide_bus, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
}
