"""What the multi-process benchmarks share: services, processes, the API as a client, figures.

A package rather than a module so that ``make bench`` (``benchmarks/*.py``) does not run it as
a benchmark. Every benchmark that starts processes makes its own PostgreSQL database and Redis
key prefix here and removes them at the end, also after an error.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
LAUNCH = str(Path(__file__).with_name("launch.py"))
POSTGRES_ADMIN = os.environ.get(
    "B2_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("B2_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
JWT_SECRET = "bench-secret-" + "x" * 40
PASSWORD = "bench-password-0123"
API = "/api/v1"


def machine() -> str:
    """One line: cores, CPU model, RAM, OS and Python."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    ram = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        ram = f"{kib / 1024 / 1024:.1f} GiB"
    return (
        f"machine: {os.cpu_count()} cores ({model}), {ram} RAM, {platform.platform()}, "
        f"python {platform.python_version()}"
    )


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def describe(latencies_ms: Sequence[float]) -> str:
    """p50 / p99 / max of a list of milliseconds."""
    return (
        f"p50 {statistics.median(latencies_ms):7.1f} ms, p99 {percentile(latencies_ms, 0.99):7.1f}"
        f" ms, max {max(latencies_ms):7.1f} ms"
    )


# --- PostgreSQL and Redis of one run ---------------------------------------------------------


def _admin(sql: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    async def run() -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run())


@contextlib.contextmanager
def postgres_database(label: str) -> Iterator[str]:
    """A database of its own for this run (SQLAlchemy asyncpg URL), dropped at the end."""
    name = f"b2bench_{label}_{os.getpid()}_{secrets.token_hex(3)}"
    _admin(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"dropped database {name}")


@contextlib.contextmanager
def redis_prefix() -> Iterator[str]:
    """A key prefix of its own for this run; every key under it is deleted at the end."""
    prefix = f"b2bench:{os.getpid()}-{secrets.token_hex(3)}:"
    try:
        yield prefix
    finally:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        removed = sum(client.delete(key) for key in client.scan_iter(f"{prefix}*", count=1000))
        client.close()
        print(f"cleaned up {removed} Redis keys under {prefix}")


# --- processes ---------------------------------------------------------------------------------


def b2_env(**settings: str) -> dict[str, str]:
    """The environment of a b2 process: no inherited ``B2_*``, quiet logs, the bench secret."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("B2_")}
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    env.update(
        B2_JWT_SECRET=JWT_SECRET,
        B2_BCRYPT_COST="4",
        B2_LOG_LEVEL="WARNING",
        B2_FIELD_ENCRYPTION_KEY=key,
    )
    env.update({f"B2_{name.upper()}": value for name, value in settings.items()})
    return env


class Processes:
    """Child processes of one run: started here, stopped (SIGINT, then SIGKILL) at the end."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []
        self.logs: dict[int, Any] = {}

    def start(self, args: Sequence[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Run ``launch.py args...`` (b2's CLI with the benchmark plan limits) in ``env``.

        Its output goes to a temporary file (a pipe nobody reads could fill and stall it).
        """
        log = tempfile.TemporaryFile()  # noqa: SIM115  # closed by stop(), after the process
        process = subprocess.Popen(
            [sys.executable, LAUNCH, *args], env=env, cwd=ROOT, stdout=log, stderr=log
        )
        self.started.append(process)
        self.logs[process.pid] = log
        return process

    def output(self, process: subprocess.Popen[bytes], chars: int = 3000) -> str:
        """The end of what ``process`` wrote so far."""
        log = self.logs[process.pid]
        log.seek(0)
        text: str = log.read().decode("utf-8", "replace")
        return text[-chars:]

    def migrate(self, database_url: str) -> None:
        """``b2 migrate`` for ``database_url``, in this process (one interpreter start less)."""
        from b2adapters.sql import migrate

        asyncio.run(migrate.upgrade(database_url))

    def stop(self, process: subprocess.Popen[bytes], *, interrupt: bool = True) -> None:
        """Stop one process cleanly (SIGINT unless sent already), or kill it after 20 s."""
        if process.poll() is None:
            if interrupt:
                process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log = self.logs.pop(process.pid, None)
        if log is not None:
            log.close()

    def stop_all(self, *, show: bool = False) -> None:
        """Stop every process started here, all at once; ``show`` prints what each wrote."""
        for process in reversed(self.started):
            if show:
                print(f"--- output of {process.args!r}:")
                print(self.output(process))
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # they shut down in parallel
        for process in reversed(self.started):
            self.stop(process, interrupt=False)
        self.started.clear()


@contextlib.contextmanager
def processes() -> Iterator[Processes]:
    """A :class:`Processes` whose children are all stopped when the block ends.

    After an error, the end of each child's output is printed first.
    """
    group = Processes()
    failed = True
    try:
        yield group
        failed = False
    finally:
        group.stop_all(show=failed)


def wait_until_up(base: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    """Wait for ``GET /health`` to answer 200; fail early if the process died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{base} did not come up in {seconds} s")


def wait_for_worker(prefix: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    """Wait until a Dramatiq worker under ``prefix`` sends heartbeats (it consumes by then)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the worker exited with {process.returncode}")
            if client.zcard(f"{prefix}dramatiq:__heartbeats__"):
                return
            time.sleep(0.1)
    finally:
        client.close()
    raise RuntimeError(f"no worker heartbeat under {prefix} in {seconds} s")


def rss_kib(pid: int) -> int:
    """The resident set of process ``pid`` in KiB (VmRSS in /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


# --- the API as a client -----------------------------------------------------------------------


def tenant_admin(base: str, business: str = "Bench Bakery") -> dict[str, str]:
    """Register a business with one catalog service; return the admin's bearer header."""
    email = f"bench-{secrets.token_hex(4)}@example.com"
    with httpx.Client(base_url=base, timeout=30) as client:
        registered = client.post(
            f"{API}/auth/register",
            json={"business_name": business, "email": email, "password": PASSWORD},
        )
        if registered.status_code != 201:
            raise RuntimeError(f"register: {registered.status_code} {registered.text}")
        login = client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
        if login.status_code != 200:
            raise RuntimeError(f"login: {login.status_code} {login.text}")
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        service = client.post(
            f"{API}/services",
            headers=headers,
            json={
                "name": "Chocolate Cake",
                "price_minor": 2500,
                "currency": "USD",
                "description": "Dark chocolate, serves eight.",
            },
        )
        if service.status_code != 201:
            raise RuntimeError(f"service: {service.status_code} {service.text}")
    return headers


def tenant_of(base: str, headers: dict[str, str]) -> str:
    """The tenant id of the signed-in user (``GET /me``)."""
    me = httpx.get(f"{base}{API}/me", headers=headers, timeout=10)
    tenant: Any = me.json()["tenant_id"]
    return str(tenant)
