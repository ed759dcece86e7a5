"""The periodic jobs, each a self-scheduling chain on the ``scheduling`` queue: the dispatcher's
``scheduling.dispatch_due`` every few seconds and ``scheduling.purge_old`` daily, and
``scheduling.sweep_outbox``, which enqueues the outbox entries whose fast path never ran
(see :mod:`b2core.shared.outbox`), and ``billing.expire_grants`` (on the ``billing`` queue),
which ends manual subscriptions whose period is over.

A chain is one job that, when it has run, enqueues itself again with a delay. Each run catches
its own failures, so dramatiq never retries it (a retry next to the re-enqueue would fork the
chain). A process starts its chains once (:func:`start_chains`) and records each in a
:class:`ChainRegistry`; a run goes on only while the registry says its chain is live.

* Embedded (in-process broker): the registry is this process's memory. A chain carries its
  starter's id, and a process drops the leftovers of chains it started before and has since
  replaced (after a restart of an embedded app on the same broker).
* Shared broker (``b2 worker`` processes): the registry is one Redis key per actor, and the
  newest starter wins. Every worker that boots starts a chain and replaces the previous one,
  which ends at its next run; so one chain per actor runs for the whole deployment, it
  survives the death of the process that started it (its jobs live on the broker), and
  restarts never pile chains up.

Running more chains than needed costs queries, never a duplicate send: claims make each
message one dispatcher's at a time and the idempotency key covers the rest.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol

import dramatiq
import punq
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import dq_name

from b2app.workers import runtime
from b2core.billing import commands as billing_commands
from b2core.messagebus import MessageBus
from b2core.scheduling import commands
from b2core.shared import outbox, tasks

log = logging.getLogger(__name__)

QUEUE = "scheduling"
DISPATCH_ACTOR = "scheduling.dispatch_due"
PURGE_ACTOR = "scheduling.purge_old"
DISPATCH_EVERY = timedelta(seconds=2)
PURGE_EVERY = timedelta(days=1)
FIRST_PURGE_AFTER = timedelta(minutes=1)
SWEEP_ACTOR = "scheduling.sweep_outbox"
SWEEP_EVERY = timedelta(seconds=10)
EXPIRE_ACTOR = "billing.expire_grants"
EXPIRE_EVERY = timedelta(minutes=5)
#: Dramatiq options of both actors: no retries (a run that fails waits for the next one).
OPTIONS = {"max_retries": 0}

#: This process's dispatcher id: claims name it, so it must differ between processes.
WORKER_ID = f"{socket.gethostname()[:100]}:{os.getpid()}:{secrets.token_hex(4)}"

_lock = threading.Lock()
_live: dict[str, str] = {}  # actor name -> the chain id this process runs


def _job(actor: str, chain: str) -> tasks.Job:
    # Actor "<context>.<verb>" lives on queue "<context>".
    return tasks.Job(actor_name=actor, queue_name=actor.partition(".")[0], args=(chain,))


class ChainRegistry(Protocol):
    """Which chain of each periodic actor is live."""

    async def start(self, actor: str) -> str | None:
        """Record a new chain of ``actor`` and return its id; None when one runs already."""
        ...

    async def is_live(self, actor: str, chain: str) -> bool:
        """Whether a run of ``chain`` should go on."""
        ...


class InProcessChains:
    """The registry of an embedded app: this process's memory (see the module's docs)."""

    async def start(self, actor: str) -> str | None:
        with _lock:
            if actor in _live:
                return None
            chain = f"{WORKER_ID}/{secrets.token_hex(4)}"
            _live[actor] = chain
            return chain

    async def is_live(self, actor: str, chain: str) -> bool:
        started_by = chain.rpartition("/")[0]
        if started_by != WORKER_ID:
            return True
        with _lock:
            return _live.get(actor) == chain


class RedisChains:
    """The registry of a deployment on a shared broker: one key per actor, newest wins.

    ``client`` is an asyncio redis client; ``key`` maps an actor name to its key.
    """

    def __init__(self, client: Any, key: Any) -> None:
        self._client = client
        self._key = key

    async def start(self, actor: str) -> str:
        chain = f"{WORKER_ID}/{secrets.token_hex(4)}"
        await self._client.set(self._key(actor), chain)
        return chain

    async def is_live(self, actor: str, chain: str) -> bool:
        current = await self._client.get(self._key(actor))
        if isinstance(current, bytes):
            current = current.decode()
        return bool(current == chain)


async def start_chains(queue: tasks.TaskQueue, registry: ChainRegistry | None = None) -> None:
    """Start this process's dispatch and purge chains, unless they run already."""
    registry = registry or InProcessChains()
    # The first runs wait one period too (the purge a minute): a process that has just started
    # is busy enough, and a host loop that is not serving yet cannot run them.
    chains = (
        (DISPATCH_ACTOR, DISPATCH_EVERY),
        (PURGE_ACTOR, FIRST_PURGE_AFTER),
        (SWEEP_ACTOR, SWEEP_EVERY),
        (EXPIRE_ACTOR, FIRST_PURGE_AFTER),
    )
    for actor, first in chains:
        chain = await registry.start(actor)
        if chain is not None:
            await queue.enqueue(_job(actor, chain), delay=first)


def stop_chains() -> None:
    """Forget this process's in-process chains: their next runs are dropped."""
    with _lock:
        _live.clear()


def flush_leftovers(broker: dramatiq.Broker) -> None:
    """Drop the chains' messages still waiting in an in-process broker (embedded shutdown).

    A stopped in-process worker hands its delayed messages back to the broker; left there, the
    next worker on the same broker (another app in the same process) would pick them up.
    """
    if not isinstance(broker, StubBroker):
        return
    for name in (QUEUE, dq_name(QUEUE)):
        if name in broker.queues:
            broker.flush(name)


def _registry() -> ChainRegistry:
    try:
        registry: ChainRegistry = runtime.resolve(ChainRegistry)
    except punq.MissingDependencyError:
        return InProcessChains()
    return registry


async def _run_and_reschedule(
    actor: str, chain: str, work: Callable[[], Awaitable[object]], every: timedelta
) -> None:
    registry = _registry()
    if not await registry.is_live(actor, chain):
        return
    try:
        await work()
    except Exception:  # the next run tries again; a retry here would fork the chain
        log.exception("%s failed", actor)
    finally:
        if await registry.is_live(actor, chain):
            queue: tasks.TaskQueue = runtime.resolve(tasks.TaskQueue)
            await queue.enqueue(_job(actor, chain), delay=every)


def _handle(command: object) -> Callable[[], Awaitable[object]]:
    """The work of running ``command`` through the process's message bus."""

    async def work() -> object:
        bus: MessageBus = runtime.resolve(MessageBus)
        return await bus.handle(command)

    return work


async def _sweep() -> int:
    relay: outbox.OutboxRelay = runtime.resolve(outbox.OutboxRelay)
    swept = await relay.sweep()
    if swept:
        log.warning("outbox sweep enqueued %d jobs whose fast path never ran", swept)
    return swept


async def dispatch_due(chain: str) -> None:
    """Send the due scheduled messages as this process's dispatcher, then come back soon."""
    command = commands.DispatchDueMessages(worker_id=WORKER_ID)
    await _run_and_reschedule(DISPATCH_ACTOR, chain, _handle(command), DISPATCH_EVERY)


async def expire_grants(chain: str) -> None:
    """End the manual subscriptions whose period is over, then come back in a few minutes."""
    command = billing_commands.ExpireManualGrants()
    await _run_and_reschedule(EXPIRE_ACTOR, chain, _handle(command), EXPIRE_EVERY)


async def sweep_outbox(chain: str) -> None:
    """Enqueue the outbox entries left behind by a crash, then come back in a few seconds."""
    await _run_and_reschedule(SWEEP_ACTOR, chain, _sweep, SWEEP_EVERY)


async def purge_old(chain: str) -> None:
    """Delete finished messages past their retention, then come back tomorrow."""
    command = commands.PurgeOldMessages()
    await _run_and_reschedule(PURGE_ACTOR, chain, _handle(command), PURGE_EVERY)
