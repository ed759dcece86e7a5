"""Lua scripts on real servers: called by SHA, reloaded after a flush, routed on a Cluster."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest
import redis
from redis import exceptions as redis_errors

from b2adapters.redis import connection, keys, scripts
from b2core.shared import errors

pytestmark = pytest.mark.anyio

# Every script also sets an expiry: a key a crash leaves behind must not live forever.
COUNTER = """
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], 60)
return total
"""
PAIR = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', 60)
redis.call('SET', KEYS[2], ARGV[1], 'EX', 60)
return redis.call('MGET', KEYS[1], KEYS[2])
"""


def unique(name: str, source: str, redis_prefix: str) -> scripts.LuaScript:
    """A script whose SHA belongs to this run only, so no other client loads or runs it."""
    return scripts.LuaScript(name, f"-- {redis_prefix}{name}\n{source}")


def record_commands(client: connection.RedisLike) -> list[tuple[str, dict[str, Any]]]:
    """Record every command the client sends (name and routing options), from now on."""
    calls: list[tuple[str, dict[str, Any]]] = []
    send = client.execute_command

    async def recording(*args: Any, **options: Any) -> Any:
        calls.append((str(args[0]).upper(), options))
        return await send(*args, **options)

    client.execute_command = recording  # type: ignore[method-assign]
    return calls


def names(calls: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [name for name, _ in calls]


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[connection.RedisLike]:
    built = connection.connect(redis_url)
    yield built
    await connection.close(built)


def test_the_sha_is_computed_locally_like_redis_does() -> None:
    script = scripts.LuaScript("hello", "return 'héllo'")
    assert script.sha == hashlib.sha1("return 'héllo'".encode()).hexdigest()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        script.sha = "x"  # type: ignore[misc]
    with pytest.raises(ValueError, match="source"):
        scripts.LuaScript("empty", "")


async def test_a_script_called_by_sha_returns_its_result(
    client: connection.RedisLike, redis_prefix: str
) -> None:
    script = unique("counter", COUNTER, redis_prefix)
    runner = scripts.ScriptRunner(client)
    key = keys.KeySpace(redis_prefix).tenant("t1", "counter")

    assert await runner.run(script, [key], [5]) == 5
    assert await runner.run(script, [key], [7]) == 12
    assert 0 < await client.ttl(key) <= 60
    assert await client.script_exists(script.sha) == [True]


async def test_steady_state_is_one_evalsha_per_call(
    client: connection.RedisLike, redis_prefix: str
) -> None:
    script = unique("steady", COUNTER, redis_prefix)
    runner = scripts.ScriptRunner(client)
    key = keys.KeySpace(redis_prefix).tenant("t1", "steady")
    calls = record_commands(client)

    await runner.run(script, [key], [1])
    assert names(calls) == ["SCRIPT LOAD", "EVALSHA"]
    calls.clear()

    for _ in range(5):
        await runner.run(script, [key], [1])
    assert names(calls) == ["EVALSHA"] * 5


async def test_preloaded_scripts_start_with_evalsha(
    client: connection.RedisLike, redis_prefix: str
) -> None:
    first, second = unique("pre1", COUNTER, redis_prefix), unique("pre2", COUNTER, redis_prefix)
    runner = scripts.ScriptRunner(client)
    await runner.load(first, second)
    calls = record_commands(client)

    await runner.run(first, [f"{redis_prefix}pre:1"], [1])
    await runner.run(second, [f"{redis_prefix}pre:2"], [1])
    assert names(calls) == ["EVALSHA", "EVALSHA"]


async def test_the_runner_reloads_after_script_flush(
    client: connection.RedisLike, redis_prefix: str
) -> None:
    script = unique("flushed", COUNTER, redis_prefix)
    runner = scripts.ScriptRunner(client)
    key = keys.KeySpace(redis_prefix).tenant("t1", "flushed")
    assert await runner.run(script, [key], [1]) == 1

    await client.script_flush("SYNC")
    assert await client.script_exists(script.sha) == [False]
    calls = record_commands(client)

    assert await runner.run(script, [key], [1]) == 2
    assert names(calls) == ["EVALSHA", "SCRIPT LOAD", "EVALSHA"]
    assert await client.script_exists(script.sha) == [True]


async def test_errors_of_the_script_itself_pass_through(
    client: connection.RedisLike, redis_prefix: str
) -> None:
    failing = unique("failing", "return redis.error_reply('b2 boom')", redis_prefix)
    with pytest.raises(redis_errors.ResponseError, match="b2 boom"):
        await scripts.ScriptRunner(client).run(failing)


async def test_connection_errors_are_unavailable(redis_prefix: str) -> None:
    client = connection.connect("redis://127.0.0.1:1/0")
    script = unique("unreachable", COUNTER, redis_prefix)
    try:
        with pytest.raises(errors.Unavailable) as caught:
            await scripts.ScriptRunner(client).run(script, [f"{redis_prefix}x"], [1])
    finally:
        await connection.close(client)
    assert caught.value.code == "redis.unavailable"
    assert isinstance(caught.value.__cause__, redis_errors.ConnectionError)


async def test_scripts_run_through_a_sentinel_master(
    sentinel_ports: tuple[int, int], redis_prefix: str
) -> None:
    from tests.adapters.redis.conftest import SENTINEL_MASTER_PASSWORD, SENTINEL_SERVICE

    sentinel_port, _ = sentinel_ports
    client = connection.connect(
        f"redis+sentinel://:{SENTINEL_MASTER_PASSWORD}@127.0.0.1:{sentinel_port}/{SENTINEL_SERVICE}"
    )
    try:
        runner = scripts.ScriptRunner(client)
        key = keys.KeySpace(redis_prefix).tenant("t1", "via-sentinel")
        assert await runner.run(unique("sentinel", COUNTER, redis_prefix), [key], [3]) == 3
    finally:
        await connection.close(client)


@pytest.fixture
async def cluster(cluster_port: int) -> AsyncIterator[connection.RedisLike]:
    built = connection.connect(f"redis+cluster://127.0.0.1:{cluster_port}")
    yield built
    await connection.close(built)


async def test_on_a_cluster_one_tenants_keys_run_together(
    cluster: connection.RedisLike, redis_prefix: str
) -> None:
    space = keys.KeySpace(redis_prefix)
    runner = scripts.ScriptRunner(cluster)
    pair = unique("pair", PAIR, redis_prefix)

    same_tenant = [space.tenant("t1", "a"), space.tenant("t1", "b")]
    assert await runner.run(pair, same_tenant, ["v"]) == [b"v", b"v"]

    # Without a shared hash tag the Cluster client refuses the script (it is a bug, not an
    # outage, so it is not turned into Unavailable): this is why tenant keys carry a tag.
    two_tenants = [space.tenant("t1", "a"), space.tenant("t2", "a")]
    with pytest.raises(redis_errors.RedisClusterException, match="same key slot"):
        await runner.run(pair, two_tenants, ["v"])


async def test_on_a_cluster_a_flushed_script_is_reloaded_on_the_serving_node(
    cluster: connection.RedisLike, cluster_port: int, redis_prefix: str
) -> None:
    script = unique("cluster-counter", COUNTER, redis_prefix)
    runner = scripts.ScriptRunner(cluster)
    key = keys.KeySpace(redis_prefix).tenant("t1", "cluster-counter")
    assert await runner.run(script, [key], [1]) == 1

    node_admin = redis.Redis(port=cluster_port)
    try:
        node_admin.script_flush("SYNC")
        calls = record_commands(cluster)
        assert await runner.run(script, [key], [1]) == 2
        assert names(calls) == ["EVALSHA", "SCRIPT LOAD", "EVALSHA"]
        serving = cluster.get_node_from_key(key)  # type: ignore[union-attr]
        assert calls[1][1]["target_nodes"] == serving

        # The server's own counters agree: in the steady state only EVALSHA is sent.
        node_admin.config_resetstat()
        for _ in range(4):
            await runner.run(script, [key], [1])
        stats = node_admin.info("commandstats")
    finally:
        node_admin.close()
    assert stats["cmdstat_evalsha"]["calls"] == 4
    assert not {"cmdstat_eval", "cmdstat_script|load", "cmdstat_script"} & set(stats)
