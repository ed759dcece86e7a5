"""One Channel contract for every channel b2 ships: simulator, Cloud API, WAHA and Evolution.

The HTTP adapters run against local fakes on loopback (tests/support/fake_graph.py and
fake_bridge.py). Neither Graph nor the bridges take an idempotency key, so each adapter keeps
the keys it sent (``expiring.SentKeys``, one per process in the app).
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
        return cloud_api.CloudApiChannel(
            http, fakes.graph.graph_url, "1000001", "token", expiring.SentKeys()
        )
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


async def test_the_cloud_api_sends_once_per_key_on_the_wire(fakes: Fakes) -> None:
    # Two channel objects sharing one key memory (as the app's factory builds them per send).
    sent = expiring.SentKeys()
    async with httpx.AsyncClient(timeout=5.0) as http:

        def build() -> cloud_api.CloudApiChannel:
            return cloud_api.CloudApiChannel(http, fakes.graph.graph_url, "1000001", "t", sent)

        before = len(fakes.graph.requests)
        first = await build().send_text(CUSTOMER, "once", idempotency_key="graph-key")
        again = await build().send_text(CUSTOMER, "once", idempotency_key="graph-key")
        other = await build().send_text(CUSTOMER, "once", idempotency_key="other-key")
    assert first == again != other
    assert len(fakes.graph.requests) == before + 2
