"""Connected-channel repositories on memory, SQLite and PostgreSQL: one contract for all.

Tenant-bound reads and writes, a phone number connected once on the whole platform, the
platform index for webhooks, and secrets that reach storage only sealed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from sqlalchemy import select

from b2adapters.crypto import fields
from b2adapters.memory import channels as memory_channels
from b2adapters.memory import clock as memory_clock
from b2adapters.memory import uow as memory_uow
from b2adapters.sql import uow as sql_uow
from b2adapters.sql.schema import channels as channel_tables
from b2core.conversations import connection_handlers, connections
from b2core.shared import errors, ids, pagination
from b2core.testing.contracts import UowFactory, unique_id

A = ids.TenantId("tenant-a")
B = ids.TenantId("tenant-b")
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
TOKEN = "EAAG-very-secret-access-token-1234"
APP_SECRET = "0123456789abcdef0123456789abcdef"
VERIFY = "verify-token-for-meta-hub"


def cloud(
    channel_id: str, tenant: ids.TenantId, number: str, at: datetime = T0
) -> connections.ConnectedChannel:
    names = connections.CLOUD_SECRETS
    return connections.ConnectedChannel(
        id=ids.ChannelId(channel_id),
        tenant_id=tenant,
        kind=connections.ChannelKind.WHATSAPP_CLOUD,
        created_at=at,
        sealed={n: f"sealed-{n}" for n in names},
        hints=dict.fromkeys(names, "****"),
        phone_number_id=number,
    )


def bridge(
    channel_id: str, tenant: ids.TenantId, at: datetime = T0
) -> connections.ConnectedChannel:
    names = connections.BRIDGE_SECRETS
    return connections.ConnectedChannel(
        id=ids.ChannelId(channel_id),
        tenant_id=tenant,
        kind=connections.ChannelKind.WHATSAPP_BRIDGE,
        created_at=at,
        sealed={n: f"sealed-{n}" for n in names},
        hints=dict.fromkeys(names, "****"),
        provider=connections.BridgeProvider.WAHA,
        base_url="http://127.0.0.1:3000",
        session="default",
    )


async def _add(uow: Any, tenant: ids.TenantId, *items: connections.ConnectedChannel) -> None:
    async with uow.tenant(tenant) as tx:
        for item in items:
            await tx.channels.add(item)
        await tx.commit()


async def test_a_tenant_adds_reads_lists_and_removes_its_channels(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    first, second = cloud("ch-1", A, "1000001"), bridge("ch-2", A, T0 + timedelta(minutes=1))
    await _add(uow, A, second, first)
    async with uow.tenant(A) as tx:
        assert await tx.channels.get(ids.ChannelId("ch-1")) == first
        assert await tx.channels.get(ids.ChannelId("ch-2")) == second
        page = await tx.channels.list(pagination.PageRequest(limit=1))
        assert page.items == (first,)
        assert page.next_cursor
        rest = await tx.channels.list(pagination.PageRequest(limit=1, cursor=page.next_cursor))
        assert rest.items == (second,)
        assert rest.next_cursor is None
        assert await tx.channels.remove(ids.ChannelId("ch-1"))
        assert not await tx.channels.remove(ids.ChannelId("ch-1"))
        await tx.commit()
    async with uow.tenant(A) as tx:
        assert await tx.channels.get(ids.ChannelId("ch-1")) is None
        assert (await tx.channels.list(pagination.PageRequest())).items == (second,)


async def test_another_tenant_neither_sees_nor_removes_them(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    await _add(uow, A, cloud("ch-a", A, "1000002"))
    async with uow.tenant(B) as tx:
        assert await tx.channels.get(ids.ChannelId("ch-a")) is None
        assert (await tx.channels.list(pagination.PageRequest())).items == ()
        assert not await tx.channels.remove(ids.ChannelId("ch-a"))
        with pytest.raises(errors.Forbidden):
            await tx.channels.add(cloud("ch-x", A, "1000003"))
        await tx.commit()
    async with uow.tenant(A) as tx:
        assert await tx.channels.get(ids.ChannelId("ch-a")) is not None


async def test_a_number_is_connected_once_on_the_whole_platform(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    await _add(uow, A, cloud("ch-a", A, "1000004"))
    for tenant in (A, B):
        with pytest.raises(errors.Conflict) as caught:
            await _add(uow, tenant, cloud(f"ch-{tenant}-2", tenant, "1000004"))
        assert caught.value.code == "channel.duplicate_number"
    async with uow.tenant(B) as tx:
        assert (await tx.channels.list(pagination.PageRequest())).items == ()
    # Bridges carry no number: any number of them coexist.
    await _add(uow, B, bridge("br-1", B), bridge("br-2", B))


async def test_a_reused_id_is_a_conflict(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    await _add(uow, A, bridge("same", A))
    with pytest.raises(errors.Conflict) as caught:
        await _add(uow, B, bridge("same", B))
    assert caught.value.code == "channel.already_exists"


async def test_the_platform_index_finds_any_tenants_channel(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    await _add(uow, A, cloud("ch-a", A, "1000005"))
    await _add(uow, B, bridge("br-b", B))
    async with uow.platform() as tx:
        found_a = await tx.channel_index.find(ids.ChannelId("ch-a"))
        found_b = await tx.channel_index.find(ids.ChannelId("br-b"))
        assert await tx.channel_index.find(ids.ChannelId("nope")) is None
    assert found_a is not None
    assert found_a.tenant_id == A
    assert found_b is not None
    assert found_b.tenant_id == B


async def _raw_rows(uow: Any) -> list[str]:
    if isinstance(uow, memory_uow.InMemoryUnitOfWork):
        table = uow.store.tables[memory_channels.TABLE]
        return [repr(attrs.asdict(row)) for row in table.values()]
    assert isinstance(uow, sql_uow.SqlUnitOfWork)
    async with uow.engine.connect() as connection:
        rows = (await connection.execute(select(channel_tables.connected_channels))).mappings()
        return [json.dumps(dict(row), default=str) for row in rows]


async def test_connecting_stores_secrets_only_sealed(uow_factory: UowFactory) -> None:
    uow = await uow_factory()
    cipher = fields.FieldCipher([bytes(range(32))])
    clock, id_generator = memory_clock.ManualClock(T0), memory_clock.SequentialIds()
    handler = connection_handlers.ConnectCloudChannelHandler(uow, cipher, clock, id_generator)
    command = connections.ConnectCloudChannel(
        A, ids.UserId("admin-a"), "TENANT_ADMIN", "1000006", TOKEN, APP_SECRET, VERIFY
    )
    made = await handler(command)
    rows = await _raw_rows(uow)
    assert len(rows) == 1
    assert "1000006" in rows[0]
    for secret in (TOKEN, APP_SECRET, VERIFY):
        assert secret not in rows[0]
    async with uow.tenant(A) as tx:
        stored = await tx.channels.get(made.id)
    assert stored is not None
    assert connection_handlers.open_secrets(cipher, stored) == {
        "access_token": TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY,
    }
    assert stored.hints["access_token"] == "****" + TOKEN[-4:]


async def test_the_platform_index_lists_every_tenants_bridges_oldest_first(
    uow_factory: UowFactory,
) -> None:
    uow = await uow_factory()
    tag = unique_id()[:8]
    later, earlier = (
        bridge(f"br-{tag}-later", A, T0 + timedelta(hours=2)),
        bridge(f"br-{tag}-earlier", B, T0 - timedelta(hours=2)),
    )
    await _add(uow, A, later, cloud(f"ch-{tag}", A, f"77{int(tag, 16) % 10**8:08d}"))
    await _add(uow, B, earlier)
    async with uow.platform() as tx:
        listed = await tx.channel_index.bridges()
    assert all(c.kind is connections.ChannelKind.WHATSAPP_BRIDGE for c in listed)
    mine = [c.id for c in listed if tag in c.id]
    assert mine == [earlier.id, later.id]
    assert [c.created_at for c in listed] == sorted(c.created_at for c in listed)
