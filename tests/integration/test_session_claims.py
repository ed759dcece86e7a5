"""Two worker processes race for 20 bridge sessions on the real Redis; a killed one hands over.

Each process runs :func:`main` (``python -m tests.integration.test_session_claims``): it builds
the Redis claims, prints ``ready``, waits for ``go <instant>`` on stdin and for that wall-clock
instant, then every heartbeat renews what it holds and claims what is free, printing one JSON
line ``{"held": [...]}`` per round. It stops by itself after ``RUN_FOR`` seconds.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from b2adapters.redis import claims as redis_claims
from b2adapters.redis import connection
from b2adapters.redis.keys import KeySpace
from b2core.conversations import sessions

ROOT = Path(__file__).resolve().parents[2]
SESSIONS = [f"tenant-{n}:bridge" for n in range(20)]
TTL = timedelta(seconds=1)
RUN_FOR = 12.0  # seconds: a worker the test forgets still stops by itself
SAMPLES = 8
SAMPLE_EVERY = 0.15  # 8 samples span more than one TTL: the claims must have been renewed

pytestmark = [pytest.mark.redis, pytest.mark.timeout(30)]


async def _work(url: str, prefix: str, name: str, instant: float) -> None:
    client = connection.connect(url)
    claims = redis_claims.RedisSessionClaims(client, KeySpace(prefix))
    order = list(SESSIONS)
    random.Random(name).shuffle(order)  # each worker tries the sessions in its own order
    held: set[str] = set()
    try:
        await asyncio.sleep(max(instant - time.time(), 0))
        deadline = time.monotonic() + RUN_FOR
        while time.monotonic() < deadline:
            for session in order:
                if session in held:
                    if not await claims.renew(session, name, TTL):
                        held.discard(session)
                elif await claims.claim(session, name, TTL):
                    held.add(session)
            print(json.dumps({"held": sorted(held)}), flush=True)
            await asyncio.sleep(sessions.heartbeat_interval(TTL).total_seconds())
    finally:
        await connection.close(client)


def main(argv: list[str]) -> None:
    """Worker entry point: ``URL PREFIX NAME``; then ``go <instant>`` on stdin."""
    url, prefix, name = argv
    print("ready", flush=True)
    instant = float(sys.stdin.readline().split()[1])
    asyncio.run(_work(url, prefix, name, instant))


class _Worker:
    """A worker process and the latest set of sessions it believes it holds."""

    def __init__(self, name: str, url: str, prefix: str) -> None:
        self.name = name
        self.held: set[str] = set()
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.test_session_claims", url, prefix, name],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip() == "ready":
                self.ready.set()
            elif line.startswith("{"):
                self.held = set(json.loads(line)["held"])

    def go(self, instant: float) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"go {instant}\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=5)


@pytest.fixture
async def workers(redis_url: str, redis_prefix: str) -> AsyncIterator[list[_Worker]]:
    prefix = f"{redis_prefix}claims-race:"
    started = [_Worker(name, redis_url, prefix) for name in ("worker-a", "worker-b")]
    try:
        yield started
    finally:
        for worker in started:
            worker.stop()


async def _owners(claims: redis_claims.RedisSessionClaims) -> dict[str, str | None]:
    return {session: await claims.owner(session) for session in SESSIONS}


async def _wait_for(claims: redis_claims.RedisSessionClaims, names: set[str]) -> dict[str, str]:
    """Owners once every session is held by one of ``names`` (fails after 3 s)."""
    owners: dict[str, str | None] = {}
    for _ in range(60):
        owners = await _owners(claims)
        if all(owner in names for owner in owners.values()):
            return {session: str(owner) for session, owner in owners.items()}
        await asyncio.sleep(0.05)
    raise AssertionError(f"sessions not all held by {names}: {owners}")


async def test_one_owner_per_session_and_takeover_after_a_crash(
    workers: list[_Worker], redis_url: str, redis_prefix: str
) -> None:
    client = connection.connect(redis_url)
    claims = redis_claims.RedisSessionClaims(client, KeySpace(f"{redis_prefix}claims-race:"))
    try:
        for worker in workers:
            assert worker.ready.wait(timeout=10), f"{worker.name} did not start"
        instant = time.time() + 0.2
        for worker in workers:
            worker.go(instant)
        names = {worker.name for worker in workers}
        first = await _wait_for(claims, names)

        # While both live, every session has exactly one owner, the same at every sample
        # (the claims outlive their 1 s TTL by renewal), and the workers' beliefs agree.
        for _ in range(SAMPLES):
            await asyncio.sleep(SAMPLE_EVERY)
            assert await _owners(claims) == first
            a, b = (worker.held for worker in workers)
            assert not a & b
        victim = max(workers, key=lambda w: sum(o == w.name for o in first.values()))
        heir = next(worker for worker in workers if worker is not victim)
        orphaned = {session for session, owner in first.items() if owner == victim.name}
        assert orphaned
        assert victim.held == orphaned

        # When the victim dies without releasing, its sessions stay blocked until they expire...
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(timeout=5)
        await asyncio.sleep(0.3)
        assert await _owners(claims) == first
        # ... and then the survivor takes every one of them over within a TTL and a heartbeat.
        await _wait_for(claims, {heir.name})
        await asyncio.sleep(sessions.heartbeat_interval(TTL).total_seconds() + 0.1)
        assert heir.held == set(SESSIONS)
    finally:
        await connection.close(client)


if __name__ == "__main__":
    main(sys.argv[1:])
