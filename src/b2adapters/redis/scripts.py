"""Lua scripts: loaded once, called by SHA (EVALSHA), reloaded when Redis has forgotten them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import attrs
from redis import exceptions as redis_errors
from redis.asyncio import cluster as redis_cluster

from b2adapters.redis import connection

Arg = str | bytes | int | float


def _sha1(script: LuaScript) -> str:
    return hashlib.sha1(script.source.encode("utf-8"), usedforsecurity=False).hexdigest()


@attrs.frozen
class LuaScript:
    """A named Lua script. Its SHA1 is computed here, exactly as Redis computes it."""

    name: str = attrs.field(validator=attrs.validators.min_len(1))
    source: str = attrs.field(validator=attrs.validators.min_len(1), repr=False)
    sha: str = attrs.field(init=False, default=attrs.Factory(_sha1, takes_self=True))


@attrs.define
class ScriptRunner:
    """Runs :class:`LuaScript` s on one client: standalone, Sentinel master or Cluster.

    The first call of a script loads it (SCRIPT LOAD; on a Cluster, on every primary); from
    then on each call is a single EVALSHA round trip. When Redis answers NOSCRIPT (after a
    SCRIPT FLUSH, a restart or a failover to a node that never saw the script), the runner
    loads it again on the node that serves the call and retries once.

    Connection failures raise ``errors.Unavailable`` (code ``redis.unavailable``), chained to
    the driver's error. Errors raised by the script itself pass through unchanged.
    """

    client: connection.RedisLike
    _loaded: set[str] = attrs.field(factory=set, init=False)

    async def load(self, *scripts: LuaScript) -> None:
        """Load ``scripts`` ahead of their first call, e.g. at start-up."""
        with connection.unavailable_on_failure():
            for script in scripts:
                await self._load(script, target=None)

    async def run(
        self, script: LuaScript, keys: Sequence[str] = (), args: Sequence[Arg] = ()
    ) -> Any:
        """Run ``script`` with ``keys`` (KEYS) and ``args`` (ARGV); return what it returns.

        On a Cluster all ``keys`` must hash to one slot: build them with one hash tag
        (see :class:`b2adapters.redis.keys.KeySpace`).
        """
        with connection.unavailable_on_failure():
            if script.sha not in self._loaded:
                await self._load(script, target=None)
            try:
                return await self.client.evalsha(script.sha, len(keys), *keys, *args)
            except redis_errors.NoScriptError:
                await self._load(script, target=keys[0] if keys else None)
                return await self.client.evalsha(script.sha, len(keys), *keys, *args)

    async def _load(self, script: LuaScript, *, target: str | None) -> None:
        client = self.client
        if isinstance(client, redis_cluster.RedisCluster) and target is not None:
            # The slot map is fresh here (EVALSHA just followed it), so this is the node that
            # answered NOSCRIPT: load it there, not on every primary again.
            node = client.get_node_from_key(target)
            sha = await client.execute_command("SCRIPT LOAD", script.source, target_nodes=node)
        else:
            sha = await client.script_load(script.source)
        if isinstance(sha, bytes):
            sha = sha.decode("ascii")
        if sha != script.sha:  # only possible if the source was re-encoded on the way
            raise RuntimeError(f"Redis computed SHA {sha} for script {script.name!r}")
        self._loaded.add(script.sha)
