"""ConsoleTracer: finished spans as JSON lines, parents and trace ids, errors, task isolation."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from b2adapters.tracing.console import LOGGER_NAME, ConsoleTracer


def spans(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == LOGGER_NAME]


def test_nested_spans_share_the_trace_and_name_their_parent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    tracer = ConsoleTracer()
    assert tracer.current_trace_id() is None
    with tracer.span("outer", {"b2.tenant_id": "t1"}) as outer:
        trace_id = tracer.current_trace_id()
        with tracer.span("inner") as inner:
            inner.set_attribute("llm.input_tokens", 12)
            assert tracer.current_trace_id() == trace_id
        outer.set_attribute("b2.outcome", "REPLIED")
    assert tracer.current_trace_id() is None
    inner_line, outer_line = spans(caplog)
    assert (inner_line["span"], outer_line["span"]) == ("inner", "outer")
    assert inner_line["trace_id"] == outer_line["trace_id"] == trace_id
    assert trace_id is not None
    assert len(trace_id) == 32
    assert inner_line["parent_id"] == outer_line["span_id"]
    assert outer_line["parent_id"] is None
    assert outer_line["attributes"] == {"b2.tenant_id": "t1", "b2.outcome": "REPLIED"}
    assert inner_line["attributes"] == {"llm.input_tokens": 12}
    assert outer_line["status"] == "ok"
    assert isinstance(outer_line["duration_ms"], float)
    assert outer_line["duration_ms"] >= 0


def test_an_error_marks_the_span_and_propagates(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    with pytest.raises(RuntimeError), ConsoleTracer().span("failing"):
        raise RuntimeError("llm down")
    (line,) = spans(caplog)
    assert line["status"] == "error"
    assert line["error"] == "RuntimeError: llm down"


async def test_concurrent_tasks_get_separate_traces(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    tracer = ConsoleTracer()

    async def job(name: str) -> str | None:
        with tracer.span(name):
            await asyncio.sleep(0.01)
            return tracer.current_trace_id()

    first, second = await asyncio.gather(job("a"), job("b"))
    assert first is not None
    assert second is not None
    assert first != second
    assert {line["parent_id"] for line in spans(caplog)} == {None}
