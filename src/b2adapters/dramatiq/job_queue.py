"""DramatiqTaskQueue: the TaskQueue port, enqueueing by actor name so adapters need no actors."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import dramatiq
import redis
from dramatiq import errors as dramatiq_errors

from b2core.shared import errors, tasks

#: Message option carrying a job's idempotency key through every retry.
IDEMPOTENCY_KEY = "idempotency_key"


class DramatiqTaskQueue:
    """Enqueues jobs on a Dramatiq broker by queue and actor name.

    The actor need not be imported in this process: the worker that declares it runs the job,
    and a job for an actor no worker knows ends in the dead letters.
    """

    def __init__(self, broker: dramatiq.Broker) -> None:
        self._broker = broker

    async def enqueue(self, job: tasks.Job, *, delay: timedelta | None = None) -> None:
        """Queue ``job`` to run after ``delay``; the broker call runs off the event loop."""
        tasks.check_delay(delay)
        options: dict[str, Any] = {}
        if job.idempotency_key is not None:
            options[IDEMPOTENCY_KEY] = job.idempotency_key
        message: dramatiq.Message[Any] = dramatiq.Message(
            queue_name=job.queue_name,
            actor_name=job.actor_name,
            args=job.args,
            kwargs={},
            options=options,
        )
        delay_ms = None if not delay else delay // timedelta(milliseconds=1)
        await asyncio.to_thread(self._send, message, delay_ms)

    def _send(self, message: dramatiq.Message[Any], delay_ms: int | None) -> None:
        try:
            # Declaring is local bookkeeping (a set insert); the StubBroker needs it to accept
            # a queue whose actors live elsewhere.
            self._broker.declare_queue(message.queue_name)
            self._broker.enqueue(message, delay=delay_ms)
        except (redis.RedisError, dramatiq_errors.BrokerConnectionError) as exc:
            raise errors.Unavailable(
                "the task queue cannot be reached", code="task_queue.unavailable"
            ) from exc


if TYPE_CHECKING:
    _queue: type[tasks.TaskQueue] = DramatiqTaskQueue
