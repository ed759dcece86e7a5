"""``b2 dead-letters list|requeue|discard`` on the embedded defaults (memory, StubBroker)."""

from __future__ import annotations

import json
import secrets
from typing import Any

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker

from b2adapters.dramatiq import failures
from b2app import cli, settings
from b2app.workers import broker as worker_broker


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> StubBroker:
    """The process's StubBroker, the one ``b2`` builds for these settings."""
    monkeypatch.setenv("B2_DATABASE_URL", "memory://")
    for name in ("B2_BROKER_URL", "B2_REDIS_URL", "B2_REDIS_PREFIX", "B2_MODE"):
        monkeypatch.delenv(name, raising=False)
    found = worker_broker.configure(settings.from_env())
    assert isinstance(found, StubBroker)
    return found


def _bury(broker: StubBroker, queue: str, *args: str) -> str:
    message = dramatiq.Message(
        queue_name=queue,
        actor_name="outbound.send",
        args=args,
        kwargs={},
        options={failures.ATTEMPTS: 3, failures.LAST_ERROR: "RuntimeError: down"},
    )
    broker.dead_letters_by_queue[queue].append(message)
    return f"{queue}:{message.message_id}"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = cli.main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_list_requeue_and_discard(broker: StubBroker, capsys: pytest.CaptureFixture[str]) -> None:
    queue = f"cli_{secrets.token_hex(4)}"  # the broker is shared with other tests of the run
    first, second = _bury(broker, queue, "m-1"), _bury(broker, queue, "m-2")

    code, listed = _run(capsys, "dead-letters", "list", "--queue", queue)
    assert code == 0
    assert sorted(item["id"] for item in listed["items"]) == sorted([first, second])
    shown = next(item for item in listed["items"] if item["id"] == first)
    assert (shown["args"], shown["attempts"]) == (["m-1"], 3)
    assert (shown["last_error"], shown["queue"]) == ("RuntimeError: down", queue)

    assert _run(capsys, "dead-letters", "requeue", first) == (0, {"requeued": first})
    assert broker.queues[queue].qsize() == 1
    assert _run(capsys, "dead-letters", "discard", second) == (0, {"discarded": second})
    code, listed = _run(capsys, "dead-letters", "list", "--queue", queue)
    assert (code, listed["items"]) == (0, [])
    broker.flush(queue)


def test_unknown_ids_fail_with_the_error_code(
    broker: StubBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    for action in ("requeue", "discard"):
        assert cli.main(["dead-letters", action, "jobs:no-such-message"]) == 2
        assert "dead_letter.not_found" in capsys.readouterr().err


def test_a_bad_limit_fails_with_the_error_code(
    broker: StubBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["dead-letters", "list", "--limit", "0"]) == 2
    assert "pagination.bad_limit" in capsys.readouterr().err
