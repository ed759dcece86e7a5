"""Jobs that gave up, for super admins: ``/admin/dead-letters`` to list, requeue or discard."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

import attrs
from litestar import Controller, delete, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from b2app.http import auth, deps, pagination
from b2app.http.controllers import bodies
from b2core.iam import permissions
from b2core.shared import errors, tasks
from b2core.shared import pagination as core_pagination

_ADMIN = permissions.Action.ADMIN_DEAD_LETTERS
# The queue names brokers accept (see b2core.shared.tasks.Job).
_QUEUE = re.compile(r"[A-Za-z_][A-Za-z0-9._-]{0,99}")


@attrs.frozen
class DeadLetter:
    """A job that failed on every attempt: what it was, how often it ran, why it failed last."""

    id: str
    queue: str
    actor: str
    args: list[Any]
    attempts: int
    last_error: str | None
    failed_at: datetime | None

    @classmethod
    def of(cls, letter: tasks.DeadLetter) -> DeadLetter:
        """The operator's view of ``letter``."""
        return cls(
            letter.id,
            letter.queue_name,
            letter.actor_name,
            list(letter.args),
            letter.attempts,
            letter.last_error,
            letter.failed_at,
        )


@attrs.frozen
class DeadLetterPage:
    """One page of dead letters, most recent failure first."""

    items: list[DeadLetter]
    next_cursor: str | None


def parse_queue(value: str | None) -> str | None:
    """The ``queue`` filter; empty means every queue.

    Raises ``errors.InvalidInput`` (``dead_letter.bad_queue``) for a name no broker accepts.
    """
    if not value:
        return None
    if not _QUEUE.fullmatch(value):
        raise errors.InvalidInput(
            "queue must be letters, digits, '.', '_' or '-'", code="dead_letter.bad_queue"
        )
    return value


def _dead_letters(state: State) -> tasks.DeadLetters:
    found: tasks.DeadLetters = deps.container_of(state).resolve(tasks.DeadLetters)
    return found


def _shown(letter: tasks.DeadLetter) -> dict[str, Any]:
    return bodies.dump(DeadLetter.of(letter))


class AdminDeadLettersController(Controller):
    """Look at the jobs that gave up, send them back to their queue, or throw them away."""

    path = "/admin/dead-letters"
    tags = ["admin"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(_ADMIN),
        **bodies.answers(200, DeadLetterPage, "dead letters", (401, 403, 422)),
    )
    async def list_dead_letters(
        self,
        state: State,
        page: NamedDependency[core_pagination.PageRequest],
        queue: Annotated[
            str | None, QueryParameter(description="Only this queue's dead letters.")
        ] = None,
    ) -> dict[str, Any]:
        """Dead letters, most recent failure first, optionally of one queue."""
        found = await _dead_letters(state).list(parse_queue(queue), page)
        return pagination.render(found, item=_shown)

    @post(
        "/{dead_letter_id:str}/requeue",
        **auth.guarded(_ADMIN),
        **bodies.answers(204, None, "back on its queue", (401, 403, 404)),
    )
    async def requeue(self, dead_letter_id: FromPath[str], state: State) -> None:
        """Put the job back on its queue with a fresh set of attempts."""
        await _dead_letters(state).requeue(dead_letter_id)

    @delete(
        "/{dead_letter_id:str}",
        **auth.guarded(_ADMIN),
        **bodies.answers(204, None, "discarded", (401, 403, 404)),
    )
    async def discard(self, dead_letter_id: FromPath[str], state: State) -> None:
        """Delete the dead letter for good."""
        await _dead_letters(state).discard(dead_letter_id)
