"""Fixtures of the LLM adapter tests: the fake OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_openai import FakeOpenAI


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A running fake on a free loopback port, stopped (threads joined) after the test."""
    with FakeOpenAI() as fake:
        yield fake
