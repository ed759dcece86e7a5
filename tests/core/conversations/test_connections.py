"""Connecting, listing and disconnecting channels, and the directory that sends through them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from b2adapters.crypto import fields
from b2adapters.memory import clock as memory_clock
from b2adapters.memory.uow import InMemoryUnitOfWork
from b2core.conversations import channel, connections
from b2core.conversations import connection_handlers as handlers
from b2core.shared import audit, errors, ids, pagination

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
A = ids.TenantId("tenant-a")
B = ids.TenantId("tenant-b")
ADMIN = (A, ids.UserId("admin-a"), "TENANT_ADMIN")
TOKEN = "EAAG-very-secret-access-token-wxyz"
SECRETS = ("0123456789abcdef0123456789abcdef", "verify-me-please")


@attrs.define
class Built:
    """What the fake factory was asked to build."""

    kind: str
    args: tuple[Any, ...]


@attrs.define
class RecordingFactory:
    built: list[Built] = attrs.field(factory=list)

    def cloud(self, phone_number_id: str, access_token: str) -> Any:
        self.built.append(Built("cloud", (phone_number_id, access_token)))
        return self.built[-1]

    def bridge(self, connection: connections.ConnectedChannel, secrets: Mapping[str, str]) -> Any:
        self.built.append(Built("bridge", (connection.id, dict(secrets))))
        return self.built[-1]


@attrs.frozen
class Builtin:
    async def channel_for(self, tenant_id: ids.TenantId, channel_id: ids.ChannelId) -> Any:
        return ("simulator", tenant_id)


@attrs.define
class World:
    uow: InMemoryUnitOfWork
    cipher: fields.FieldCipher
    factory: RecordingFactory
    clock: memory_clock.ManualClock = attrs.field(factory=lambda: memory_clock.ManualClock(T0))
    ids: memory_clock.SequentialIds = attrs.field(factory=memory_clock.SequentialIds)

    def handler(self, cls: type[Any]) -> Any:
        clock, ids_ = self.clock, self.ids
        if cls is handlers.ListChannelsHandler:
            return cls(self.uow)
        if cls is handlers.DisconnectChannelHandler:
            return cls(self.uow, clock, ids_)
        return cls(self.uow, self.cipher, clock, ids_)

    @property
    def directory(self) -> handlers.StoredChannelDirectory:
        return handlers.StoredChannelDirectory(self.uow, self.cipher, self.factory, Builtin())

    async def audit_actions(self) -> list[audit.AuditEntry]:
        async with self.uow.platform() as tx:
            return list(tx.table("audit_logs").values())


@pytest.fixture
def world() -> World:
    return World(InMemoryUnitOfWork(), fields.FieldCipher([bytes(32)]), RecordingFactory())


def connect_cloud(
    number: str = "1000001", who: tuple[Any, ...] = ADMIN
) -> connections.ConnectCloudChannel:
    tenant_id, user_id, role = who
    return connections.ConnectCloudChannel(
        tenant_id, user_id, role, number, TOKEN, SECRETS[0], SECRETS[1]
    )


def connect_bridge(**changes: Any) -> connections.ConnectBridgeChannel:
    command = connections.ConnectBridgeChannel(
        *ADMIN,
        provider="waha",
        base_url="http://127.0.0.1:3000/",
        session="shop-1",
        api_key="bridge-api-key-1234567890",
        webhook_secret="hook-secret",
    )
    return attrs.evolve(command, **changes)


async def test_connecting_seals_secrets_hints_them_and_audits_once(world: World) -> None:
    made = await world.handler(handlers.ConnectCloudChannelHandler)(connect_cloud())
    assert made.kind is connections.ChannelKind.WHATSAPP_CLOUD
    assert made.hints == {"access_token": "****wxyz", "app_secret": "****", "verify_token": "****"}
    assert TOKEN not in repr(made)
    assert all(secret not in str(made.sealed) for secret in (TOKEN, *SECRETS))
    assert handlers.open_secrets(world.cipher, made)["access_token"] == TOKEN
    [entry] = await world.audit_actions()
    assert (entry.action, entry.tenant_id, entry.target_id) == ("channel.connected", A, made.id)
    assert entry.metadata == {"kind": "whatsapp_cloud", "phone_number_id": "1000001"}


async def test_a_bridge_connection_keeps_its_settings(world: World) -> None:
    made = await world.handler(handlers.ConnectBridgeChannelHandler)(connect_bridge())
    assert (made.provider, made.base_url, made.session) == (
        connections.BridgeProvider.WAHA,
        "http://127.0.0.1:3000",
        "shop-1",
    )
    assert made.hints == {"api_key": "****7890", "webhook_secret": "****"}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"provider": "baileys"}, "channel.bad_provider"),
        ({"base_url": "ftp://host"}, "channel.bad_url"),
        ({"base_url": "http://user:pw@host"}, "channel.bad_url"),
        ({"session": "no spaces"}, "channel.bad_session"),
        ({"api_key": "  "}, "channel.bad_secret"),
    ],
)
async def test_bad_bridge_settings_are_refused(
    world: World, changes: dict[str, str], code: str
) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        await world.handler(handlers.ConnectBridgeChannelHandler)(connect_bridge(**changes))
    assert caught.value.code == code
    assert await world.audit_actions() == []


@pytest.mark.parametrize("number", ["", "12ab567", "1234", "1" * 33])
async def test_a_bad_phone_number_id_is_refused(world: World, number: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        await world.handler(handlers.ConnectCloudChannelHandler)(connect_cloud(number))
    assert caught.value.code == "channel.bad_phone_number_id"


@pytest.mark.parametrize("kind", ["telegram", "", None, 3])
def test_an_unknown_kind_is_refused(kind: object) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        connections.parse_kind(kind)
    assert caught.value.code == "channel.bad_kind"


async def test_only_a_tenant_admin_manages_channels(world: World) -> None:
    staff = (A, ids.UserId("staff-a"), "STAFF")
    with pytest.raises(errors.Forbidden) as caught:
        await world.handler(handlers.ConnectCloudChannelHandler)(connect_cloud(who=staff))
    assert caught.value.code == "channel.role_not_allowed"
    with pytest.raises(errors.Forbidden):
        await world.handler(handlers.ListChannelsHandler)(connections.ListChannels(*staff))


async def test_a_number_connected_by_another_tenant_is_a_conflict(world: World) -> None:
    await world.handler(handlers.ConnectCloudChannelHandler)(connect_cloud())
    other = (B, ids.UserId("admin-b"), "TENANT_ADMIN")
    with pytest.raises(errors.Conflict) as caught:
        await world.handler(handlers.ConnectCloudChannelHandler)(connect_cloud(who=other))
    assert caught.value.code == "channel.duplicate_number"
    assert len(await world.audit_actions()) == 1


async def test_disconnecting_removes_and_audits_another_tenants_id_is_not_found(
    world: World,
) -> None:
    made = await world.handler(handlers.ConnectCloudChannelHandler)(connect_cloud())
    disconnect = world.handler(handlers.DisconnectChannelHandler)
    other = (B, ids.UserId("admin-b"), "TENANT_ADMIN")
    with pytest.raises(errors.NotFound) as caught:
        await disconnect(connections.DisconnectChannel(*other, made.id))
    assert caught.value.code == "channel.not_found"
    await disconnect(connections.DisconnectChannel(*ADMIN, made.id))
    listed = await world.handler(handlers.ListChannelsHandler)(connections.ListChannels(*ADMIN))
    assert listed == pagination.Page(items=())
    assert [e.action for e in await world.audit_actions()] == [
        "channel.connected",
        "channel.disconnected",
    ]


async def test_the_directory_builds_channels_from_opened_secrets(world: World) -> None:
    cloud = await world.handler(handlers.ConnectCloudChannelHandler)(connect_cloud())
    bridge = await world.handler(handlers.ConnectBridgeChannelHandler)(connect_bridge())
    simulator: Any = await world.directory.channel_for(A, connections.SIMULATOR)
    assert simulator == ("simulator", A)
    await world.directory.channel_for(A, cloud.id)
    await world.directory.channel_for(A, bridge.id)
    assert world.factory.built == [
        Built("cloud", ("1000001", TOKEN)),
        Built(
            "bridge",
            (bridge.id, {"api_key": "bridge-api-key-1234567890", "webhook_secret": "hook-secret"}),
        ),
    ]


async def test_the_directory_refuses_unknown_and_foreign_channels(world: World) -> None:
    cloud = await world.handler(handlers.ConnectCloudChannelHandler)(connect_cloud())
    for tenant, channel_id in ((B, cloud.id), (A, ids.ChannelId("nope"))):
        with pytest.raises(errors.NotFound) as caught:
            await world.directory.channel_for(tenant, channel_id)
        assert caught.value.code == "channel.not_found"


async def test_a_secret_that_no_longer_opens_makes_the_channel_unavailable(world: World) -> None:
    cloud = await world.handler(handlers.ConnectCloudChannelHandler)(connect_cloud())
    lost_key = handlers.StoredChannelDirectory(
        world.uow, fields.FieldCipher([bytes([1]) * 32]), world.factory, Builtin()
    )
    with pytest.raises(channel.ChannelUnavailable):
        await lost_key.channel_for(A, cloud.id)
    assert world.factory.built == []
