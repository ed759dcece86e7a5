"""Fake WAHA and Evolution servers for the bridge adapter tests (one per test)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.support.fake_bridge import FakeBridge

API_KEY = "secret-bridge-api-key-123"


@pytest.fixture
def waha_fake() -> Iterator[FakeBridge]:
    with FakeBridge("waha", api_key=API_KEY) as fake:
        yield fake


@pytest.fixture
def evolution_fake() -> Iterator[FakeBridge]:
    with FakeBridge("evolution", api_key=API_KEY) as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        yield client
