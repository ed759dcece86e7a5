"""Tracing port: spans as context managers with attributes, and the current trace id.

The core never imports a tracing library. The composition root picks an adapter (none,
console JSON lines, OpenTelemetry) and wraps handlers and adapters with spans, so use cases
stay free of tracing calls.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

#: What a span attribute may hold (the OpenTelemetry rule: scalars only).
AttributeValue = str | bool | int | float

#: Span names used by the composition root's wrappers (stable: dashboards depend on them).
SPAN_COMMAND = "command"
SPAN_LLM = "llm.complete"
SPAN_SEND = "channel.send"
SPAN_ENQUEUE = "queue.enqueue"
SPAN_WEBHOOK = "webhook.receive"


class Span(Protocol):
    """One timed operation of a trace."""

    def set_attribute(self, key: str, value: AttributeValue) -> None:
        """Attach ``key=value`` to the span (a later value for the same key wins)."""
        ...

    def record_error(self, error: BaseException) -> None:
        """Mark the span failed with ``error``'s type and message (never a traceback)."""
        ...


class Tracer(Protocol):
    """Starts spans; the span opened innermost in the current task is the parent of the next."""

    def span(
        self, name: str, attributes: Mapping[str, AttributeValue] | None = None
    ) -> AbstractContextManager[Span]:
        """A span around the ``with`` block; an exception leaving the block marks it failed."""
        ...

    def current_trace_id(self) -> str | None:
        """The 32-hex-digit id of the trace active in this task, None outside any span."""
        ...


class NoopSpan:
    """A span that records nothing."""

    def set_attribute(self, key: str, value: AttributeValue) -> None:
        """Ignore the attribute."""

    def record_error(self, error: BaseException) -> None:
        """Ignore the error."""


_NOOP_SPAN = NoopSpan()


class NoopTracer:
    """Tracing switched off (``B2_TRACING=none``): spans cost one generator frame."""

    @contextmanager
    def span(
        self, name: str, attributes: Mapping[str, AttributeValue] | None = None
    ) -> Iterator[Span]:
        """A span that records nothing."""
        yield _NOOP_SPAN

    def current_trace_id(self) -> str | None:
        """Never a trace: nothing is traced."""
        return None


def clean_attributes(attributes: Mapping[str, object] | None) -> dict[str, AttributeValue]:
    """Keep scalar attributes, render others with ``str`` (adapters share this rule)."""
    cleaned: dict[str, AttributeValue] = {}
    for key, value in (attributes or {}).items():
        if value is None:
            continue
        cleaned[str(key)] = value if isinstance(value, str | bool | int | float) else str(value)
    return cleaned
