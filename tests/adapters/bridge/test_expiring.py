"""The expiring map and the idempotency layer the bridges use."""

from __future__ import annotations

import anyio

from b2adapters.bridge import expiring


def test_values_expire_and_the_oldest_go_first() -> None:
    clock = [0.0]
    kept = expiring.ExpiringMap[str](60.0, max_entries=2, now=lambda: clock[0])
    kept.put("a", "1")
    kept.put("b", "2")
    kept.put("c", "3")
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (None, "2", "3")
    clock[0] = 60.0
    assert kept.get("b") is None


async def test_concurrent_sends_under_one_key_send_once() -> None:
    sent = expiring.SentKeys()
    calls: list[int] = []
    results: list[str] = []

    async def send() -> str:
        calls.append(1)
        await anyio.sleep(0.01)
        return f"id-{len(calls)}"

    async def one() -> None:
        results.append(await sent.once("key", send))

    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(one)
    assert calls == [1]
    assert results == ["id-1"] * 5
    assert await sent.once(None, send) == "id-2"  # no key: no memory
