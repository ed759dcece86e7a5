"""Composition root: the only module that knows which adapter implements which port."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import punq
from sqlalchemy import text

from b2adapters.crypto.jwt_codec import JwtTokenCodec
from b2adapters.crypto.passwords import BcryptPasswordHasher
from b2adapters.dramatiq import broker as dramatiq_broker
from b2adapters.dramatiq import dead_letters, job_queue
from b2adapters.memory import sessions as memory_sessions
from b2adapters.memory.uow import InMemoryUnitOfWork
from b2adapters.redis import connection as redis_connection
from b2adapters.sql.engine import make_engine
from b2adapters.sql.uow import SqlUnitOfWork
from b2adapters.system import SystemClock, Uuid7Generator
from b2app import (
    pipeline_wiring,
    registry,
    settings,
    wiring_billing,
    wiring_billing_http,
    wiring_bridge,
    wiring_channels,
    wiring_email,
    wiring_media,
    wiring_platform,
    wiring_privacy,
    wiring_scheduling,
    wiring_secrets,
    wiring_sending,
    wiring_sessions,
    wiring_stripe,
    wiring_tracing,
)
from b2app.http.lifecycle import Lifecycle
from b2app.readiness import Check, Readiness
from b2app.workers import broker as worker_broker
from b2app.workers import pings
from b2app.workers.embedded import InProcessWorker
from b2core.ai import handlers as ai_handlers
from b2core.conversations import ports as conversations_ports
from b2core.iam import ports as iam_ports
from b2core.messagebus import MessageBus
from b2core.orders import ports as orders_ports
from b2core.pipeline import ports as pipeline_ports
from b2core.platform import analytics as platform_analytics
from b2core.platform import ports as platform_ports
from b2core.shared import ids, tasks, time

MEMORY_DATABASE = "memory://"

# Every port the unit of work object serves (one adapter satisfies all context protocols).
UOW_PORTS: tuple[Any, ...] = (
    iam_ports.IamUoW,
    iam_ports.AccountsUoW,
    platform_ports.PlatformUoW,
    orders_ports.OrdersUoW,
    conversations_ports.ConversationsUoW,
    pipeline_ports.PipelineUoW,
    ai_handlers.AiUoW,
    platform_analytics.AnalyticsUoW,
)


@attrs.define
class Wiring:
    """What the registration steps share while the container is being built."""

    container: punq.Container
    config: settings.Settings
    lifecycle: Lifecycle = attrs.field(factory=Lifecycle)
    checks: list[Check] = attrs.field(factory=list)
    redis: Any = None

    def singleton(self, key: Any, factory: Callable[[], Any]) -> None:
        """Register ``key`` built once, on first use, after overrides are in place."""
        self.container.register(key, factory=factory, scope=punq.Scope.singleton)


def build_container(
    config: settings.Settings, *, overrides: Mapping[Any, Any] | None = None
) -> punq.Container:
    """Wire every port to its adapter as ``config`` says; ``overrides`` win (for tests).

    ``database_url="memory://"`` gives a complete in-memory application (embedding, tests).
    """
    wiring = Wiring(punq.Container(), config)
    container = wiring.container
    container.register(settings.Settings, instance=config)
    container.register(Lifecycle, instance=wiring.lifecycle)
    container.register(time.Clock, instance=SystemClock())
    container.register(ids.IdGenerator, instance=Uuid7Generator())
    _register_database(wiring)
    _register_redis(wiring)
    _register_security(wiring)
    _register_broker(wiring)
    wiring_email.register(wiring)
    wiring_secrets.register(wiring)
    pipeline_wiring.register(wiring)
    wiring_scheduling.register(wiring)
    wiring_platform.register(wiring)
    wiring_channels.register(wiring)
    wiring_bridge.register(wiring)
    wiring_sending.register(wiring)
    wiring_sessions.register(wiring)
    wiring_privacy.register(wiring)
    wiring_billing.register(wiring)
    wiring_media.register(wiring)  # before billing_http: a configured B2_MEDIA_URL wins
    wiring_billing_http.register(wiring)
    wiring_stripe.register(wiring)
    _register_handlers(container)
    wiring_tracing.register(wiring)  # after the handlers: it wraps them and the bus
    container.register(Readiness, instance=Readiness(tuple(wiring.checks)))
    for key, instance in (overrides or {}).items():
        container.register(key, instance=instance)  # last registration wins in punq
    return container


def _register_handlers(container: punq.Container) -> None:
    for service in registry.SERVICES:
        container.register(service)
    for handler in registry.COMMANDS.values():
        container.register(handler)
    for handlers in registry.EVENTS.values():
        for handler in handlers:
            container.register(handler)
    bus = MessageBus(registry.COMMANDS, registry.EVENTS, resolve=container.resolve)
    container.register(MessageBus, instance=bus)


def _register_database(wiring: Wiring) -> None:
    url = wiring.config.effective_database_url
    if url == MEMORY_DATABASE:
        uow: Any = InMemoryUnitOfWork()
    else:
        engine = make_engine(url)
        uow = SqlUnitOfWork(engine)

        async def probe() -> None:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))

        wiring.checks.append(Check("database", probe))
        wiring.lifecycle.on_shutdown(engine.dispose)
    wiring.container.register(type(uow), instance=uow)
    for port in UOW_PORTS:
        wiring.container.register(port, instance=uow)


def _register_redis(wiring: Wiring) -> None:
    if wiring.config.redis_url is None:
        return
    client = redis_connection.connect(wiring.config.redis_url)
    wiring.redis = client

    async def probe() -> None:
        await redis_connection.ping(client)

    async def close() -> None:
        await redis_connection.close(client)

    wiring.checks.append(Check("redis", probe))
    wiring.lifecycle.on_shutdown(close)


def _register_security(wiring: Wiring) -> None:
    config, container = wiring.config, wiring.container
    container.register(iam_ports.PasswordHasher, instance=BcryptPasswordHasher(config.bcrypt_cost))
    previous = [s for s in (config.jwt_previous_secrets or "").split(",") if s]

    def clock() -> time.Clock:
        resolved: time.Clock = container.resolve(time.Clock)
        return resolved

    wiring.singleton(
        iam_ports.TokenCodec,
        lambda: JwtTokenCodec(
            config.jwt_secret or "",
            issuer=config.jwt_issuer,
            audience=config.jwt_audience,
            clock=clock(),
            previous=previous,
        ),
    )

    if wiring.redis is None:
        wiring.singleton(
            iam_ports.TokenRevocations,
            lambda: memory_sessions.InMemoryTokenRevocations(clock()),
        )
        wiring.singleton(
            iam_ports.LoginThrottle, lambda: memory_sessions.InMemoryLoginThrottle(clock())
        )
    else:
        from b2adapters.redis import sessions as redis_sessions
        from b2adapters.redis.keys import KeySpace

        keys = KeySpace(config.redis_prefix)
        container.register(
            iam_ports.TokenRevocations,
            instance=redis_sessions.RedisTokenRevocations(wiring.redis, keys),
        )
        container.register(
            iam_ports.LoginThrottle,
            instance=redis_sessions.RedisLoginThrottle(wiring.redis, keys),
        )


def _register_broker(wiring: Wiring) -> None:
    config, container = wiring.config, wiring.container
    broker = worker_broker.configure(config)
    container.register(tasks.TaskQueue, instance=job_queue.DramatiqTaskQueue(broker))
    container.register(tasks.DeadLetters, instance=dead_letters.dead_letters_for(broker))
    container.register(tasks.PingRecorder, instance=pings.RecentPings())

    async def probe() -> None:
        await dramatiq_broker.broker_ready(broker)

    wiring.checks.append(Check("broker", probe))
    if config.broker_url is None and config.in_process_worker:
        # Embedded mode: the API process runs the workers on its own event loop.
        worker: list[InProcessWorker] = []

        async def start() -> None:
            worker.append(InProcessWorker.for_container(container))
            await worker[0].start()

        async def stop() -> None:
            if worker:
                await worker.pop().stop()

        wiring.lifecycle.on_startup(start)
        wiring.lifecycle.on_shutdown(stop)
