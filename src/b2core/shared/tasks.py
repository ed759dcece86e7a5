"""Background jobs: the queue the core hands work to, and the dead letters of jobs that gave up."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Protocol

import attrs

from b2core.shared import errors, pagination

# Actor and queue names travel to the broker as they are; this is the set every broker accepts.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")
MAX_NAME_LENGTH = 100

#: The longest delay a job may be scheduled with (brokers keep delayed jobs for a week at most).
MAX_DELAY = timedelta(days=7)


def _check_name(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if len(value) > MAX_NAME_LENGTH or not _NAME.fullmatch(value):
        raise errors.InvalidInput(
            f"{attribute.name} must be letters, digits, '.', '_' or '-'", code="task.bad_name"
        )


def _check_args(_: object, __: attrs.Attribute[tuple[str | int, ...]], value: object) -> None:
    # Jobs carry ids, not objects: only strings and integers cross the queue.
    if not isinstance(value, tuple) or not all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in value
    ):
        raise errors.InvalidInput("job args must be a tuple of str or int", code="task.bad_args")


@attrs.frozen
class Job:
    """One unit of background work: run ``actor_name`` on ``queue_name`` with ``args``.

    ``idempotency_key`` travels with the job through every retry, so that the work it starts
    (an outbound send, say) can recognise a repeat and have its effect once.
    """

    actor_name: str = attrs.field(validator=_check_name)
    queue_name: str = attrs.field(validator=_check_name)
    args: tuple[str | int, ...] = attrs.field(default=(), validator=_check_args)
    idempotency_key: str | None = None


def check_delay(delay: timedelta | None) -> None:
    """Refuse a negative delay or one longer than :data:`MAX_DELAY` (``task.bad_delay``)."""
    if delay is not None and not timedelta(0) <= delay <= MAX_DELAY:
        raise errors.InvalidInput(
            f"a job delay must be between 0 and {MAX_DELAY.days} days", code="task.bad_delay"
        )


class TaskQueue(Protocol):
    """Hands jobs to the workers. The job runs later, in another thread or process."""

    async def enqueue(self, job: Job, *, delay: timedelta | None = None) -> None:
        """Queue ``job`` to run after ``delay`` (now when None).

        Raises ``errors.InvalidInput`` (``task.bad_delay``) for a delay outside
        0..:data:`MAX_DELAY` and ``errors.Unavailable`` when the broker cannot be reached.
        """
        ...


@attrs.frozen
class DeadLetter:
    """A job that failed on every attempt and was set aside for an operator to look at.

    ``last_error`` is the type and text of the final failure (never a traceback); ``failed_at``
    is None when the broker did not record when the job gave up.
    """

    id: str
    queue_name: str
    actor_name: str
    args: tuple[object, ...]
    attempts: int
    last_error: str | None
    failed_at: datetime | None


class DeadLetters(Protocol):
    """The jobs that gave up: list them, send one back to its queue, or throw one away."""

    async def list(
        self, queue_name: str | None, page: pagination.PageRequest
    ) -> pagination.Page[DeadLetter]:
        """Dead letters of ``queue_name`` (every queue when None), most recent failure first."""
        ...

    async def requeue(self, dead_letter_id: str) -> None:
        """Put the job back on its queue with a fresh set of attempts; it leaves the dead letters.

        Raises ``errors.NotFound`` (``dead_letter.not_found``) for an unknown id, including one
        that another caller requeued or discarded first.
        """
        ...

    async def discard(self, dead_letter_id: str) -> None:
        """Delete the dead letter for good.

        Raises ``errors.NotFound`` (``dead_letter.not_found``) for an unknown id.
        """
        ...


class PingRecorder(Protocol):
    """Notes that a worker ran a ``ping`` job: proves queue, worker and container end to end."""

    async def record_ping(self, token: str) -> None:
        """Remember that the ping carrying ``token`` ran."""
        ...
