"""OpenTelemetryTracer against the SDK's in-memory exporter."""

from __future__ import annotations

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import StatusCode

from b2adapters.tracing.otel import OpenTelemetryTracer


@pytest.fixture
def exported() -> tuple[OpenTelemetryTracer, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return OpenTelemetryTracer(provider), exporter


def test_spans_reach_the_exporter_with_parents_and_attributes(
    exported: tuple[OpenTelemetryTracer, InMemorySpanExporter],
) -> None:
    tracer, exporter = exported
    assert tracer.current_trace_id() is None
    with tracer.span("pipeline.inbound", {"b2.tenant_id": "t1", "skip": 1.5}) as outer:
        trace_id = tracer.current_trace_id()
        with tracer.span("llm.complete") as inner:
            inner.set_attribute("llm.output_tokens", 7)
        outer.set_attribute("b2.outcome", "REPLIED")
    inner_span, outer_span = exporter.get_finished_spans()
    assert (inner_span.name, outer_span.name) == ("llm.complete", "pipeline.inbound")
    assert format(outer_span.context.trace_id, "032x") == trace_id
    assert inner_span.parent is not None
    assert inner_span.parent.span_id == outer_span.context.span_id
    assert dict(outer_span.attributes or {}) == {
        "b2.tenant_id": "t1",
        "skip": 1.5,
        "b2.outcome": "REPLIED",
    }
    assert dict(inner_span.attributes or {}) == {"llm.output_tokens": 7}


def test_an_error_sets_the_error_status(
    exported: tuple[OpenTelemetryTracer, InMemorySpanExporter],
) -> None:
    tracer, exporter = exported
    with pytest.raises(ValueError, match="recipient"), tracer.span("channel.send"):
        raise ValueError("recipient refused")
    (span,) = exporter.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "ValueError: recipient refused"
    assert span.attributes is not None
    assert span.attributes["error.type"] == "ValueError"
