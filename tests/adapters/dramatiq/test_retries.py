"""Retries on both brokers: three attempts in total, one effect, async actors included."""

from __future__ import annotations

import asyncio
from datetime import UTC

import pytest

from b2adapters.dramatiq import broker as dramatiq_broker
from b2core.shared import pagination
from tests.adapters.dramatiq.conftest import Harness

# Marked here too: anyio drops a parametrized fixture's params when the mark comes late.
pytestmark = pytest.mark.anyio

FIRST_PAGE = pagination.PageRequest()


@pytest.mark.parametrize("style", ["sync", "async"])
async def test_job_failing_twice_runs_three_times_and_has_its_effect_once(
    harness: Harness, style: str
) -> None:
    calls: list[str] = []
    effects: list[str] = []

    def attempt(order_id: str) -> None:
        calls.append(order_id)
        if len(calls) < 3:
            raise RuntimeError(f"transient failure {len(calls)}")
        effects.append(order_id)

    async def attempt_async(order_id: str) -> None:
        await asyncio.sleep(0)
        attempt(order_id)

    actor = harness.actor(attempt if style == "sync" else attempt_async, "tests.flaky")
    harness.start_worker()

    actor.send("order-1")
    await harness.join()

    assert calls == ["order-1"] * dramatiq_broker.MAX_ATTEMPTS
    assert effects == ["order-1"]
    assert (await harness.dead_letters().list(None, FIRST_PAGE)).items == ()


@pytest.mark.parametrize("style", ["sync", "async"])
async def test_job_always_failing_is_tried_three_times_then_dead_lettered_with_last_error(
    harness: Harness, style: str
) -> None:
    calls: list[str] = []

    def attempt(order_id: str, n: int) -> None:
        calls.append(order_id)
        raise ValueError(f"attempt {len(calls)} failed for {order_id}")

    async def attempt_async(order_id: str, n: int) -> None:
        await asyncio.sleep(0)
        attempt(order_id, n)

    actor = harness.actor(attempt if style == "sync" else attempt_async, "tests.doomed")
    harness.start_worker()

    actor.send("order-2", 7)
    await harness.join()

    assert len(calls) == 3
    [letter] = (await harness.dead_letters().list("jobs", FIRST_PAGE)).items
    assert letter.queue_name == "jobs"
    assert letter.actor_name == "tests.doomed"
    assert letter.args == ("order-2", 7)
    assert letter.attempts == 3
    assert letter.last_error == "ValueError: attempt 3 failed for order-2"
    assert letter.failed_at is not None
    assert letter.failed_at.tzinfo is UTC


async def test_async_actor_runs_on_an_event_loop(harness: Harness) -> None:
    seen: list[tuple[str, bool]] = []

    async def fetch(customer_id: str) -> None:
        await asyncio.sleep(0.001)
        seen.append((customer_id, asyncio.get_running_loop().is_running()))

    actor = harness.actor(fetch, "tests.fetch")
    harness.start_worker()

    actor.send("customer-9")
    await harness.join()

    assert seen == [("customer-9", True)]


async def test_retried_message_does_not_carry_a_traceback(harness: Harness) -> None:
    from dramatiq.middleware import CurrentMessage

    harness.broker.add_middleware(CurrentMessage())
    options_seen: list[dict[str, object]] = []

    def attempt() -> None:
        message = CurrentMessage.get_current_message()
        assert message is not None
        options_seen.append(dict(message.options))
        raise RuntimeError("secret customer text")

    harness.actor(attempt, "tests.tb").send()
    harness.start_worker()
    await harness.join()

    assert len(options_seen) == 3
    assert all("traceback" not in options for options in options_seen)
    assert options_seen[-1]["b2_attempts"] == 2
