"""configure_logging: JSON lines for structlog and stdlib alike, and no duplicate handlers."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any

import pytest
import structlog

from b2app import logging as b2logging
from tests.app.http import fakes


def test_calling_twice_keeps_one_handler(json_logs: Callable[[], list[dict[str, Any]]]) -> None:
    b2logging.configure_logging("WARNING", json=True)
    b2logging.configure_logging("INFO", json=True)
    assert len(fakes.b2_handlers()) == 1
    assert logging.getLogger().level == logging.INFO


def test_stdlib_records_use_the_same_json_format(
    json_logs: Callable[[], list[dict[str, Any]]],
) -> None:
    structlog.contextvars.bind_contextvars(request_id="std-1")
    try:
        logging.getLogger("uvicorn.error").warning("port %d busy", 8000)
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            logging.captureWarnings(True)
            warnings.warn("old API", DeprecationWarning, stacklevel=1)
    finally:
        structlog.contextvars.clear_contextvars()
    lines = json_logs()
    [uvicorn] = [line for line in lines if line["logger"] == "uvicorn.error"]
    assert uvicorn["event"] == "port 8000 busy"
    assert uvicorn["level"] == "warning"
    assert uvicorn["request_id"] == "std-1"
    assert uvicorn["timestamp"].endswith("Z")
    assert any(line["logger"] == "py.warnings" and "old API" in line["event"] for line in lines)


def test_chatty_libraries_are_held_at_warning(
    json_logs: Callable[[], list[dict[str, Any]]],
) -> None:
    logging.getLogger("sqlalchemy.engine").info("SELECT 1")
    structlog.get_logger("b2.test").info("kept")
    events = [line["event"] for line in json_logs()]
    assert "kept" in events
    assert "SELECT 1" not in events


def test_console_mode_is_not_json() -> None:
    root = logging.getLogger()
    saved_level = root.level
    try:
        b2logging.configure_logging("DEBUG", json=False)
        [handler] = fakes.b2_handlers()
        assert isinstance(handler, logging.StreamHandler)
        line = handler.format(logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None))
        assert "hello" in line
        assert not line.startswith("{")
    finally:
        for handler in fakes.b2_handlers():
            root.removeHandler(handler)
        root.setLevel(saved_level)
        logging.captureWarnings(False)
        structlog.reset_defaults()


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        b2logging.configure_logging("LOUD", json=True)
