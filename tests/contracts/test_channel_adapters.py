"""One Channel contract for every channel b2 ships: simulator, Cloud API, WAHA and Evolution.

The HTTP adapters run against local fakes on loopback (tests/support/fake_graph.py and
fake_bridge.py). The Cloud API has no idempotency key, so its run wraps it in the bridges'
idempotency layer (see :class:`KeyedCloudApiChannel`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import attrs
import httpx
import pytest

from b2adapters.bridge import evolution, expiring, transport, waha
from b2adapters.simulator.channel import SimulatorChannel, SimulatorOutbox
from b2adapters.whatsapp import cloud_api
from b2core.conversations import channel
from b2core.shared import ids
from b2core.testing.contracts.channel import *  # noqa: F403
from b2core.testing.contracts.channel import CUSTOMER
from tests.support.fake_bridge import FakeBridge
from tests.support.fake_graph import FakeGraph

API_KEY = "contract-bridge-key"
SESSION = "contract"
ADAPTERS = ["simulator", "cloud_api", "waha", "evolution"]


class FixedClock:
    """The simulator's clock."""

    def now(self) -> datetime:
        return datetime(2026, 1, 5, 9, tzinfo=UTC)


@attrs.frozen
class KeyedCloudApiChannel:
    """The Cloud API channel with the bridges' key -> provider id memory in front of its sends.

    ``CloudApiChannel`` itself passes ``idempotency_key`` nowhere (Graph takes none); the
    send job's message store deduplicates in production. This wrapper is what the contract's
    idempotency rule needs for an HTTP provider, as the bridge adapters do built in.
    """

    inner: cloud_api.CloudApiChannel
    sent: expiring.SentKeys = attrs.field(factory=expiring.SentKeys)

    async def send_text(
        self, customer_id: str, text: str, *, idempotency_key: str | None = None
    ) -> str:
        return await self.sent.once(
            idempotency_key, lambda: self.inner.send_text(customer_id, text)
        )

    async def send_template(
        self, customer_id: str, template: channel.Template, *, idempotency_key: str | None = None
    ) -> str:
        return await self.sent.once(
            idempotency_key, lambda: self.inner.send_template(customer_id, template)
        )

    async def send_media(
        self, customer_id: str, media: channel.Media, *, idempotency_key: str | None = None
    ) -> str:
        return await self.sent.once(
            idempotency_key, lambda: self.inner.send_media(customer_id, media)
        )

    async def show_typing(self, customer_id: str, *, in_reply_to: str | None = None) -> None:
        await self.inner.show_typing(customer_id, in_reply_to=in_reply_to)

    async def mark_read(self, customer_id: str, provider_message_id: str) -> None:
        await self.inner.mark_read(customer_id, provider_message_id)


@attrs.frozen
class Fakes:
    graph: FakeGraph
    waha: FakeBridge
    evolution: FakeBridge


@pytest.fixture(scope="module")
def fakes() -> Iterator[Fakes]:
    with (
        FakeGraph() as graph,
        FakeBridge("waha", api_key=API_KEY) as waha_fake,
        FakeBridge("evolution", api_key=API_KEY) as evolution_fake,
    ):
        waha_fake.add_session(SESSION, "connected")
        evolution_fake.add_session(SESSION, "connected")
        yield Fakes(graph, waha_fake, evolution_fake)


def _build(name: str, fakes: Fakes, http: httpx.AsyncClient) -> Any:
    if name == "simulator":
        return SimulatorChannel(SimulatorOutbox(FixedClock()), ids.TenantId("tenant-contract"))
    if name == "cloud_api":
        inner = cloud_api.CloudApiChannel(http, fakes.graph.graph_url, "1000001", "token")
        return KeyedCloudApiChannel(inner)
    if name == "waha":
        bridge = transport.BridgeHttp(
            http, waha.PROVIDER, fakes.waha.base_url, waha.KEY_HEADER, API_KEY
        )
        return waha.WahaChannel(bridge, SESSION)
    bridge = transport.BridgeHttp(
        http, evolution.PROVIDER, fakes.evolution.base_url, evolution.KEY_HEADER, API_KEY
    )
    return evolution.EvolutionChannel(bridge, SESSION)


@pytest.fixture(params=ADAPTERS)
async def channel_factory(
    request: pytest.FixtureRequest, fakes: Fakes
) -> AsyncIterator[Callable[[], Awaitable[Any]]]:
    async with httpx.AsyncClient(timeout=5.0) as http:

        async def fresh() -> Any:
            return _build(request.param, fakes, http)

        yield fresh


async def test_the_bridges_send_once_per_key_on_the_wire(fakes: Fakes) -> None:
    # Given a bridge channel; when the same key is sent twice, the bridge saw one send.
    async with httpx.AsyncClient(timeout=5.0) as http:
        target = _build("waha", fakes, http)
        before = len(fakes.waha.sends())
        first = await target.send_text(CUSTOMER, "once", idempotency_key="wire-key")
        again = await target.send_text(CUSTOMER, "once", idempotency_key="wire-key")
    assert first == again
    assert len(fakes.waha.sends()) == before + 1
