"""Fixtures for the HTTP edge: a test client on the real app factory and captured JSON logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog
from litestar import Litestar
from litestar.testing import TestClient

from b2app import logging as b2logging
from tests.app.http import fakes


@pytest.fixture
def client() -> Iterator[TestClient[Litestar]]:
    with TestClient(fakes.make_app()) as test_client:
        yield test_client


@pytest.fixture
def json_logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Configure JSON logging into a buffer; calling the fixture returns the lines so far."""
    root = logging.getLogger()
    saved_level = root.level
    saved_quiet = {name: logging.getLogger(name).level for name in b2logging.QUIET_LOGGERS}
    b2logging.configure_logging("INFO", json=True)
    buffer = io.StringIO()
    [handler] = fakes.b2_handlers()
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)

    def read() -> list[dict[str, Any]]:
        return [json.loads(line) for line in buffer.getvalue().splitlines()]

    yield read
    for configured in fakes.b2_handlers():  # the test may have configured logging again
        root.removeHandler(configured)
    root.setLevel(saved_level)
    for name, level in saved_quiet.items():
        logging.getLogger(name).setLevel(level)
    logging.captureWarnings(False)
    structlog.reset_defaults()
