"""The container of this process, reachable from actors (dramatiq calls them with ids only)."""

from __future__ import annotations

import threading
from typing import Any

import punq

from b2core.shared import errors

_lock = threading.Lock()
_container: punq.Container | None = None


def install(container: punq.Container) -> None:
    """Make ``container`` the one actors resolve their use cases from."""
    global _container
    with _lock:
        _container = container


def clear(container: punq.Container) -> None:
    """Forget ``container`` if it is still the installed one (someone else's stays)."""
    global _container
    with _lock:
        if _container is container:
            _container = None


def current() -> punq.Container:
    """The installed container; ``errors.NotConfigured`` when no worker installed one."""
    container = _container
    if container is None:
        raise errors.NotConfigured(
            "no container: actors run only inside a started worker", code="workers.no_container"
        )
    return container


def resolve(key: Any) -> Any:
    """Resolve ``key`` (a port or a handler type) from the installed container."""
    return current().resolve(key)
