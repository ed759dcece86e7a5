"""Dramatiq's dead-letter storage in Redis, read and changed with the same keys it writes.

Dramatiq's Redis broker (``dramatiq/brokers/redis/dispatch.lua``) keeps, per queue ``q``:

* ``<ns>:q`` a list of pending message ids and ``<ns>:q.msgs`` a hash id -> encoded message;
* ``<ns>:q.XQ`` a sorted set of dead-lettered ids scored by when they died (ms since epoch) and
  ``<ns>:q.XQ.msgs`` a hash id -> encoded message. Entries expire after a week.

Ids are the per-enqueue ``redis_message_id`` option. Every change below that touches more than
one key runs as one Lua script, so two operators requeueing the same dead letter cannot both
succeed and a requeued job cannot be lost between its removal and its enqueue.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import q_name

# Overwrite a dead letter's data only if it is still dead-lettered.
_REWRITE = """
if redis.call("zscore", KEYS[1], ARGV[1]) then
    redis.call("hset", KEYS[2], ARGV[1], ARGV[2])
    return 1
end
return 0
"""

# Claim the dead letter and enqueue its fresh copy in one step; 0 when someone was first.
_REQUEUE = """
if redis.call("zrem", KEYS[1], ARGV[1]) == 0 then
    return 0
end
redis.call("hdel", KEYS[2], ARGV[1])
redis.call("hset", KEYS[4], ARGV[2], ARGV[3])
redis.call("rpush", KEYS[3], ARGV[2])
return 1
"""

# Delete the dead letter; 0 when it was not there.
_DISCARD = """
if redis.call("zrem", KEYS[1], ARGV[1]) == 0 then
    return 0
end
redis.call("hdel", KEYS[2], ARGV[1])
return 1
"""

_GLOB_SPECIALS = re.compile(r"([*?\[\]\\])")


def _client(broker: RedisBroker) -> redis.Redis:
    client: redis.Redis = broker.client
    return client


def _xq(broker: RedisBroker, queue_name: str) -> tuple[str, str]:
    key = f"{broker.namespace}:{q_name(queue_name)}.XQ"
    return key, key + ".msgs"


def rewrite(broker: RedisBroker, queue_name: str, member: str, data: bytes) -> bool:
    """Replace the stored data of dead letter ``member`` if it is still there."""
    keys = _xq(broker, queue_name)
    return bool(_client(broker).eval(_REWRITE, 2, *keys, member, data))


def queues_with_dead_letters(broker: RedisBroker) -> list[str]:
    """Names of the queues that have a dead-letter set in this broker's namespace."""
    namespace = str(broker.namespace)
    pattern = _GLOB_SPECIALS.sub(r"\\\1", namespace) + ":*.XQ"
    names = set()
    for raw in _client(broker).scan_iter(match=pattern, count=500):
        key = raw.decode() if isinstance(raw, bytes) else str(raw)
        names.add(key[len(namespace) + 1 : -len(".XQ")])
    return sorted(names)


def entries(broker: RedisBroker, queue_names: Sequence[str]) -> list[tuple[int, str, str]]:
    """Every dead letter of ``queue_names`` as ``(died_at_ms, queue_name, member)``."""
    pipe = _client(broker).pipeline(transaction=False)
    for name in queue_names:
        pipe.zrange(_xq(broker, name)[0], 0, -1, withscores=True)
    found: list[tuple[int, str, str]] = []
    for name, members in zip(queue_names, pipe.execute(), strict=True):
        found += [(int(score), name, _text(member)) for member, score in members]
    return found


def fetch(broker: RedisBroker, items: Sequence[tuple[str, str]]) -> list[bytes | None]:
    """The stored data of each ``(queue_name, member)``; None for one that is gone."""
    pipe = _client(broker).pipeline(transaction=False)
    for name, member in items:
        pipe.hget(_xq(broker, name)[1], member)
    return list(pipe.execute())


def requeue(
    broker: RedisBroker, queue_name: str, member: str, new_member: str, data: bytes
) -> bool:
    """Move dead letter ``member`` back to its queue as ``new_member`` carrying ``data``."""
    queue_key = f"{broker.namespace}:{q_name(queue_name)}"
    keys = (*_xq(broker, queue_name), queue_key, queue_key + ".msgs")
    return bool(_client(broker).eval(_REQUEUE, 4, *keys, member, new_member, data))


def discard(broker: RedisBroker, queue_name: str, member: str) -> bool:
    """Delete dead letter ``member``; False when it was not there."""
    return bool(_client(broker).eval(_DISCARD, 2, *_xq(broker, queue_name), member))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
