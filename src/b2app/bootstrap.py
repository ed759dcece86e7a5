"""Composition root: the only module that knows which adapter implements which port."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import punq
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from b2adapters.crypto.passwords import BcryptPasswordHasher
from b2adapters.dramatiq import broker as dramatiq_broker
from b2adapters.redis import connection as redis_connection
from b2adapters.sql.engine import make_engine
from b2adapters.sql.uow import SqlUnitOfWork
from b2adapters.system import SystemClock, Uuid7Generator
from b2app import registry, settings
from b2app.http.lifecycle import Lifecycle
from b2app.readiness import Check, Readiness
from b2app.workers import broker as worker_broker
from b2core.iam import ports as iam_ports
from b2core.messagebus import MessageBus
from b2core.platform import ports as platform_ports
from b2core.shared import ids, time


def build_container(
    config: settings.Settings, *, overrides: Mapping[Any, Any] | None = None
) -> punq.Container:
    """Wire every port to its adapter as ``config`` says; ``overrides`` win (for tests)."""
    container = punq.Container()
    lifecycle = Lifecycle()
    checks: list[Check] = []
    container.register(settings.Settings, instance=config)
    container.register(Lifecycle, instance=lifecycle)
    container.register(time.Clock, instance=SystemClock())
    container.register(ids.IdGenerator, instance=Uuid7Generator())
    _register_database(container, config, lifecycle, checks)
    _register_redis(container, config, lifecycle, checks)
    _register_broker(container, config, checks)
    container.register(iam_ports.PasswordHasher, instance=BcryptPasswordHasher(config.bcrypt_cost))
    for handler in registry.COMMANDS.values():
        container.register(handler)
    for handlers in registry.EVENTS.values():
        for handler in handlers:
            container.register(handler)
    container.register(Readiness, instance=Readiness(tuple(checks)))
    bus = MessageBus(registry.COMMANDS, registry.EVENTS, resolve=container.resolve)
    container.register(MessageBus, instance=bus)
    for key, instance in (overrides or {}).items():
        container.register(key, instance=instance)  # last registration wins in punq
    return container


def _register_database(
    container: punq.Container,
    config: settings.Settings,
    lifecycle: Lifecycle,
    checks: list[Check],
) -> None:
    engine = make_engine(config.effective_database_url)
    uow = SqlUnitOfWork(engine)
    container.register(AsyncEngine, instance=engine)
    container.register(SqlUnitOfWork, instance=uow)
    container.register(iam_ports.IamUoW, instance=uow)
    container.register(platform_ports.PlatformUoW, instance=uow)

    async def probe() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    checks.append(Check("database", probe))
    lifecycle.on_shutdown(engine.dispose)


def _register_redis(
    container: punq.Container,
    config: settings.Settings,
    lifecycle: Lifecycle,
    checks: list[Check],
) -> None:
    if config.redis_url is None:
        return
    client = redis_connection.connect(config.redis_url)
    container.register(redis_connection.RedisLike, instance=client)

    async def probe() -> None:
        await redis_connection.ping(client)

    async def close() -> None:
        await redis_connection.close(client)

    checks.append(Check("redis", probe))
    lifecycle.on_shutdown(close)


def _register_broker(
    container: punq.Container, config: settings.Settings, checks: list[Check]
) -> None:
    broker = worker_broker.configure(config)

    async def probe() -> None:
        await dramatiq_broker.broker_ready(broker)

    checks.append(Check("broker", probe))
