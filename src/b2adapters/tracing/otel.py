"""OpenTelemetryTracer: spans through the OpenTelemetry API (install the ``otel`` extra).

The SDK is imported when the adapter is built, never at module import, so b2 runs without it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from b2core.platform import tracing
from b2core.shared import errors

INSTRUMENTATION_NAME = "b2"


def _otel_trace() -> Any:
    try:
        from opentelemetry import trace
    except ImportError as missing:
        raise errors.NotConfigured(
            "B2_TRACING=otel needs the otel extra (pip install 'b2automate[otel]')",
            code="settings.tracing_unavailable",
        ) from missing
    return trace


class _OtelSpan:
    """The Span port over an OpenTelemetry span."""

    def __init__(self, span: Any) -> None:
        self._span = span

    def set_attribute(self, key: str, value: tracing.AttributeValue) -> None:
        for name, clean in tracing.clean_attributes({key: value}).items():
            self._span.set_attribute(name, clean)

    def record_error(self, error: BaseException) -> None:
        from opentelemetry.trace import Status, StatusCode

        self._span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
        self._span.set_attribute("error.type", type(error).__name__)


class OpenTelemetryTracer:
    """Spans of an OpenTelemetry ``TracerProvider`` (the global one unless given).

    Exporting (OTLP, console, in-memory in tests) is the provider's business: configure it with
    the standard ``OTEL_*`` variables or pass a provider built in code.
    """

    def __init__(self, provider: Any | None = None) -> None:
        trace = _otel_trace()
        self._trace = trace
        self._tracer = (provider or trace.get_tracer_provider()).get_tracer(INSTRUMENTATION_NAME)

    @contextmanager
    def span(
        self, name: str, attributes: Mapping[str, tracing.AttributeValue] | None = None
    ) -> Iterator[tracing.Span]:
        """A child of the current OpenTelemetry span (or a new trace) around the block."""
        with self._tracer.start_as_current_span(
            name,
            attributes=tracing.clean_attributes(attributes),
            record_exception=False,
            set_status_on_exception=False,
        ) as raw:
            span = _OtelSpan(raw)
            try:
                yield span
            except BaseException as error:
                span.record_error(error)
                raise

    def current_trace_id(self) -> str | None:
        """The current OpenTelemetry trace id as 32 hex digits, None outside a valid span."""
        return active_trace_id()


def active_trace_id() -> str | None:
    """The trace id of the OpenTelemetry span current in this task, or None."""
    try:
        from opentelemetry import trace
    except ImportError:
        return None
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x")
