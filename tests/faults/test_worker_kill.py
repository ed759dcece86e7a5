"""A worker process is SIGKILLed in the middle of a job: the job comes back, the reply goes once.

Two real ``b2 worker`` processes (:mod:`tests.faults.worker_child`) share the Redis broker and
PostgreSQL. The first one hangs inside a job (the model call, or the channel send after the
provider got the message) and is killed; the second one gets the unacknowledged job back from
the broker and finishes it. The channel is an idempotent recorder (keyed by the message's
idempotency key), like the real providers' de-duplication the ``Channel`` port relies on.
"""

from __future__ import annotations

import queue
import secrets
import signal
import subprocess
import sys
import threading
import time as wall
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from b2adapters.sql import engine as sql_engine
from b2app.workers import broker as worker_broker
from tests.faults import worker_child
from tests.support import http_app, services

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
MODULE = "tests.faults.worker_child"
DEADLINE_S = 20.0
SERVICE = {
    "name": "Chocolate Cake",
    "description": "A rich chocolate cake for 8 people.",
    "price_minor": 250000,
    "currency": "PKR",
}


@pytest.fixture
def database_url() -> Iterator[str]:
    url = services.create_postgres_database(suffix=f"_kill{secrets.token_hex(2)}")
    services.run_sync(lambda: http_app.migrate(url))
    services.run_sync(lambda: _execute(url, *worker_child.TABLES))
    yield url
    services.drop_postgres_database(url)


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    own = f"{services.redis_prefix()}kill{secrets.token_hex(3)}:"
    yield own
    worker_broker.reset()
    services.run_sync(lambda: services.purge_redis_prefix(own))


async def _execute(url: str, *statements: str) -> list[Any]:
    engine = sql_engine.make_engine(url)
    try:
        async with engine.begin() as connection:
            results = []
            for statement in statements:
                result = await connection.execute(text(statement))
                results.append(result.all() if result.returns_rows else [])
    finally:
        await engine.dispose()
    return results


class Worker:
    """One worker process and a reader of its stdout lines."""

    def __init__(self, database_url: str, redis_url: str, prefix: str, name: str, mode: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", MODULE, database_url, redis_url, prefix, name, mode],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def wait_for(self, wanted: str, within: float = DEADLINE_S) -> None:
        deadline = wall.monotonic() + within
        while (left := deadline - wall.monotonic()) > 0:
            try:
                if self.lines.get(timeout=left) == wanted:
                    return
            except queue.Empty:
                break
        self.kill()
        raise AssertionError(f"worker never printed {wanted!r}: {self.process.stderr}")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> str:
        """SIGTERM, then its stderr; fails unless it exits with 0."""
        self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=40)
        assert self.process.returncode == 0, err
        return err


async def _messages(api: http_app.HttpApp, headers: dict[str, str]) -> list[dict[str, Any]]:
    listed = await api.client.get("/api/v1/conversations", headers=headers)
    assert listed.status_code == 200, listed.text
    found: list[dict[str, Any]] = []
    for conversation in listed.json()["items"]:
        page = await api.client.get(
            f"/api/v1/conversations/{conversation['conversation_id']}/messages", headers=headers
        )
        found += page.json()["items"]
    return found


@pytest.mark.parametrize("mode", ["hang-llm", "hang-send"])
async def test_a_killed_worker_s_job_is_redelivered_and_sent_once(
    mode: str, database_url: str, redis_url: str, prefix: str
) -> None:
    import asyncio

    config = worker_child.config_for(database_url, redis_url, prefix)
    async with http_app.running_app(config) as api:
        admin = await api.tenant_admin()
        made = await api.client.post("/api/v1/services", json=SERVICE, headers=admin.headers)
        assert made.status_code == 201, made.text
        doomed = Worker(database_url, redis_url, prefix, "doomed", mode)
        try:
            doomed.wait_for("started")
            sent = await api.client.post(
                "/api/v1/channels/simulator/inbound",
                json={"customer_id": "c-1", "text": "Tell me about the chocolate cake"},
                headers=admin.headers,
            )
            assert sent.status_code == 202, sent.text
            doomed.wait_for("hung")
        finally:
            doomed.kill()  # SIGKILL: no shutdown hook, the job stays unacknowledged
        survivor = Worker(database_url, redis_url, prefix, "survivor", "work")
        try:
            deadline = wall.monotonic() + DEADLINE_S
            while True:
                outbound = [
                    m for m in await _messages(api, admin.headers) if m["direction"] == "OUTBOUND"
                ]
                if outbound and outbound[0]["delivery_state"] == "SENT":
                    break
                assert wall.monotonic() < deadline, f"the job never came back: {outbound}"
                await asyncio.sleep(0.2)
        finally:
            survivor.stop()
        messages = await _messages(api, admin.headers)
    inbound = [m for m in messages if m["direction"] == "INBOUND"]
    (reply,) = [m for m in messages if m["direction"] == "OUTBOUND"]
    assert len(inbound) == 1
    assert reply["from_ai"]
    assert "Chocolate Cake" in (reply["text"] or "")
    sends, attempts = await _execute(
        database_url,
        "SELECT idempotency_key, worker FROM fault_sends",
        "SELECT idempotency_key, worker FROM fault_attempts ORDER BY worker",
    )
    assert len(sends) == 1, sends  # the provider got one message (one idempotency key)
    key = sends[0][0]
    if mode == "hang-llm":
        assert attempts == [(key, "survivor")]  # the doomed worker died before any send
    else:
        # The doomed worker reached the provider; the survivor repeated the same key.
        assert attempts == [(key, "doomed"), (key, "survivor")]
