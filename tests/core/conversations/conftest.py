"""Fixtures for the conversations tests: an inbox on the memory application."""

from __future__ import annotations

import pytest

from tests.core.conversations import support


@pytest.fixture
async def inbox() -> support.Inbox:
    return await support.make_inbox()
