"""Acceptance: scheduled messages go out exactly once with dispatchers racing in two OS
processes on the real PostgreSQL, and when a dispatcher dies holding claims.

Each process runs :func:`main` (``python -m tests.integration.test_dispatch_exactly_once``):
it runs ``LOOPS`` dispatcher loops (``DispatchDueMessagesHandler`` over ``SqlUnitOfWork``, each
with its own worker id) until no PENDING message is left. The channel is a recording sender
that writes every attempt to ``test_attempts`` and each idempotency key once to
``test_sends`` (a primary key: an idempotent channel, as the ``MessageSender`` port demands).
In "hang" mode the process stops after a few sends with its claims still held, and the test
kills it with SIGKILL.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time as wall
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest
from sqlalchemy import insert, text

from b2adapters.sql import engine as sql_engine
from b2adapters.sql import migrate, scheduling_rows
from b2adapters.sql.schema import scheduling as tables
from b2adapters.sql.uow import SqlUnitOfWork
from b2adapters.system import SystemClock, Uuid7Generator
from b2core.scheduling import commands, dispatching, model
from b2core.scheduling.handlers import dispatch
from b2core.shared import ids
from b2core.tenants import model as tenant_model
from b2core.testing import contracts
from tests.support import services

ROOT = Path(__file__).resolve().parents[2]
MODULE = "tests.integration.test_dispatch_exactly_once"
MESSAGES = 1000
TENANTS = 4
DEADLINE_S = 30.0
_SETUP = (
    "CREATE TABLE test_sends (idempotency_key text PRIMARY KEY, message_id text, worker text)",
    "CREATE TABLE test_attempts (message_id text, worker text)",
)


@attrs.define
class RecordingSender:
    """Records attempts, and each key once; in hang mode, stops forever after ``hang_after``."""

    engine: object
    worker: str
    hang_after: int = 0
    sent: int = 0

    async def send(self, outbound: dispatching.OutboundMessage) -> str:
        async with self.engine.begin() as connection:  # type: ignore[attr-defined]
            values = {"k": outbound.idempotency_key, "m": outbound.message_id, "w": self.worker}
            await connection.execute(text("INSERT INTO test_attempts VALUES (:m, :w)"), values)
            await connection.execute(
                text("INSERT INTO test_sends VALUES (:k, :m, :w) ON CONFLICT DO NOTHING"), values
            )
        self.sent += 1
        if self.hang_after and self.sent >= self.hang_after:
            print("hung", flush=True)
            await asyncio.Event().wait()  # claims held, nothing recorded: the kill comes
        return f"recorded.{outbound.message_id}"


class ActiveTenants:
    """Every tenant is active with WhatsApp on."""

    async def get(self, tenant_id: ids.TenantId) -> dispatching.TenantState:
        return dispatching.TenantState(tenant_model.TenantStatus.ACTIVE)


class OpenWindows:
    """Every customer wrote a minute ago."""

    async def last_customer_message_at(self, tenant_id: ids.TenantId, phone: str) -> datetime:
        return datetime.now(UTC) - timedelta(minutes=1)


async def _pending(engine: object) -> int:
    async with engine.connect() as connection:  # type: ignore[attr-defined]
        query = text("SELECT count(*) FROM scheduled_messages WHERE status = 'PENDING'")
        return int((await connection.execute(query)).scalar_one())


async def _loop(handler: dispatch.DispatchDueMessagesHandler, worker: str, ttl: float) -> None:
    command = commands.DispatchDueMessages(
        worker_id=worker, batch_size=20, claim_ttl=timedelta(seconds=ttl)
    )
    stop_at = wall.monotonic() + DEADLINE_S
    while wall.monotonic() < stop_at:
        report = await handler(command)
        if report.claimed == 0:
            if await _pending(handler.uow.engine) == 0:  # type: ignore[attr-defined]
                return
            await asyncio.sleep(0.1)
    raise SystemExit(f"{worker}: messages still pending after {DEADLINE_S}s")


async def _run(url: str, prefix: str, loops: int, ttl: float, hang_after: int) -> None:
    engine = sql_engine.make_engine(url, pool_size=loops * 2 + 1, max_overflow=0)
    sender = RecordingSender(engine, prefix, hang_after)
    handler = dispatch.DispatchDueMessagesHandler(
        SqlUnitOfWork(engine),
        ActiveTenants(),
        OpenWindows(),
        sender,
        SystemClock(),
        Uuid7Generator(),
    )
    try:
        if not hang_after:
            # Racing processes start together, after their imports and connections.
            await _pending(engine)
            print("ready", flush=True)
            if sys.stdin.readline().strip() != "go":
                raise SystemExit("no start signal")
        await asyncio.gather(*(_loop(handler, f"{prefix}-{n}", ttl) for n in range(loops)))
    finally:
        await engine.dispose()
    print("done", flush=True)


def main(argv: list[str]) -> None:
    """Worker entry point: ``URL PREFIX LOOPS CLAIM_TTL_S HANG_AFTER``."""
    url, prefix, loops, ttl, hang_after = argv
    asyncio.run(_run(url, prefix, int(loops), float(ttl), int(hang_after)))


def _start(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", MODULE, *map(str, args)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _go(*processes: subprocess.Popen[str]) -> None:
    for process in processes:
        assert process.stdout is not None
        assert process.stdin is not None
        assert process.stdout.readline().strip() == "ready", process.stderr
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()


def _finish(process: subprocess.Popen[str]) -> None:
    stdout, stderr = process.communicate(timeout=DEADLINE_S + 10)
    assert process.returncode == 0, stderr
    assert stdout.strip().endswith("done"), stdout


async def _seed(url: str, count: int) -> list[str]:
    now = datetime.now(UTC)
    rows = []
    for n in range(count):
        message = model.ScheduledMessage.create(
            ids.ScheduledMessageId(contracts.unique_id()),
            ids.TenantId(f"tenant-{n % TENANTS}"),
            f"+55119{n:08d}",
            model.MessageContent(f"Message {n}"),
            now,
            timezone="UTC",
            by=ids.UserId("seeder"),
            at=now,
        )
        rows.append(scheduling_rows.message_to_row(message))
    engine = sql_engine.make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DELETE FROM scheduled_messages"))
            for statement in ("DELETE FROM test_sends", "DELETE FROM test_attempts"):
                await connection.execute(text(statement))
            await connection.execute(insert(tables.scheduled_messages), rows)
    finally:
        await engine.dispose()
    return [str(row["id"]) for row in rows]


async def _outcome(url: str) -> tuple[dict[str, str], list[tuple[str, str]], dict[str, int]]:
    engine = sql_engine.make_engine(url)
    try:
        async with engine.connect() as connection:
            sends = dict(
                (await connection.execute(text("SELECT message_id, worker FROM test_sends"))).all()
            )
            attempts = (
                await connection.execute(text("SELECT message_id, worker FROM test_attempts"))
            ).all()
            statuses = dict(
                (
                    await connection.execute(
                        text("SELECT status, count(*) FROM scheduled_messages GROUP BY status")
                    )
                ).all()
            )
    finally:
        await engine.dispose()
    return sends, [tuple(a) for a in attempts], statuses


@pytest.fixture(scope="module")
def dispatch_url(postgres_url: str) -> Iterator[str]:
    """A migrated database of this module's own, with the recording sender's tables."""
    url = services.create_postgres_database(suffix="_dispatch")

    async def prepare() -> None:
        await migrate.upgrade(url)
        engine = sql_engine.make_engine(url)
        async with engine.begin() as connection:
            for statement in _SETUP:
                await connection.execute(text(statement))
        await engine.dispose()

    services.run_sync(prepare)
    yield url
    services.drop_postgres_database(url)


@pytest.mark.postgres
@pytest.mark.timeout(60)
def test_four_loops_in_two_processes_send_each_message_once(dispatch_url: str) -> None:
    expected = services.run_sync(lambda: _seed(dispatch_url, MESSAGES))
    workers = [_start(dispatch_url, f"p{n}", 2, 60, 0) for n in range(2)]
    try:
        _go(*workers)
        for worker in workers:
            _finish(worker)
    finally:
        for worker in workers:
            worker.kill()
    sends, attempts, statuses = services.run_sync(lambda: _outcome(dispatch_url))
    assert sorted(sends) == sorted(expected)
    # No message was even attempted twice: the claims alone kept the loops apart.
    assert sorted(message_id for message_id, _ in attempts) == sorted(expected)
    assert statuses == {"SENT": MESSAGES}
    assert set(sends.values()) == {"p0", "p1"}  # both processes took part


@pytest.mark.postgres
@pytest.mark.timeout(60)
def test_a_killed_dispatchers_claims_expire_and_another_sends_them_once(
    dispatch_url: str,
) -> None:
    expected = services.run_sync(lambda: _seed(dispatch_url, 200))
    doomed = _start(dispatch_url, "doomed", 1, 2, 5)  # claims 20 for 2 s, sends 5, hangs
    survivor: subprocess.Popen[str] | None = None
    try:
        assert doomed.stdout is not None
        assert doomed.stdout.readline().strip() == "hung"
        survivor = _start(dispatch_url, "survivor", 2, 60, 0)
        _go(survivor)
        wall.sleep(0.3)
        doomed.kill()  # SIGKILL: no cleanup, the claims stay until they expire
        doomed.wait(timeout=10)
        _finish(survivor)
    finally:
        doomed.kill()
        if survivor is not None:
            survivor.kill()
    sends, attempts, statuses = services.run_sync(lambda: _outcome(dispatch_url))
    assert sorted(sends) == sorted(expected)
    assert statuses == {"SENT": 200}
    by_doomed = [m for m, w in attempts if w == "doomed"]
    assert len(by_doomed) == 5
    # The first four were recorded SENT before the kill; the fifth went out but was never
    # recorded, so the survivor sent it again with the same key: the channel counted it once.
    retried = [m for m, w in attempts if w == "survivor" and m in by_doomed]
    assert len(retried) == 1
    assert retried[0] in by_doomed
    assert all(sends[m] == "doomed" for m in by_doomed)
    assert len(attempts) == 200 + 1


if __name__ == "__main__":
    main(sys.argv[1:])
