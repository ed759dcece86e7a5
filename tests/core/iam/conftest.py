"""Fixtures for iam handler tests: a memory application with settings bootstrapped."""

from __future__ import annotations

import pytest

from b2core.platform import commands as platform_commands
from tests.support.memory_app import MemoryApp, memory_app


@pytest.fixture
async def app() -> MemoryApp:
    application = memory_app()
    await application.handle(platform_commands.EnsurePlatformSettings())
    return application
