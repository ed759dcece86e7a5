"""Connections on real servers: standalone, Sentinel and Cluster; readiness fails fast."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest
import redis
from redis import exceptions as redis_errors
from redis.asyncio import cluster as redis_cluster

from b2adapters.redis import connection
from b2core.shared import errors
from tests.adapters.redis.conftest import SENTINEL_MASTER_PASSWORD, SENTINEL_SERVICE

# Marked here, not only by the suite conftest, so that parametrized async tests keep their
# parameters (a marker added after collection loses them).
pytestmark = pytest.mark.anyio


async def test_connect_and_ping_the_test_redis(redis_url: str, redis_prefix: str) -> None:
    client = connection.connect(redis_url)
    try:
        await connection.ping(client)
        key = f"{redis_prefix}connection:hello"
        assert await client.set(key, "world", ex=60)
        assert await client.get(key) == b"world"
    finally:
        await connection.close(client)


async def test_decode_responses_gives_text(redis_url: str, redis_prefix: str) -> None:
    client = connection.connect(redis_url, decode_responses=True)
    try:
        key = f"{redis_prefix}connection:decoded"
        await client.set(key, "é", ex=60)
        assert await client.get(key) == "é"
    finally:
        await connection.close(client)


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:1/0",
        "redis+sentinel://127.0.0.1:1/nothing",
        "redis+cluster://127.0.0.1:1",
    ],
)
async def test_ping_on_an_unreachable_port_is_unavailable_quickly(url: str) -> None:
    client = connection.connect(url)
    started = time.monotonic()
    try:
        with pytest.raises(errors.Unavailable) as caught:
            await connection.ping(client)
    finally:
        await connection.close(client)
    assert time.monotonic() - started < connection.PING_TIMEOUT
    assert caught.value.code == "redis.unavailable"
    assert connection.is_transient(caught.value.__cause__)  # type: ignore[arg-type]


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A TCP port that accepts connections and never answers."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up and closes
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()


async def test_ping_gives_up_within_its_deadline(silent_port: int) -> None:
    client = connection.connect(f"redis://127.0.0.1:{silent_port}/0")
    started = time.monotonic()
    try:
        with pytest.raises(errors.Unavailable) as caught:
            await connection.ping(client, within=0.3)
    finally:
        await connection.close(client)
    assert time.monotonic() - started < 1.5
    assert isinstance(caught.value.__cause__, TimeoutError)


def test_programming_errors_are_not_turned_into_unavailable() -> None:
    with pytest.raises(redis_errors.ResponseError), connection.unavailable_on_failure():
        raise redis_errors.ResponseError("WRONGTYPE Operation against a key")


def _client_count(port: int, password: str | None = None) -> int:
    """Clients connected to the server on ``port``, besides the Sentinel's own and this probe."""
    admin = redis.Redis(port=port, password=password, decode_responses=True)
    try:
        clients = admin.client_list()
        return sum(1 for c in clients if not c["name"].startswith("sentinel-")) - 1
    finally:
        admin.close()


async def _eventually(check: Callable[[], bool]) -> bool:
    for _ in range(40):
        if check():
            return True
        await asyncio.sleep(0.05)
    return check()


async def test_sentinel_url_reaches_the_master_with_its_password(
    sentinel_ports: tuple[int, int], redis_prefix: str
) -> None:
    sentinel_port, master_port = sentinel_ports
    client = connection.connect(
        f"redis+sentinel://:{SENTINEL_MASTER_PASSWORD}@127.0.0.1:{sentinel_port}/"
        f"{SENTINEL_SERVICE}/0"
    )
    await connection.ping(client)
    key = f"{redis_prefix}sentinel:hello"
    assert await client.set(key, "1", ex=60)
    assert await client.get(key) == b"1"
    assert (await client.info("server"))["tcp_port"] == master_port
    assert _client_count(sentinel_port) >= 1

    await connection.close(client)

    # Nothing is left open, on the master or on the Sentinel.
    assert await _eventually(lambda: _client_count(sentinel_port) == 0)
    assert await _eventually(lambda: _client_count(master_port, SENTINEL_MASTER_PASSWORD) == 0)


async def test_cluster_url_reaches_the_cluster(cluster_port: int, redis_prefix: str) -> None:
    client = connection.connect(f"redis+cluster://127.0.0.1:{cluster_port}", decode_responses=True)
    try:
        await connection.ping(client)
        key = f"{redis_prefix}cluster:hello"
        assert await client.set(key, "1", ex=60)
        assert await client.get(key) == "1"
        assert isinstance(client, redis_cluster.RedisCluster)
        assert [node.port for node in client.get_primaries()] == [cluster_port]
    finally:
        await connection.close(client)
