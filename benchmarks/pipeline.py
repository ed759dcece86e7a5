"""The whole inbound pipeline, end to end: messages per second and latency, against a raw queue.

Each message goes in through ``POST /api/v1/channels/simulator/inbound`` of a running ``b2
serve`` (uvicorn, its own process), through the queue to a worker, the pipeline (governance on
the real limits code, the offline catalog model, guardrails), the reply recorded in the database
and sent by the ``conversations.send`` job. Latency is measured per message, from the moment the
API answered 202 (wall clock of this process) to the reply's ``created_at`` (recorded in the
pipeline's final transaction) and to its ``delivery_updated_at`` when the simulator took it
(SENT). All processes run on this machine, so their clocks are the same clock.

Setups, each on a database and Redis prefix of its own, dropped at the end:

- **embedded**: ``b2 serve`` on its defaults: SQLite, Dramatiq's StubBroker and the workers
  inside the API process, no Redis;
- **postgres+redis, 1 worker / 2 workers**: ``b2 serve`` plus one or two ``b2 worker``
  processes, PostgreSQL, Redis for governance and Dramatiq's RedisBroker.

Baseline, in the same run: **raw dramatiq** - the same RedisBroker with the same number of
worker processes and threads, and an actor that only records the time it ran (one HSET), fed
the same number of messages from this process. The ratio pipeline / raw says how much of the
queue's own speed the product keeps while doing its work.

The plan limits (tenant burst, quotas) are raised for the run by ``bench_support/launch.py``
so that every message takes the full path; each message comes from a customer of its own.

Run: ``.venv/bin/python benchmarks/pipeline.py`` (or ``nox -s bench``); ``--messages N``
(default 600), ``--warmup W`` (default 20, not measured), ``--concurrency C`` (default 16
requests in flight), ``--threads T`` (worker threads per process, default 8), ``--setups
embedded,pg1,pg2`` to choose. Needs PostgreSQL at
``B2_BENCH_POSTGRES_URL`` and Redis at ``B2_BENCH_REDIS_URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import bench_support as bench
import httpx
import sqlalchemy as sa
from bench_support import launch
from sqlalchemy.ext.asyncio import create_async_engine

from b2adapters.sql.schema import conversations as schema

SETUPS = ("embedded", "pg1", "pg2")


@dataclass
class Figures:
    """One setup's result: throughput and the two latencies (milliseconds)."""

    name: str
    messages: int
    seconds: float
    recorded_ms: list[float]
    sent_ms: list[float]
    span: str = "accepted->recorded"

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    def line(self) -> str:
        sent = f"; to SENT {bench.describe(self.sent_ms)}" if self.sent_ms else ""
        return (
            f"{self.name:<24} {self.rate:8.1f} msg/s ({self.messages} in {self.seconds:.1f} s);"
            f" {self.span} {bench.describe(self.recorded_ms)}{sent}"
        )


async def _send_all(
    base: str, headers: dict[str, str], tag: str, n: int, c: int
) -> dict[str, float]:
    """POST ``n`` customer messages, ``c`` at a time; the wall time each one was accepted."""
    accepted: dict[str, float] = {}
    counter = iter(range(n))
    limits = httpx.Limits(max_connections=c)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, timeout=60, limits=limits
    ) as client:

        async def one_at_a_time() -> None:
            for i in counter:
                customer = f"{tag}-{i:06d}"
                response = await client.post(
                    f"{bench.API}/channels/simulator/inbound",
                    json={"customer_id": customer, "text": "How much is the chocolate cake?"},
                )
                if response.status_code != 202:
                    raise RuntimeError(f"inbound: {response.status_code} {response.text}")
                accepted[customer] = time.time()

        await asyncio.gather(*(one_at_a_time() for _ in range(c)))
    return accepted


async def _replies(
    database_url: str, tag: str, n: int, within: float
) -> dict[str, tuple[datetime, datetime | None]]:
    """Poll the database until the ``n`` replies of this run are recorded (and sent, briefly)."""
    engine = create_async_engine(database_url)
    m, c = schema.messages, schema.conversations
    query = (
        sa.select(c.c.customer_id, m.c.created_at, m.c.delivery_state, m.c.delivery_updated_at)
        .join(c, sa.and_(c.c.id == m.c.conversation_id, c.c.tenant_id == m.c.tenant_id))
        .where(m.c.direction == "OUTBOUND", c.c.customer_id.like(f"{tag}-%"))
    )
    found: dict[str, tuple[datetime, datetime | None]] = {}
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            async with engine.connect() as connection:
                rows = (await connection.execute(query)).all()
            found = {
                row.customer_id: (
                    row.created_at,
                    row.delivery_updated_at if row.delivery_state == "SENT" else None,
                )
                for row in rows
            }
            if len(found) >= n and all(sent is not None for _, sent in found.values()):
                break
            if len(found) >= n and deadline - time.monotonic() > 10:
                deadline = time.monotonic() + 10  # recorded: wait a little for the sends
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()
    if len(found) < n:
        raise RuntimeError(f"only {len(found)} of {n} replies were recorded in {within:.0f} s")
    return found


def _figures(
    name: str,
    started: float,
    accepted: dict[str, float],
    replies: dict[str, tuple[datetime, datetime | None]],
) -> Figures:
    recorded = [(replies[k][0].timestamp() - t) * 1000 for k, t in accepted.items()]
    sent = [(s.timestamp() - t) * 1000 for k, t in accepted.items() if (s := replies[k][1])]
    last = max(r.timestamp() for r, _ in replies.values())
    return Figures(name, len(accepted), last - started, recorded, sent)


def run_pipeline(
    name: str, database_url: str, env: dict[str, str], workers: int, args: argparse.Namespace
) -> Figures:
    """Migrate, serve, start ``workers`` worker processes, play the messages, collect figures."""
    port = bench.free_port()
    base = f"http://127.0.0.1:{port}"
    with bench.processes() as group:
        group.migrate(database_url)
        api = group.start(["serve"], {**env, "B2_PORT": str(port)})
        for _ in range(workers):
            group.start(["worker", "--threads", str(args.threads)], env)
        bench.wait_until_up(base, api)
        headers = bench.tenant_admin(base)
        tag = f"bench{secrets.token_hex(3)}"
        warm = asyncio.run(_send_all(base, headers, f"{tag}w", args.warmup, 4))
        asyncio.run(_replies(database_url, f"{tag}w", len(warm), 60))
        started = time.time()
        accepted = asyncio.run(_send_all(base, headers, tag, args.messages, args.concurrency))
        replies = asyncio.run(_replies(database_url, tag, args.messages, args.timeout))
    return _figures(name, started, accepted, replies)


def run_raw(workers: int, args: argparse.Namespace) -> Figures:
    """The baseline: the same number of no-op jobs through RedisBroker to the same workers."""
    import redis
    from dramatiq.brokers.redis import RedisBroker

    with bench.redis_prefix() as prefix, bench.processes() as group:
        namespace = f"{prefix}dramatiq"
        for _ in range(workers):
            group.start(["noop-worker", bench.REDIS_URL, namespace, str(args.threads)], {})
        broker = RedisBroker(url=bench.REDIS_URL, namespace=namespace)  # type: ignore[no-untyped-call]
        actor = launch.declare_noop(broker, bench.REDIS_URL, namespace)
        client = redis.Redis.from_url(bench.REDIS_URL)
        done_key = f"{namespace}:done"
        try:
            for n in range(args.warmup):  # warm up: the workers are running
                actor.send(-1 - n)
            _wait_hash(client, done_key, args.warmup, 60)
            client.delete(done_key)
            started = time.time()
            sent_at: dict[int, float] = {}
            for n in range(args.messages):
                actor.send(n)
                sent_at[n] = time.time()
            done = _wait_hash(client, done_key, args.messages, args.timeout)
        finally:
            broker.close()
            client.close()
    ran = {int(k): float(v) for k, v in done.items()}
    latencies = [(ran[n] - t) * 1000 for n, t in sent_at.items()]
    name = f"raw dramatiq, {workers} worker(s)"
    span = max(ran.values()) - started
    return Figures(name, args.messages, span, latencies, [], "enqueued->ran")


def _wait_hash(client: object, key: str, n: int, timeout: float) -> dict[bytes, bytes]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found: dict[bytes, bytes] = client.hgetall(key)  # type: ignore[attr-defined]
        if len(found) >= n:
            return found
        time.sleep(0.05)
    raise RuntimeError(f"the baseline workers ran {len(found)} of {n} jobs in {timeout:.0f} s")


@contextlib.contextmanager
def embedded_database() -> Iterator[str]:
    """The embedded default: a SQLite file in a temporary data directory."""
    with tempfile.TemporaryDirectory(prefix="b2bench-") as folder:
        yield f"sqlite+aiosqlite:///{Path(folder) / 'b2.db'}"


def main() -> None:
    """Parse the flags, run each chosen setup and its baseline, print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--warmup", type=int, default=20, help="messages before measuring")
    parser.add_argument("--setups", default=",".join(SETUPS))
    args = parser.parse_args()
    setups = [s for s in args.setups.split(",") if s]
    if unknown := set(setups) - set(SETUPS):
        parser.error(f"unknown setups: {', '.join(sorted(unknown))}")
    print(bench.machine())
    print(
        f"{args.messages} messages per setup, {args.concurrency} requests in flight, "
        f"{args.threads} worker threads per process"
    )
    results: list[tuple[Figures, Figures | None]] = []
    if "embedded" in setups:
        with embedded_database() as url:
            env = bench.b2_env(database_url=url)
            figures = run_pipeline("embedded (sqlite, stub)", url, env, 0, args)
        print(figures.line())
        results.append((figures, None))
    for workers in (1, 2):
        if f"pg{workers}" not in setups:
            continue
        raw = run_raw(workers, args)
        print(raw.line())
        with bench.postgres_database(f"pipeline{workers}") as url, bench.redis_prefix() as prefix:
            env = bench.b2_env(
                database_url=url,
                redis_url=bench.REDIS_URL,
                broker_url=bench.REDIS_URL,
                redis_prefix=prefix,
                in_process_worker="false",
            )
            figures = run_pipeline(f"postgres+redis, {workers} worker(s)", url, env, workers, args)
        print(figures.line())
        results.append((figures, raw))
    print("summary:")
    for measured, baseline in results:
        ratio = f", ratio to raw dramatiq {measured.rate / baseline.rate:.3f}" if baseline else ""
        print(
            f"  {measured.name:<30} {measured.rate:8.1f} msg/s, p50 "
            f"{statistics.median(measured.recorded_ms):.0f} ms, p99 "
            f"{bench.percentile(measured.recorded_ms, 0.99):.0f} ms{ratio}"
        )


if __name__ == "__main__":
    main()
