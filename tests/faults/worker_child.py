"""A real ``b2 worker`` process (Dramatiq on the Redis broker) for the worker-kill test.

Run as ``python -m tests.faults.worker_child DATABASE_URL REDIS_URL PREFIX NAME MODE``:

* the channel is a recording one: every attempt goes to ``fault_attempts`` and each
  idempotency key once to ``fault_sends`` (a primary key: an idempotent provider, as the
  ``Channel`` port expects of real ones);
* ``MODE`` ``hang-llm`` stops for ever inside the model call, ``hang-send`` inside the
  channel send after recording the attempt (both print ``hung``), ``work`` runs normally;
* the broker treats a worker as dead after :data:`HEARTBEAT_TIMEOUT_MS` without a heartbeat
  and checks for dead workers on every command, so a killed worker's unacknowledged jobs
  come back within seconds instead of dramatiq's default minute.

SIGTERM stops it cleanly (exit code 0).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from typing import Any

from dramatiq.brokers import redis as dramatiq_redis
from sqlalchemy import text

from b2adapters.sql import engine as sql_engine
from b2app import bootstrap, settings
from b2app.workers import broker as worker_broker
from b2app.workers import middleware, run
from b2core.ai import llm
from b2core.conversations import ports as conversation_ports
from b2core.shared import ids
from tests.support import memory_app

HEARTBEAT_TIMEOUT_MS = 2_000
TABLES = (
    "CREATE TABLE IF NOT EXISTS fault_sends (idempotency_key text PRIMARY KEY, worker text)",
    "CREATE TABLE IF NOT EXISTS fault_attempts (idempotency_key text, worker text)",
)


async def _hang() -> None:
    print("hung", flush=True)
    await asyncio.Event().wait()


class RecordingChannel:
    """Records each send in the database; in ``hang-send`` mode hangs after recording."""

    def __init__(self, url: str, worker: str, hang: bool) -> None:
        self.url, self.worker, self.hang = url, worker, hang
        self.engine: Any = None

    async def send_text(
        self, customer_id: str, text_: str, *, idempotency_key: str | None = None
    ) -> str:
        if self.engine is None:  # built on the worker's event loop
            self.engine = sql_engine.make_engine(self.url, pool_size=1, max_overflow=0)
        values = {"k": idempotency_key or "", "w": self.worker}
        async with self.engine.begin() as connection:
            await connection.execute(text("INSERT INTO fault_attempts VALUES (:k, :w)"), values)
            await connection.execute(
                text("INSERT INTO fault_sends VALUES (:k, :w) ON CONFLICT DO NOTHING"), values
            )
        if self.hang:
            await _hang()
        return f"recorded.{idempotency_key}"

    async def send_template(self, *args: Any, **kwargs: Any) -> str:
        raise AssertionError("the kill test sends text only")

    async def send_media(self, *args: Any, **kwargs: Any) -> str:
        raise AssertionError("the kill test sends text only")

    async def show_typing(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def mark_read(self, *args: Any, **kwargs: Any) -> None:
        return None


class RecordingDirectory:
    """Every channel of every tenant is the recording channel."""

    def __init__(self, channel: RecordingChannel) -> None:
        self.channel = channel

    async def channel_for(self, tenant_id: ids.TenantId, channel_id: ids.ChannelId) -> Any:
        return self.channel


class HangingModel:
    """A model call that never returns (the process is killed while in it)."""

    async def complete(self, request: llm.CompletionRequest) -> llm.Completion:
        await _hang()
        raise AssertionError("unreachable")


def config_for(database_url: str, redis_url: str, prefix: str) -> settings.Settings:
    """The settings the test's API and both workers share."""
    return settings.Settings(
        database_url=database_url,
        redis_url=redis_url,
        redis_prefix=prefix,
        broker_url=redis_url,
        jwt_secret=memory_app.JWT_SECRET,
        bcrypt_cost=4,
        in_process_worker=False,
    )


def main(argv: list[str]) -> None:
    """Entry point: ``DATABASE_URL REDIS_URL PREFIX NAME MODE``."""
    database_url, redis_url, prefix, name, mode = argv
    config = config_for(database_url, redis_url, prefix)
    overrides: dict[Any, Any] = {
        conversation_ports.ChannelDirectory: RecordingDirectory(
            RecordingChannel(database_url, name, hang=mode == "hang-send")
        )
    }
    if mode == "hang-llm":
        overrides[llm.LlmClient] = HangingModel()
    broker = worker_broker.configure(config)
    assert isinstance(broker, dramatiq_redis.RedisBroker)
    broker.heartbeat_timeout = HEARTBEAT_TIMEOUT_MS
    broker.maintenance_chance = dramatiq_redis.MAINTENANCE_SCALE
    for item in broker.middleware:
        if isinstance(item, middleware.ContainerMiddleware):
            item._build = lambda: bootstrap.build_container(config, overrides=overrides)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("started", flush=True)
    run.run_worker(config, threads=1, stop=stop)
    print("stopped", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
