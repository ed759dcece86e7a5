"""Tracing wired by the composition root: traced bus handlers, the tracer setting, log trace ids."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import attrs
import pytest

from b2adapters.tracing import console
from b2app import bootstrap, settings, wiring_tracing
from b2app import logging as app_logging
from b2core.iam import commands as iam_commands
from b2core.messagebus import MessageBus
from b2core.platform import tracing
from b2core.shared import errors
from tests.support import http_app


@pytest.fixture(autouse=True)
def fx_trace_source() -> Iterator[None]:
    yield
    app_logging.set_trace_id_source(None)


def test_the_setting_chooses_the_tracer() -> None:
    assert isinstance(wiring_tracing.make_tracer("none"), tracing.NoopTracer)
    assert isinstance(wiring_tracing.make_tracer("console"), console.ConsoleTracer)
    with pytest.raises(errors.InvalidInput) as bad:
        settings.from_env({"B2_TRACING": "jaeger"})
    assert bad.value.code == "settings.invalid"
    assert settings.from_env({"B2_TRACING": "otel"}).tracing == "otel"


async def test_bus_commands_run_in_spans_and_logs_carry_the_trace_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=console.LOGGER_NAME)
    config = http_app.api_settings("memory://")
    container = bootstrap.build_container(attrs.evolve(config, tracing="console"))
    bus: MessageBus = container.resolve(MessageBus)
    assert isinstance(container.resolve(tracing.Tracer), console.ConsoleTracer)
    await bus.handle(iam_commands.EnsureSuperAdmin("ops@example.com", http_app.PASSWORD))
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == console.LOGGER_NAME]
    assert [line["span"] for line in lines] == ["command.EnsureSuperAdmin"]
    assert lines[0]["attributes"] == {"b2.command": "EnsureSuperAdmin"}
    tracer = console.ConsoleTracer()
    with tracer.span("outer"):
        event = app_logging.add_trace_id(None, "info", {"event": "hello"})
        assert event["trace_id"] == tracer.current_trace_id()
    assert "trace_id" not in app_logging.add_trace_id(None, "info", {"event": "outside"})


def test_without_tracing_log_lines_have_no_trace_id() -> None:
    app_logging.set_trace_id_source(wiring_tracing.trace_id_source("none"))
    with console.ConsoleTracer().span("ignored"):
        assert "trace_id" not in app_logging.add_trace_id(None, "info", {"event": "x"})
