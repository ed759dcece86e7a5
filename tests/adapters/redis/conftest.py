"""Private Redis servers for the Sentinel and Cluster tests, started from the redis-server binary.

The shared test Redis (``redis_url``) is a plain standalone server, so the tests that need a
Sentinel or a Cluster start their own on free loopback ports and stop them by process id.
Without the binary they skip locally and fail in CI, like the shared services.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from tests.support import services

SENTINEL_SERVICE = "b2test"
SENTINEL_MASTER_PASSWORD = "master-secret"


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port(*, cluster_bus: bool = False) -> int:
    """A free loopback port; with ``cluster_bus`` also a free port 10000 above it, which a
    Cluster node opens for its bus (so the port must stay below 55536)."""
    for _ in range(200):
        port = random.randrange(20000, 45000)  # below the kernel's ephemeral range
        if _bindable(port) and (not cluster_bus or _bindable(port + 10000)):
            return port
    raise RuntimeError("no free port for a test Redis")


def _wait(check: Callable[[], object], what: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except redis.RedisError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up within {seconds}s")
        time.sleep(0.05)


def _start(args: list[str], port: int, password: str | None = None) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    if binary is None:
        services.unavailable("redis-server", FileNotFoundError("redis-server is not installed"))
    process = subprocess.Popen([binary or "redis-server", *args], stdout=subprocess.DEVNULL)
    probe = redis.Redis(port=port, password=password, socket_timeout=1)
    try:
        _wait(probe.ping, f"redis-server on port {port}")
    except Exception:
        _stop(process)
        raise
    finally:
        probe.close()
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _server_args(port: int, directory: Path) -> list[str]:
    return ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(directory)]  # fmt: skip


@pytest.fixture(scope="session")
def cluster_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Port of a one-node Redis Cluster that serves all 16384 slots."""
    directory = tmp_path_factory.mktemp("redis-cluster")
    port = _free_port(cluster_bus=True)
    config = ["--cluster-enabled", "yes", "--cluster-config-file", str(directory / "nodes.conf")]
    process = _start([*_server_args(port, directory), *config], port)
    try:
        admin = redis.Redis(port=port, decode_responses=True)
        admin.cluster("ADDSLOTSRANGE", "0", "16383")
        # A fresh node waits about two seconds before it declares the cluster ok.
        _wait(lambda: admin.cluster("INFO")["cluster_state"] == "ok", "cluster")
        admin.close()
        yield port
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def sentinel_ports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    """Ports of a Sentinel and of the private password-protected master it calls ``b2test``."""
    directory = tmp_path_factory.mktemp("redis-sentinel")
    master_port, port = _free_port(), _free_port()
    master_args = [*_server_args(master_port, directory), "--requirepass", SENTINEL_MASTER_PASSWORD]
    master = _start(master_args, master_port, SENTINEL_MASTER_PASSWORD)
    config = directory / "sentinel.conf"
    config.write_text(
        f"port {port}\nbind 127.0.0.1\ndir {directory}\n"
        f"sentinel monitor {SENTINEL_SERVICE} 127.0.0.1 {master_port} 1\n"
        f"sentinel auth-pass {SENTINEL_SERVICE} {SENTINEL_MASTER_PASSWORD}\n"
        f"sentinel down-after-milliseconds {SENTINEL_SERVICE} 60000\n"
    )
    try:
        sentinel = _start([str(config), "--sentinel"], port)
    except Exception:
        _stop(master)
        raise
    try:
        yield port, master_port
    finally:
        _stop(sentinel)
        _stop(master)
