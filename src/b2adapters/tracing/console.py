"""ConsoleTracer: every finished span becomes one JSON line on a logger."""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

import attrs

from b2core.platform import tracing

LOGGER_NAME = "b2.tracing"


@attrs.define
class ConsoleSpan:
    """A span being recorded: ids, timing, attributes and the error that ended it (if any)."""

    name: str
    trace_id: str
    span_id: str
    parent_id: str | None
    started_at: datetime
    attributes: dict[str, tracing.AttributeValue] = attrs.field(factory=dict)
    error: str | None = None

    def set_attribute(self, key: str, value: tracing.AttributeValue) -> None:
        """Attach ``key=value``."""
        self.attributes.update(tracing.clean_attributes({key: value}))

    def record_error(self, error: BaseException) -> None:
        """Remember the error's type and message."""
        self.error = f"{type(error).__name__}: {error}"


# The innermost open span of the running task; asyncio copies it into each new task.
_CURRENT: ContextVar[ConsoleSpan | None] = ContextVar("b2_console_span", default=None)


def active_trace_id() -> str | None:
    """The trace id of the console span open in this task (for log lines), or None."""
    current = _CURRENT.get()
    return None if current is None else current.trace_id


class ConsoleTracer:
    """Writes finished spans as JSON lines (``name``, ids, ``duration_ms``, attributes, error).

    Ids have OpenTelemetry's shapes (32 and 16 hex digits), so logs and traces can be joined.
    """

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._log = logger or logging.getLogger(LOGGER_NAME)

    @contextmanager
    def span(
        self, name: str, attributes: Mapping[str, tracing.AttributeValue] | None = None
    ) -> Iterator[tracing.Span]:
        """Open a child of the current span (or a new trace) around the block."""
        parent = _CURRENT.get()
        span = ConsoleSpan(
            name=name,
            trace_id=parent.trace_id if parent else secrets.token_hex(16),
            span_id=secrets.token_hex(8),
            parent_id=parent.span_id if parent else None,
            started_at=datetime.now(UTC),
            attributes=tracing.clean_attributes(attributes),
        )
        token = _CURRENT.set(span)
        started = time.perf_counter()
        try:
            yield span
        except BaseException as error:
            span.record_error(error)
            raise
        finally:
            _CURRENT.reset(token)
            self._emit(span, time.perf_counter() - started)

    def current_trace_id(self) -> str | None:
        """The trace id of the innermost open span of this task."""
        return active_trace_id()

    def _emit(self, span: ConsoleSpan, seconds: float) -> None:
        line = {
            "span": span.name,
            "trace_id": span.trace_id,
            "span_id": span.span_id,
            "parent_id": span.parent_id,
            "start": span.started_at.isoformat(),
            "duration_ms": round(seconds * 1000, 3),
            "attributes": span.attributes,
            "status": "error" if span.error else "ok",
            "error": span.error,
        }
        self._log.info(json.dumps(line, sort_keys=True, separators=(",", ":")))
