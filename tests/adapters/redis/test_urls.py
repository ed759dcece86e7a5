"""Redis URLs: every scheme parses to the right client and settings; bad ones fail clearly."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis
from redis.asyncio import cluster as redis_cluster
from redis.asyncio import connection as redis_connection
from redis.asyncio import sentinel as redis_sentinel

from b2adapters.redis import connection, urls
from b2core.shared import errors


def test_redis_url_gives_host_port_db_and_credentials() -> None:
    parsed = urls.parse("redis://app:p%40ss@cache.internal:6380/3")
    assert parsed == urls.RedisUrl(
        kind="standalone",
        endpoints=(urls.Endpoint("cache.internal", 6380),),
        db=3,
        username="app",
        password="p@ss",
    )


def test_defaults_fill_port_and_db() -> None:
    parsed = urls.parse("redis://localhost")
    assert parsed.endpoints == (urls.Endpoint("localhost", 6379),)
    assert (parsed.db, parsed.tls, parsed.password) == (0, False, None)


def test_password_stays_out_of_repr() -> None:
    assert "s3cret" not in repr(urls.parse("redis://:s3cret@h/0"))
    assert "s3cret" not in repr(urls.parse("redis+sentinel://h/m?sentinel_password=s3cret"))


def test_query_options_are_typed() -> None:
    parsed = urls.parse("rediss://h/1?socket_timeout=0.5&health_check_interval=7&client_name=b2")
    assert parsed.tls
    assert parsed.options == {
        "socket_timeout": 0.5,
        "health_check_interval": 7,
        "client_name": "b2",
    }


def test_ipv6_hosts() -> None:
    parsed = urls.parse("redis+cluster://[::1]:7000,[fe80::1]")
    assert parsed.endpoints == (urls.Endpoint("::1", 7000), urls.Endpoint("fe80::1", 6379))


def test_sentinel_url_gives_sentinels_service_and_db() -> None:
    parsed = urls.parse("redis+sentinel://:pw@s1:26379,s2:26380,s3/mymaster/2")
    assert parsed.kind == "sentinel"
    assert parsed.endpoints == (
        urls.Endpoint("s1", 26379),
        urls.Endpoint("s2", 26380),
        urls.Endpoint("s3", 26379),
    )
    assert (parsed.service_name, parsed.db, parsed.password) == ("mymaster", 2, "pw")


def test_cluster_url_gives_seed_nodes() -> None:
    parsed = urls.parse("redis+cluster://u:pw@n1:7000,n2:7001/?ssl=true")
    assert parsed.kind == "cluster"
    assert parsed.endpoints == (urls.Endpoint("n1", 7000), urls.Endpoint("n2", 7001))
    assert (parsed.username, parsed.password, parsed.tls) == ("u", "pw", True)


def test_unix_url_gives_socket_path_and_db() -> None:
    parsed = urls.parse("unix://:pw@/run/redis/redis.sock?db=4")
    assert (parsed.unix_path, parsed.db, parsed.password) == ("/run/redis/redis.sock", 4, "pw")
    assert parsed.endpoints == ()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "scheme"),
        ("localhost:6379", "scheme"),
        ("http://h", "scheme"),
        ("redis://", "no host"),
        ("redis://h:0", "port"),
        ("redis://h:65536", "port"),
        ("redis://h:x", "port"),
        ("redis://h:", "port"),
        ("redis://h/x", "database"),
        ("redis://h/1/2", "path"),
        ("redis://h/1?db=2", "twice"),
        ("redis://a,b", "only one host"),
        ("redis://h?ssl=true", "does not apply"),
        ("redis://h?nope=1", "unknown option"),
        ("redis://h?socket_timeout=fast", "socket_timeout"),
        ("redis://h?socket_timeout=0", "socket_timeout"),
        ("redis://h?db=1&db=2", "twice"),
        ("redis://h#frag", "fragment"),
        ("redis://[::1", "IPv6"),
        ("redis://[::1]x", "IPv6"),
        ("redis://:@h", "empty password"),
        ("redis://h,", "host"),
        ("unix://", "socket path"),
        ("unix://host/tmp/r.sock", "no host"),
        ("redis+sentinel://s1:26379", "service_name"),
        ("redis+sentinel://s1:26379/", "service_name"),
        ("redis+sentinel://s1/m/0/1", "service_name"),
        ("redis+sentinel://s1/m/x", "database"),
        ("redis+sentinel:///m", "no host"),
        ("redis+cluster://n1:7000/1", "only database 0"),
        ("redis+cluster://n1:7000?db=1", "does not apply"),
        ("redis+cluster://n1:7000?ssl=maybe", "true or false"),
        ("redis+cluster://n1:7000?a=1&&", "malformed query"),
        ("redis+cluster://n1:7000?sentinel_password=x", "does not apply"),
    ],
)
def test_malformed_urls_are_invalid_input_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(errors.InvalidInput, match=reason) as caught:
        connection.connect(url)
    assert caught.value.code == "settings.bad_redis_url"


def test_error_message_never_repeats_the_password() -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        urls.parse("redis://:hunter2@h:99999/0")
    assert "hunter2" not in str(caught.value)


async def test_standalone_client_carries_timeouts_and_health_checks() -> None:
    client = connection.connect("redis://:pw@h:6380/2", decode_responses=True)
    try:
        assert type(client) is aioredis.Redis
        options = client.connection_pool.connection_kwargs
        assert (options["host"], options["port"], options["db"]) == ("h", 6380, 2)
        assert options["password"] == "pw"
        assert options["decode_responses"] is True
        assert options["socket_timeout"] == connection.SOCKET_TIMEOUT
        assert options["socket_connect_timeout"] == connection.SOCKET_CONNECT_TIMEOUT
        assert options["health_check_interval"] == connection.HEALTH_CHECK_INTERVAL
        assert client.connection_pool.connection_class is redis_connection.Connection
    finally:
        await connection.close(client)


async def test_url_options_override_the_defaults() -> None:
    client = connection.connect("redis://h?socket_timeout=0.25&max_connections=4")
    try:
        assert isinstance(client, aioredis.Redis)
        assert client.connection_pool.connection_kwargs["socket_timeout"] == 0.25
        assert client.connection_pool.max_connections == 4
    finally:
        await connection.close(client)


async def test_rediss_uses_tls_and_unix_uses_the_socket() -> None:
    tls = connection.connect("rediss://h")
    unix = connection.connect("unix:///tmp/redis.sock?db=1")
    try:
        assert isinstance(tls, aioredis.Redis)
        assert isinstance(unix, aioredis.Redis)
        assert tls.connection_pool.connection_class is redis_connection.SSLConnection
        pool = unix.connection_pool
        assert pool.connection_class is redis_connection.UnixDomainSocketConnection
        assert (pool.connection_kwargs["path"], pool.connection_kwargs["db"]) == (
            "/tmp/redis.sock",
            1,
        )
    finally:
        await connection.close(tls)
        await connection.close(unix)


async def test_sentinel_client_follows_the_service_master() -> None:
    client = connection.connect(
        "redis+sentinel://:data-pw@s1:26379,s2:26380/mymaster/2?sentinel_password=sent-pw"
    )
    try:
        assert type(client) is aioredis.Redis
        pool = client.connection_pool
        assert isinstance(pool, redis_sentinel.SentinelConnectionPool)
        assert pool.service_name == "mymaster"
        assert pool.is_master
        assert pool.connection_kwargs["db"] == 2
        assert pool.connection_kwargs["password"] == "data-pw"
        sentinels = [s.connection_pool.connection_kwargs for s in pool.sentinel_manager.sentinels]
        assert [(s["host"], s["port"]) for s in sentinels] == [("s1", 26379), ("s2", 26380)]
        assert {s["password"] for s in sentinels} == {"sent-pw"}
        assert {s["socket_timeout"] for s in sentinels} == {connection.SOCKET_TIMEOUT}
    finally:
        await connection.close(client)


async def test_cluster_client_is_seeded_with_every_node() -> None:
    client = connection.connect("redis+cluster://:pw@n1:7000,n2:7001", decode_responses=True)
    try:
        assert isinstance(client, redis_cluster.RedisCluster)
        assert set(client.nodes_manager.startup_nodes) == {"n1:7000", "n2:7001"}
        options = client.get_connection_kwargs()
        assert options["password"] == "pw"
        assert options["decode_responses"] is True
        assert options["socket_timeout"] == connection.SOCKET_TIMEOUT
        assert options["health_check_interval"] == connection.HEALTH_CHECK_INTERVAL
    finally:
        await connection.close(client)
