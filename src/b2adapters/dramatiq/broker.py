"""Dramatiq brokers for b2: StubBroker in process or RedisBroker, with b2's middleware stack."""

from __future__ import annotations

import asyncio
from typing import Any

import dramatiq
import redis
from dramatiq import middleware as dm
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from b2adapters.dramatiq import failures, loops
from b2core.shared import errors

#: Every job is tried this many times in total before it becomes a dead letter.
MAX_ATTEMPTS = 3

REDIS_SCHEMES = ("redis://", "rediss://")


def build_broker(
    url: str | None,
    *,
    namespace: str,
    min_backoff_ms: int = 1000,
    max_backoff_ms: int = 60_000,
) -> dramatiq.Broker:
    """Build the broker ``url`` names: None is an in-process StubBroker, ``redis://`` Redis.

    ``namespace`` prefixes every Redis key. Failed jobs are retried with exponential backoff
    between ``min_backoff_ms`` and ``max_backoff_ms``, :data:`MAX_ATTEMPTS` tries in total.
    Raises ``errors.InvalidInput`` (``settings.bad_broker_url``) for any other URL.
    """
    if not 1 <= min_backoff_ms <= max_backoff_ms:
        raise errors.InvalidInput(
            "broker backoff must satisfy 1 <= min <= max", code="settings.bad_broker_backoff"
        )
    stack = _middleware(min_backoff_ms, max_backoff_ms)
    if url is None:
        return StubBroker(middleware=stack)
    if url.startswith(REDIS_SCHEMES):
        if not namespace:
            raise errors.InvalidInput("a broker namespace is required", code="settings.invalid")
        # Timeouts keep a dead Redis from hanging a worker or a readiness probe for ever;
        # dramatiq issues no blocking commands, so a read timeout is safe.
        client = redis.Redis.from_url(
            url, socket_connect_timeout=5, socket_timeout=10, health_check_interval=30
        )
        return RedisBroker(  # type: ignore[no-untyped-call]  # dramatiq leaves it unannotated
            client=client, namespace=namespace, middleware=stack
        )
    raise errors.InvalidInput(
        "B2_BROKER_URL must be unset (in-process broker) or a redis:// URL",
        code="settings.bad_broker_url",
    )


def _middleware(min_backoff_ms: int, max_backoff_ms: int) -> list[dm.Middleware]:
    # Order matters: dramatiq runs "after" hooks in reverse, so FailureNotes, listed after
    # Retries, writes its notes before Retries re-enqueues the message with them.
    return [
        dm.AgeLimit(),
        dm.TimeLimit(),
        dm.ShutdownNotifications(),
        dm.Callbacks(),
        dm.Pipelines(),
        dm.Retries(
            max_retries=MAX_ATTEMPTS - 1, min_backoff=min_backoff_ms, max_backoff=max_backoff_ms
        ),
        failures.FailureNotes(),
        loops.LoopSharingAsyncIO(),
    ]


def is_redis(broker: dramatiq.Broker) -> bool:
    """True when ``broker`` keeps its queues in Redis."""
    return isinstance(broker, RedisBroker)


async def broker_ready(broker: dramatiq.Broker) -> None:
    """Readiness probe: PING the broker's Redis; an in-process broker is always ready.

    Raises ``errors.Unavailable`` (``broker.unavailable``) when Redis does not answer.
    """
    if not isinstance(broker, RedisBroker):
        return
    client: redis.Redis = broker.client
    try:
        await asyncio.to_thread(client.ping)
    except redis.RedisError as exc:
        raise errors.Unavailable("the broker does not answer", code="broker.unavailable") from exc


def close_broker(broker: dramatiq.Broker) -> None:
    """Release the broker's connections (its Redis pool); the broker is unusable afterwards."""
    broker.close()
    if isinstance(broker, RedisBroker):
        client: redis.Redis = broker.client
        client.close()


def detach_worker(broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
    """Forget a stopped worker's hook on ``broker``.

    ``Worker.start`` adds a middleware that starts a consumer for every queue declared later;
    left in place after ``stop``, it would start threads for a worker that no longer runs.
    """
    broker.middleware[:] = [m for m in broker.middleware if _owner(m) is not worker]


def _owner(middleware: Any) -> object:
    return getattr(middleware, "worker", None)
