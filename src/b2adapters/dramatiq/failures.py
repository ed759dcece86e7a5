"""FailureNotes: the middleware that writes why and how often a job failed into its message."""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq import middleware as dm
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import current_millis

from b2adapters.dramatiq import redis_xq

# Message options written by FailureNotes; dead letters read them back.
ATTEMPTS = "b2_attempts"
LAST_ERROR = "b2_last_error"
FAILED_AT = "b2_failed_at"
# Dramatiq's Retries middleware stores a full traceback in the message; it can carry customer
# text from exception messages and bloats every retried message, so it never leaves the worker.
TRACEBACK = "traceback"
MAX_ERROR_LENGTH = 500


def describe(exception: BaseException) -> str:
    """``Type: text`` of an exception, bounded in length; no traceback."""
    text = str(exception).strip()
    summary = f"{type(exception).__name__}: {text}" if text else type(exception).__name__
    return summary[:MAX_ERROR_LENGTH]


class FailureNotes(dm.Middleware):
    """Counts failed attempts and keeps the last error's type and text in the message options.

    Must come after ``Retries`` in the middleware list so that its notes are written before
    Retries re-enqueues the message. On Redis, a dead-lettered message is stored as it was last
    enqueued, so the notes of the final attempt are written into the dead-letter entry as well.
    """

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: Any,
        *,
        result: object = None,
        exception: BaseException | None = None,
    ) -> None:
        """Note a failed attempt: how many so far, what went wrong, when."""
        if exception is None:
            return
        options = message.options
        options[ATTEMPTS] = int(options.get(ATTEMPTS, 0)) + 1
        options[LAST_ERROR] = describe(exception)
        options[FAILED_AT] = current_millis()

    def before_enqueue(self, broker: dramatiq.Broker, message: Any, delay: int | None) -> None:
        """Drop the traceback Retries attached before the message is stored."""
        message.options.pop(TRACEBACK, None)

    def after_nack(self, broker: dramatiq.Broker, message: Any) -> None:
        """On Redis, store the final attempt's notes in the dead-letter entry."""
        if not isinstance(broker, RedisBroker) or ATTEMPTS not in message.options:
            return
        member = message.options.get("redis_message_id")
        if member is None:
            return
        clean = message.copy()
        clean.options.pop(TRACEBACK, None)
        redis_xq.rewrite(broker, message.queue_name, member, clean.encode())
