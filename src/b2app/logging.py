"""Logging for every b2 process: structlog JSON lines or console output, stdlib loggers included."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import structlog
from structlog.typing import EventDict, Processor

HANDLER_NAME = "b2"
# Loggers that libraries may have given their own handlers; they must only propagate to ours.
ROUTED_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "dramatiq", "litestar")
# Chatty libraries: their INFO lines are per-query or per-connection noise.
QUIET_LOGGERS = ("sqlalchemy", "aiosqlite", "asyncio", "httpx", "httpcore")


def _level_number(level: str) -> int:
    try:
        return logging.getLevelNamesMapping()[level.upper()]
    except KeyError:
        raise ValueError(f"unknown log level {level!r}") from None


# Set by the composition root when tracing is on (b2app.wiring_tracing); None means off.
_trace_id_source: Callable[[], str | None] | None = None


def set_trace_id_source(source: Callable[[], str | None] | None) -> None:
    """Use ``source`` to find the active trace id for each log line (None: tracing is off)."""
    global _trace_id_source
    _trace_id_source = source


def add_trace_id(_: object, __: str, event: EventDict) -> EventDict:
    """Add ``trace_id`` to a log line written while a span is active."""
    source = _trace_id_source
    if source is not None and "trace_id" not in event and (trace_id := source()) is not None:
        event["trace_id"] = trace_id
    return event


def _shared_processors() -> list[Processor]:
    """Steps applied to structlog events and stdlib records alike."""
    return [
        structlog.contextvars.merge_contextvars,
        add_trace_id,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]


def _formatter(json: bool) -> structlog.stdlib.ProcessorFormatter:
    renderer: list[Processor]
    if json:
        renderer = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        renderer = [structlog.dev.ConsoleRenderer()]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
    )


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    """Send every log line (structlog and stdlib) to stderr, as JSON or for a console.

    JSON lines carry ``timestamp`` (ISO 8601, UTC), ``level``, ``logger``, ``event`` and whatever
    the request bound (``request_id``, ``method``, ``path``, ``tenant_id``). Calling it again
    replaces the previous setup instead of adding a second handler.
    """
    number = _level_number(level)
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached, so that a later configure_logging (or a test's capture) takes effect.
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(_formatter(json))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(number)
    for name in ROUTED_LOGGERS:
        routed = logging.getLogger(name)
        routed.handlers.clear()
        routed.propagate = True
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(number, logging.WARNING))
    # Python warnings (SQLAlchemy's SAWarning, deprecations) become log lines too.
    logging.captureWarnings(True)
