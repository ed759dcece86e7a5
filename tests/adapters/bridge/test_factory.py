"""BridgeAdapters: the Channel and sessions of a stored bridge connection."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from b2adapters.bridge import evolution, factory, waha
from b2core.conversations import channel, connections
from b2core.shared import ids
from tests.adapters.bridge.conftest import API_KEY
from tests.support.fake_bridge import FakeBridge


def _connection(
    provider: connections.BridgeProvider, base_url: str
) -> connections.ConnectedChannel:
    names = connections.BRIDGE_SECRETS
    return connections.ConnectedChannel(
        id=ids.ChannelId("ch-bridge"),
        tenant_id=ids.TenantId("tenant-1"),
        kind=connections.ChannelKind.WHATSAPP_BRIDGE,
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
        sealed=dict.fromkeys(names, "sealed"),
        hints=dict.fromkeys(names, "****"),
        provider=provider,
        base_url=base_url,
        session="shop",
    )


SECRETS = {"api_key": API_KEY, "webhook_secret": "hook"}


async def test_channels_built_for_each_job_share_their_idempotency_memory(
    http: httpx.AsyncClient, waha_fake: FakeBridge
) -> None:
    waha_fake.add_session("shop", "connected")
    adapters = factory.BridgeAdapters(http)
    connection = _connection(connections.BridgeProvider.WAHA, waha_fake.base_url)
    first, retry = adapters.channel(connection, SECRETS), adapters.channel(connection, SECRETS)
    assert isinstance(first, waha.WahaChannel)
    sent = await first.send_text("15550001111", "hi", idempotency_key="job-1")
    assert await retry.send_text("15550001111", "hi", idempotency_key="job-1") == sent
    assert len(waha_fake.sends()) == 1


async def test_evolution_connections_get_evolution_adapters(
    http: httpx.AsyncClient, evolution_fake: FakeBridge
) -> None:
    adapters = factory.BridgeAdapters(http)
    connection = _connection(connections.BridgeProvider.EVOLUTION, evolution_fake.base_url)
    assert isinstance(adapters.channel(connection, SECRETS), evolution.EvolutionChannel)
    sessions = adapters.sessions(connection, SECRETS)
    assert (await sessions.start(connection.id)).state is channel.SessionState.SCAN_QR
    assert evolution_fake.requests[0].headers["apikey"] == API_KEY


async def test_a_cloud_connection_is_not_a_bridge(http: httpx.AsyncClient) -> None:
    names = connections.CLOUD_SECRETS
    cloud = connections.ConnectedChannel(
        id=ids.ChannelId("ch-cloud"),
        tenant_id=ids.TenantId("tenant-1"),
        kind=connections.ChannelKind.WHATSAPP_CLOUD,
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
        sealed=dict.fromkeys(names, "sealed"),
        hints=dict.fromkeys(names, "****"),
        phone_number_id="1000001",
    )
    with pytest.raises(channel.ChannelUnavailable):
        factory.BridgeAdapters(http).channel(cloud, SECRETS)
