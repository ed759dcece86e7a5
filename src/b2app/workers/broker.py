"""The process's Dramatiq broker: built from settings, set globally, then actors declared on it.

Dramatiq binds actors to a broker when they are declared, so the order is fixed here: build the
broker, ``dramatiq.set_broker``, then declare the actors of :mod:`b2app.workers.actors`.
:func:`configure` is idempotent for the same broker settings, because both the composition root
and the worker entry points call it and they must share one broker.
"""

from __future__ import annotations

import functools
import importlib
import threading

import dramatiq
import punq

from b2adapters.dramatiq import broker as dramatiq_broker
from b2app import settings
from b2app.workers import actors, middleware

_lock = threading.Lock()
_configured: tuple[tuple[str | None, str], dramatiq.Broker] | None = None


def namespace(config: settings.Settings) -> str:
    """The Redis key namespace of the broker: under ``B2_REDIS_PREFIX``."""
    return f"{config.redis_prefix}dramatiq"


def _build_container(config: settings.Settings) -> punq.Container:
    bootstrap = importlib.import_module("b2app.bootstrap")
    container: punq.Container = bootstrap.build_container(config)
    return container


def configure(config: settings.Settings) -> dramatiq.Broker:
    """The broker for ``config``: built, set as dramatiq's global broker, actors declared.

    A second call with the same ``broker_url`` and ``redis_prefix`` returns the same broker.
    Raises ``errors.InvalidInput`` (``settings.bad_broker_url``) for an unusable URL.
    """
    global _configured
    key = (config.broker_url, namespace(config))
    with _lock:
        if _configured is not None and _configured[0] == key:
            return _configured[1]
        broker = dramatiq_broker.build_broker(config.broker_url, namespace=key[1])
        # Added last, after AsyncIO: its shutdown hook then runs while the loop still runs.
        broker.add_middleware(
            middleware.ContainerMiddleware(build=functools.partial(_build_container, config))
        )
        dramatiq.set_broker(broker)
        actors.register(broker)
        _configured = (key, broker)
        return broker


def reset() -> None:
    """Forget and close the configured broker (end of a worker run, and tests)."""
    global _configured
    with _lock:
        previous, _configured = _configured, None
    if previous is not None:
        dramatiq_broker.close_broker(previous[1])
