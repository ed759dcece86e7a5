"""The channel factory of the composition root builds working bridge and Cloud API channels."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from b2app import wiring_channels
from b2core.conversations import connections
from b2core.shared import ids
from tests.support.fake_bridge import FakeBridge

pytestmark = pytest.mark.anyio

API_KEY = "factory-bridge-key"


def _connection(
    provider: connections.BridgeProvider, base_url: str
) -> connections.ConnectedChannel:
    names = connections.BRIDGE_SECRETS
    return connections.ConnectedChannel(
        id=ids.ChannelId("ch-bridge-1"),
        tenant_id=ids.TenantId("tenant-1"),
        kind=connections.ChannelKind.WHATSAPP_BRIDGE,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        sealed=dict.fromkeys(names, "sealed"),
        hints=dict.fromkeys(names, "***"),
        provider=provider,
        base_url=base_url,
        session="shop",
    )


@pytest.mark.parametrize("provider", list(connections.BridgeProvider))
async def test_a_bridge_connection_sends_through_its_bridge_once_per_key(
    provider: connections.BridgeProvider,
) -> None:
    http = wiring_channels.SharedHttpClient()
    factory = wiring_channels.AdapterChannelFactory(http, "http://127.0.0.1:9/unused")
    secrets = dict.fromkeys(connections.BRIDGE_SECRETS, "x") | {"api_key": API_KEY}
    with FakeBridge(provider.value, api_key=API_KEY) as bridge:
        bridge.add_session("shop", "connected")
        connection = _connection(provider, bridge.base_url)
        try:
            # A new channel object per send, as the directory builds them: one send on the wire.
            first = await factory.bridge(connection, secrets).send_text(
                "customer-1", "hello", idempotency_key="k-1"
            )
            again = await factory.bridge(connection, secrets).send_text(
                "customer-1", "hello", idempotency_key="k-1"
            )
        finally:
            await http.aclose()
        assert first == again
        assert len(bridge.sends()) == 1
