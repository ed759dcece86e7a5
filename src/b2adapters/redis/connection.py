"""Redis clients from a URL (standalone, Sentinel, Cluster), readiness, error translation."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any, TypeAlias, cast

import redis.asyncio as aioredis
from redis import exceptions as redis_errors
from redis.asyncio import cluster as redis_cluster
from redis.asyncio import sentinel as redis_sentinel
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff

from b2adapters.redis import urls
from b2core.shared import errors

RedisLike: TypeAlias = aioredis.Redis | redis_cluster.RedisCluster
"""What :func:`connect` returns; both speak the same command API (scripts, keys, PING)."""

UNAVAILABLE = "redis.unavailable"

# Every limiter and counter call is one short script, so a few seconds without an answer means
# the server (or the network to it) is in trouble: fail fast and let the caller degrade.
SOCKET_CONNECT_TIMEOUT = 2.0
SOCKET_TIMEOUT = 3.0
# PING a pooled connection idle this long before reusing it, so one dropped by a failover,
# a proxy or a NAT timeout is replaced instead of failing the next command.
HEALTH_CHECK_INTERVAL = 15
PING_TIMEOUT = 2.0

# Errors that mean "Redis cannot be reached or cannot serve right now", as opposed to a bug
# (a wrong command, a failing script), which must surface as it is.
_TRANSIENT: tuple[type[BaseException], ...] = (
    redis_errors.ConnectionError,  # also refused, auth, loading, master not found
    redis_errors.TimeoutError,
    redis_errors.ClusterError,  # CLUSTERDOWN, MASTERDOWN
    redis_errors.TryAgainError,  # slot migrating during resharding
    redis_errors.ReadOnlyError,  # wrote to a replica just demoted by a failover
    redis_errors.SlotNotCoveredError,
    OSError,
    TimeoutError,
)


def connect(url: str, *, decode_responses: bool = False) -> RedisLike:
    """Build the client a Redis URL asks for, without connecting yet.

    ``redis://``, ``rediss://`` and ``unix://`` give a standalone client;
    ``redis+sentinel://[:password@]host:26379[,host:26379]/<service>[/<db>]`` a client of the
    service's current master, found through the Sentinels; ``redis+cluster://host:port[,...]``
    a Cluster client seeded with those nodes.

    Raises:
        errors.InvalidInput: code ``settings.bad_redis_url`` when the URL is malformed.
    """
    target = urls.parse(url)
    common = _connection_options(target, decode_responses=decode_responses)
    if target.kind == "cluster":
        return _cluster(target, common)
    if target.kind == "sentinel":
        return _sentinel_master(target, common)
    if target.unix_path is not None:
        return aioredis.Redis(unix_socket_path=target.unix_path, db=target.db, **common)
    endpoint = target.endpoints[0]
    return aioredis.Redis(
        host=endpoint.host, port=endpoint.port, db=target.db, ssl=target.tls, **common
    )


def _connection_options(target: urls.RedisUrl, *, decode_responses: bool) -> dict[str, Any]:
    options: dict[str, Any] = {
        "username": target.username,
        "password": target.password,
        "decode_responses": decode_responses,
        "socket_connect_timeout": SOCKET_CONNECT_TIMEOUT,
        "socket_timeout": SOCKET_TIMEOUT,
        "socket_keepalive": True,
        "health_check_interval": HEALTH_CHECK_INTERVAL,
        # A few quick retries ride out a blip (a failover, a dropped connection) without
        # holding a request for long; the defaults would retry ten times.
        "retry": Retry(ExponentialWithJitterBackoff(base=0.02, cap=0.5), retries=3),
    }
    options.update(target.options)  # the URL's own settings win over the defaults
    return options


def _cluster(target: urls.RedisUrl, common: dict[str, Any]) -> redis_cluster.RedisCluster:
    nodes = [redis_cluster.ClusterNode(e.host, e.port) for e in target.endpoints]
    return redis_cluster.RedisCluster(startup_nodes=nodes, ssl=target.tls, **common)


def _sentinel_master(target: urls.RedisUrl, common: dict[str, Any]) -> aioredis.Redis:
    sentinel_options = {k: v for k, v in common.items() if k.startswith("socket_")}
    sentinel_options["password"] = target.sentinel_password
    sentinel_options["retry"] = common["retry"]
    manager = redis_sentinel.Sentinel(  # type: ignore[no-untyped-call]
        [(e.host, e.port) for e in target.endpoints],
        sentinel_kwargs=sentinel_options,
        # The password of the URL is the data nodes' (master and replicas); Sentinels often
        # have none, or another one given as ?sentinel_password=.
        **common,
    )
    service = target.service_name or ""  # never empty: the parser requires it for Sentinel
    return cast(aioredis.Redis, manager.master_for(service, db=target.db, ssl=target.tls))


async def ping(client: RedisLike, *, within: float = PING_TIMEOUT) -> None:
    """Check that Redis answers, within ``within`` seconds (for readiness probes).

    Raises:
        errors.Unavailable: code ``redis.unavailable``, chained to the driver's error.
    """
    with unavailable_on_failure():
        async with asyncio.timeout(within):
            await client.ping()


async def close(client: RedisLike) -> None:
    """Close the client's connections, and for Sentinel those to the Sentinels too."""
    pool = getattr(client, "connection_pool", None)
    await client.aclose()
    if isinstance(pool, redis_sentinel.SentinelConnectionPool):
        for sentinel in pool.sentinel_manager.sentinels:
            await sentinel.aclose()


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` means Redis is unreachable or briefly unable to serve."""
    if isinstance(exc, _TRANSIENT):
        return True
    # The Cluster client wraps "no seed node answered" in its generic exception.
    return isinstance(exc, redis_errors.RedisClusterException) and isinstance(
        exc.__cause__, _TRANSIENT
    )


@contextlib.contextmanager
def unavailable_on_failure() -> Iterator[None]:
    """Turn transient driver errors raised inside the block into ``errors.Unavailable``.

    Other errors (a script failing, a wrong type) pass through unchanged: they are bugs to see.
    """
    try:
        yield
    except Exception as exc:
        if not is_transient(exc):
            raise
        message = f"Redis did not answer ({type(exc).__name__})"
        raise errors.Unavailable(message, code=UNAVAILABLE) from exc
