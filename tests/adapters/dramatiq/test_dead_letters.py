"""The DeadLetters port on both brokers: list, requeue, discard, unknown ids, pages."""

from __future__ import annotations

import asyncio
import itertools
import threading

import pytest

from b2core.shared import errors, pagination
from tests.adapters.dramatiq.conftest import Harness

# Marked here too: anyio drops a parametrized fixture's params when the mark comes late.
pytestmark = pytest.mark.anyio

FIRST_PAGE = pagination.PageRequest()


async def _dead_letter_ids(harness: Harness, queue: str | None = None) -> list[str]:
    page = await harness.dead_letters().list(queue, pagination.PageRequest(limit=200))
    return [letter.id for letter in page.items]


async def test_requeue_runs_the_job_again_and_it_succeeds_once_it_can(harness: Harness) -> None:
    fixed = threading.Event()
    calls: list[str] = []
    effects: list[str] = []

    def deliver(message_id: str) -> None:
        calls.append(message_id)
        if not fixed.is_set():
            raise ConnectionError("provider down")
        effects.append(message_id)

    actor = harness.actor(deliver, "tests.deliver")
    harness.start_worker()
    actor.send("m-1")
    await harness.join()
    [letter_id] = await _dead_letter_ids(harness)

    # Given the cause is fixed, when the operator requeues, the job runs again and succeeds.
    fixed.set()
    await harness.dead_letters().requeue(letter_id)
    await harness.join()

    assert calls == ["m-1"] * 4
    assert effects == ["m-1"]
    assert await _dead_letter_ids(harness) == []


async def test_requeued_job_gets_a_fresh_set_of_attempts(harness: Harness) -> None:
    calls: list[int] = []

    def attempt() -> None:
        calls.append(1)
        raise RuntimeError(f"failure {len(calls)}")

    harness.actor(attempt, "tests.stubborn").send()
    harness.start_worker()
    await harness.join()
    [first] = (await harness.dead_letters().list(None, FIRST_PAGE)).items

    await harness.dead_letters().requeue(first.id)
    await harness.join()

    [second] = (await harness.dead_letters().list(None, FIRST_PAGE)).items
    assert len(calls) == 6
    assert second.attempts == 3
    assert second.last_error == "RuntimeError: failure 6"


async def test_discard_removes_the_dead_letter_for_good(harness: Harness) -> None:
    def attempt() -> None:
        raise RuntimeError("no")

    harness.actor(attempt, "tests.discarded", max_retries=0).send()
    harness.start_worker()
    await harness.join()
    [letter_id] = await _dead_letter_ids(harness)

    await harness.dead_letters().discard(letter_id)

    assert await _dead_letter_ids(harness) == []
    with pytest.raises(errors.NotFound):
        await harness.dead_letters().requeue(letter_id)


@pytest.mark.parametrize("letter_id", ["jobs:no-such-message", "no-colon", "", "bad queue:x"])
async def test_unknown_ids_are_not_found(harness: Harness, letter_id: str) -> None:
    with pytest.raises(errors.NotFound) as requeue_error:
        await harness.dead_letters().requeue(letter_id)
    with pytest.raises(errors.NotFound) as discard_error:
        await harness.dead_letters().discard(letter_id)
    assert requeue_error.value.code == discard_error.value.code == "dead_letter.not_found"


async def test_only_one_of_two_concurrent_requeues_wins(harness: Harness) -> None:
    def attempt() -> None:
        raise RuntimeError("no")

    harness.actor(attempt, "tests.contended", max_retries=0).send()
    harness.start_worker()
    await harness.join()
    [letter_id] = await _dead_letter_ids(harness)
    harness.stop_workers()

    outcomes = await asyncio.gather(
        harness.dead_letters().requeue(letter_id),
        harness.dead_letters().requeue(letter_id),
        return_exceptions=True,
    )

    assert sorted(type(o).__name__ for o in outcomes) == ["NoneType", "NotFound"]
    assert await _dead_letter_ids(harness) == []


async def test_list_pages_newest_first_and_filters_by_queue(harness: Harness) -> None:
    def attempt(n: int) -> None:
        raise RuntimeError(f"job {n}")

    in_jobs = harness.actor(attempt, "tests.paged", max_retries=0)
    in_other = harness.actor(attempt, "tests.other", queue="other", max_retries=0)
    harness.start_worker()
    for n in range(3):
        in_jobs.send(n)
    in_other.send(99)
    await harness.join("jobs")
    await harness.join("other")

    dead = harness.dead_letters()
    first = await dead.list(None, pagination.PageRequest(limit=3))
    assert first.next_cursor is not None
    second = await dead.list(None, pagination.PageRequest(limit=3, cursor=first.next_cursor))
    assert second.next_cursor is None
    letters = first.items + second.items
    assert sorted(int(str(letter.args[0])) for letter in letters) == [0, 1, 2, 99]
    failed = [letter.failed_at for letter in letters]
    assert all(a is not None and b is not None and a >= b for a, b in itertools.pairwise(failed))
    [other] = (await dead.list("other", FIRST_PAGE)).items
    assert (other.queue_name, other.args) == ("other", (99,))


async def test_a_forged_cursor_is_refused(harness: Harness) -> None:
    with pytest.raises(errors.InvalidInput) as error:
        await harness.dead_letters().list(None, pagination.PageRequest(cursor="not-a-cursor"))
    assert error.value.code == "pagination.bad_cursor"
