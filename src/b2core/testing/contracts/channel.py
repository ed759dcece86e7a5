"""A minimal contract of the ``Channel`` port: ids, idempotent sends, typing and receipts.

Star-import it into a test module that defines a module-scoped fixture ``channel_factory``
returning an async zero-argument callable that gives a fresh channel able to reach
``CUSTOMER``::

    from b2core.testing.contracts.channel import *  # noqa: F403

Outside pytest (a script, a notebook) ``await run_all(factory)`` runs the same checks and
returns how many passed; the first failure raises ``AssertionError``.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from b2core.conversations import ports

__all__ = [
    "CUSTOMER",
    "pytestmark",
    "run_all",
    "test_a_send_returns_a_provider_id",
    "test_the_same_idempotency_key_sends_once",
    "test_typing_and_read_receipts_do_not_raise",
]

pytestmark = pytest.mark.anyio
CUSTOMER = "15550001111"
ChannelFactory = Callable[[], Awaitable[Any]]


async def _fresh(channel_factory: ChannelFactory) -> ports.Channel:
    made: ports.Channel = await channel_factory()
    return made


async def test_a_send_returns_a_provider_id(channel_factory: ChannelFactory) -> None:
    """``send_text`` answers with a non-empty provider message id (a string)."""
    target = await _fresh(channel_factory)
    provider_id = await target.send_text(CUSTOMER, "hello from the contract")
    assert isinstance(provider_id, str)
    assert provider_id.strip()


async def test_the_same_idempotency_key_sends_once(channel_factory: ChannelFactory) -> None:
    """A repeated key gives back the first send's id; another key is another message."""
    target = await _fresh(channel_factory)
    key = f"contract-{secrets.token_hex(6)}"
    first = await target.send_text(CUSTOMER, "only once", idempotency_key=key)
    again = await target.send_text(CUSTOMER, "only once", idempotency_key=key)
    other = await target.send_text(CUSTOMER, "only once", idempotency_key=key + "-b")
    assert first == again
    assert other != first


async def test_typing_and_read_receipts_do_not_raise(channel_factory: ChannelFactory) -> None:
    """Typing indicators and read receipts are best effort: they never fail a reply."""
    target = await _fresh(channel_factory)
    provider_id = await target.send_text(CUSTOMER, "are you there?")
    await target.show_typing(CUSTOMER)
    await target.show_typing(CUSTOMER, in_reply_to=provider_id)
    await target.mark_read(CUSTOMER, provider_id)


CHECKS = (
    test_a_send_returns_a_provider_id,
    test_the_same_idempotency_key_sends_once,
    test_typing_and_read_receipts_do_not_raise,
)


async def run_all(channel_factory: ChannelFactory) -> int:
    """Run every check of this contract on ``channel_factory``; return how many passed."""
    for check in CHECKS:
        await check(channel_factory)
    return len(CHECKS)
