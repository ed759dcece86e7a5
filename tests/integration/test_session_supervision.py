"""Two workers supervise bridge sessions through real Redis claims and records and a fake WAHA:
one owner per session, a drop reconnected once after 5 s, a takeover that resumes the record
instead of reconnecting twice, and the kill switch stopping sessions."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import attrs
import httpx
import pytest

from b2adapters.bridge.factory import BridgeAdapters
from b2adapters.redis import connection as redis_connection
from b2adapters.redis.claims import RedisSessionClaims
from b2adapters.redis.keys import KeySpace
from b2adapters.redis.session_records import RedisSessionRecords
from b2core.conversations import connections, ports
from b2core.conversations import supervision as sv
from b2core.shared import ids
from tests.support.fake_bridge import FakeBridge

pytestmark = pytest.mark.anyio

API_KEY = "supervision-key"
TENANT = ids.TenantId("tenant-supervised")
T0 = datetime(2026, 6, 1, 12, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at


@attrs.define
class Switches:
    allowed: bool = True

    async def may_send(self, tenant_id: ids.TenantId) -> bool:
        return self.allowed


@attrs.frozen
class Bridges:
    items: list[connections.ConnectedChannel]

    async def bridges(self) -> list[connections.ConnectedChannel]:
        return self.items


@attrs.frozen
class Directory:
    http: httpx.AsyncClient

    async def sessions_for(self, connection: connections.ConnectedChannel) -> ports.ChannelSessions:
        opened = {"api_key": API_KEY, "webhook_secret": "unused"}
        return BridgeAdapters(self.http).sessions(connection, opened)


def _connection(channel_id: str, base_url: str) -> connections.ConnectedChannel:
    names = connections.BRIDGE_SECRETS
    return connections.ConnectedChannel(
        id=ids.ChannelId(channel_id),
        tenant_id=TENANT,
        kind=connections.ChannelKind.WHATSAPP_BRIDGE,
        created_at=T0,
        sealed=dict.fromkeys(names, "sealed"),
        hints=dict.fromkeys(names, "***"),
        provider=connections.BridgeProvider.WAHA,
        base_url=base_url,
        session=channel_id,
    )


@attrs.frozen
class World:
    bridge: FakeBridge
    a: sv.SessionSupervisor
    b: sv.SessionSupervisor
    clock: Clock
    switches: Switches

    def starts(self, name: str) -> int:
        return len([r for r in self.bridge.requests if r.path.endswith(f"/{name}/start")])


@pytest.fixture
async def world(redis_url: str, redis_prefix: str) -> AsyncIterator[World]:
    client = redis_connection.connect(redis_url)
    keys = KeySpace(f"{redis_prefix}supervision-{secrets.token_hex(3)}:")
    clock, switches = Clock(), Switches()
    with FakeBridge("waha", api_key=API_KEY) as bridge:
        bridge.add_session("s1", "connected")
        bridge.add_session("s2", "connected")
        async with httpx.AsyncClient(timeout=5.0) as http:
            index = Bridges(
                [_connection("s1", bridge.base_url), _connection("s2", bridge.base_url)]
            )

            def supervisor(owner: str) -> sv.SessionSupervisor:
                return sv.SessionSupervisor(
                    index,
                    Directory(http),
                    RedisSessionClaims(client, keys),
                    RedisSessionRecords(client, keys),
                    switches,
                    clock,
                    owner,
                )

            try:
                yield World(bridge, supervisor("worker-a"), supervisor("worker-b"), clock, switches)
            finally:
                await redis_connection.close(client)


async def test_one_owner_reconnects_a_drop_once_and_a_successor_resumes_its_record(
    world: World,
) -> None:
    # Worker A ticks first and owns both sessions; B finds them taken.
    assert await world.a.tick() == {"s1": sv.Action.NONE, "s2": sv.Action.NONE}
    assert await world.b.tick() == {}

    world.bridge.add_session("s1", "stopped")  # the connection drops
    assert (await world.a.tick())["s1"] is sv.Action.WAIT
    world.clock.at = T0 + timedelta(seconds=4)
    assert (await world.a.tick())["s1"] is sv.Action.WAIT
    world.clock.at = T0 + timedelta(seconds=5)
    assert (await world.a.tick())["s1"] is sv.Action.RECONNECT
    assert await world.b.tick() == {}
    assert world.starts("s1") == 1

    # A shuts down; B takes over, reads the shared record: the reconnect is in flight (the
    # bridge still shows the session down), so B does not start it a second time.
    world.bridge.add_session("s1", "stopped")
    await world.a.release_all()
    world.clock.at = T0 + timedelta(seconds=10)
    taken = await world.b.tick()
    assert taken == {"s1": sv.Action.NONE, "s2": sv.Action.NONE}
    assert world.starts("s1") == 1
    assert await world.a.tick() == {}  # B holds them now


async def test_the_kill_switch_stops_the_sessions_and_they_stay_down(world: World) -> None:
    await world.a.tick()
    world.switches.allowed = False
    assert await world.a.tick() == {"s1": sv.Action.STOP, "s2": sv.Action.STOP}
    assert world.bridge.sessions == {"s1": "stopped", "s2": "stopped"}
    world.clock.at = T0 + timedelta(minutes=5)
    assert await world.a.tick() == {"s1": sv.Action.NONE, "s2": sv.Action.NONE}
    assert world.starts("s1") == world.starts("s2") == 0
