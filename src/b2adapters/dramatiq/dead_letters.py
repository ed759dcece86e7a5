"""The DeadLetters port over Dramatiq's own dead-letter storage (StubBroker or RedisBroker)."""

from __future__ import annotations

import asyncio
import re
import threading
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import q_name

from b2adapters.dramatiq import failures, redis_xq
from b2core.shared import errors, pagination, tasks

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_QUEUE = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")
# Options that describe past attempts; a requeued job starts over without them.
_RESET = frozenset(
    {
        "retries",
        "requeue_timestamp",
        "eta",
        "redis_message_id",
        failures.TRACEBACK,
        failures.ATTEMPTS,
        failures.LAST_ERROR,
        failures.FAILED_AT,
    }
)
# One lock for every StubDeadLetters: two concurrent requeues of one job must not both win.
_stub_lock = threading.Lock()


def _not_found() -> errors.NotFound:
    return errors.NotFound("no such dead letter", code="dead_letter.not_found")


def _make_id(queue_name: str, key: str) -> str:
    return f"{queue_name}:{key}"


def _parse_id(dead_letter_id: str) -> tuple[str, str]:
    # Queue names cannot contain ':' (dramatiq's rule), so the first ':' splits the id.
    queue_name, _, key = dead_letter_id.partition(":")
    if not key or not _QUEUE.fullmatch(queue_name):
        raise _not_found()
    return queue_name, key


def _millis(moment: datetime | None) -> int:
    return 0 if moment is None else (moment - _EPOCH) // timedelta(milliseconds=1)


def _moment(millis: object) -> datetime | None:
    if not isinstance(millis, int | float) or isinstance(millis, bool):
        return None
    return _EPOCH + timedelta(milliseconds=int(millis))


def _sort_key(letter: tasks.DeadLetter) -> tuple[int, str]:
    return _millis(letter.failed_at), letter.id


def _after_cursor(page: pagination.PageRequest) -> tuple[int, str] | None:
    if page.cursor is None:
        return None
    millis, letter_id = pagination.decode_cursor(page.cursor, 2)
    if not isinstance(millis, int) or not isinstance(letter_id, str):
        raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor")
    return millis, letter_id


def _newest_first(
    keys: Iterable[tuple[int, str]], page: pagination.PageRequest
) -> list[tuple[int, str]]:
    """Up to ``limit + 1`` sort keys of the page, most recent failure first."""
    after = _after_cursor(page)
    ordered = sorted(keys, reverse=True)
    if after is not None:
        ordered = [key for key in ordered if key < after]
    return ordered[: page.limit + 1]


def _letter(letter_id: str, message: Any, died_at: datetime | None) -> tasks.DeadLetter:
    options = message.options
    attempts = options.get(failures.ATTEMPTS, options.get("retries", 0))
    return tasks.DeadLetter(
        id=letter_id,
        queue_name=q_name(message.queue_name),
        actor_name=message.actor_name,
        args=tuple(message.args),
        attempts=int(attempts),
        last_error=_text_or_none(options.get(failures.LAST_ERROR)),
        failed_at=died_at,
    )


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def fresh_copy(message: Any) -> dramatiq.Message[Any]:
    """The job of a dead letter, ready to run again: same id and args, no trace of attempts."""
    options = {k: v for k, v in message.options.items() if k not in _RESET}
    return dramatiq.Message(
        queue_name=q_name(message.queue_name),
        actor_name=message.actor_name,
        args=tuple(message.args),
        kwargs=dict(message.kwargs),
        options=options,
        message_id=message.message_id,
    )


class StubDeadLetters:
    """Dead letters of an in-process StubBroker (``dead_letters_by_queue``)."""

    def __init__(self, broker: StubBroker) -> None:
        self._broker = broker

    def _snapshot(self, queue_name: str | None) -> dict[str, Any]:
        """Dead-lettered messages by dead-letter id, copied under the lock."""
        found: dict[str, Any] = {}
        with _stub_lock:
            for stored_queue, proxies in list(self._broker.dead_letters_by_queue.items()):
                if queue_name is None or q_name(stored_queue) == queue_name:
                    for proxy in proxies:
                        found[_make_id(stored_queue, proxy.message_id)] = proxy
        return found

    async def list(
        self, queue_name: str | None, page: pagination.PageRequest
    ) -> pagination.Page[tasks.DeadLetter]:
        """Dead letters of ``queue_name`` (every queue when None), most recent failure first."""
        letters = {
            letter_id: _letter(letter_id, proxy, _moment(proxy.options.get(failures.FAILED_AT)))
            for letter_id, proxy in self._snapshot(queue_name).items()
        }
        chosen = _newest_first((_sort_key(letter) for letter in letters.values()), page)
        rows = [letters[letter_id] for _, letter_id in chosen]
        return pagination.page_from_rows(rows, page.limit, _sort_key)

    def _take(self, dead_letter_id: str) -> Any:
        stored_queue, message_id = _parse_id(dead_letter_id)
        with _stub_lock:
            proxies = self._broker.dead_letters_by_queue.get(stored_queue, [])
            for index, proxy in enumerate(proxies):
                if proxy.message_id == message_id:
                    del proxies[index]
                    return proxy
        raise _not_found()

    async def requeue(self, dead_letter_id: str) -> None:
        """Put the job back on its queue with a fresh set of attempts."""
        message = fresh_copy(self._take(dead_letter_id))
        self._broker.declare_queue(message.queue_name)
        self._broker.enqueue(message)

    async def discard(self, dead_letter_id: str) -> None:
        """Delete the dead letter for good."""
        self._take(dead_letter_id)


class RedisDeadLetters:
    """Dead letters of a RedisBroker, read from the broker's own ``.XQ`` keys."""

    def __init__(self, broker: RedisBroker) -> None:
        self._broker = broker

    async def list(
        self, queue_name: str | None, page: pagination.PageRequest
    ) -> pagination.Page[tasks.DeadLetter]:
        """Dead letters of ``queue_name`` (every queue when None), most recent failure first."""
        return await asyncio.to_thread(self._list, queue_name, page)

    def _list(
        self, queue_name: str | None, page: pagination.PageRequest
    ) -> pagination.Page[tasks.DeadLetter]:
        broker = self._broker
        names = [queue_name] if queue_name else redis_xq.queues_with_dead_letters(broker)
        found = redis_xq.entries(broker, names)
        chosen = _newest_first(((ms, _make_id(q, m)) for ms, q, m in found), page)
        wanted = [_parse_id(letter_id) for _, letter_id in chosen]
        rows = []
        for (millis, letter_id), data in zip(chosen, redis_xq.fetch(broker, wanted), strict=True):
            if data is not None:  # requeued or discarded since the listing began
                message = dramatiq.Message.decode(data)
                rows.append(_letter(letter_id, message, _moment(millis)))
        return pagination.page_from_rows(rows, page.limit, _sort_key)

    async def requeue(self, dead_letter_id: str) -> None:
        """Put the job back on its queue with a fresh set of attempts."""
        await asyncio.to_thread(self._requeue, dead_letter_id)

    def _requeue(self, dead_letter_id: str) -> None:
        queue_name, member = _parse_id(dead_letter_id)
        data = redis_xq.fetch(self._broker, [(queue_name, member)])[0]
        if data is None:
            raise _not_found()
        new_member = str(uuid.uuid4())
        message = fresh_copy(dramatiq.Message.decode(data))
        message = message.copy(options={"redis_message_id": new_member})
        if not redis_xq.requeue(self._broker, queue_name, member, new_member, message.encode()):
            raise _not_found()

    async def discard(self, dead_letter_id: str) -> None:
        """Delete the dead letter for good."""
        queue_name, member = _parse_id(dead_letter_id)
        if not await asyncio.to_thread(redis_xq.discard, self._broker, queue_name, member):
            raise _not_found()


def dead_letters_for(broker: dramatiq.Broker) -> StubDeadLetters | RedisDeadLetters:
    """The DeadLetters adapter that reads ``broker``'s storage."""
    if isinstance(broker, RedisBroker):
        return RedisDeadLetters(broker)
    if isinstance(broker, StubBroker):
        return StubDeadLetters(broker)
    raise errors.NotConfigured(
        f"no dead-letter support for {type(broker).__name__}", code="dead_letter.unsupported"
    )


if TYPE_CHECKING:
    _stub: type[tasks.DeadLetters] = StubDeadLetters
    _redis: type[tasks.DeadLetters] = RedisDeadLetters
