"""Runs the scheduling contract suite (b2core.testing.contracts.scheduling) on every shipped
adapter: memory, SQLite and the real PostgreSQL; plus the SQL service windows."""

from __future__ import annotations

from datetime import timedelta

from b2adapters.sql import scheduling_dispatch
from b2core.conversations import model as conversations
from b2core.shared import ids
from b2core.testing.contracts import UowFactory, unique_id
from b2core.testing.contracts.scheduling import *  # noqa: F403
from b2core.testing.contracts.scheduling import T0


async def test_sql_service_windows_read_the_customers_last_message(
    sql_uow_factory: UowFactory,
) -> None:
    uow = await sql_uow_factory()
    tenant, other = ids.TenantId(unique_id()), ids.TenantId(unique_id())
    windows = scheduling_dispatch.SqlServiceWindows(uow)
    for tenant_id, customer, phone, minutes in (
        (tenant, "5511987654321", None, 5),  # a wa_id: the number without '+'
        (tenant, "bsuid.someone", "+4915112345678", 7),  # known by its contact phone
        (other, "5511987654321", None, 9),
    ):
        opened = conversations.Conversation.open(
            ids.ConversationId(unique_id()), tenant_id, ids.ChannelId("wa-1"), customer, T0
        )
        wrote = opened.receive(T0 + timedelta(minutes=minutes), customer_phone=phone)
        async with uow.tenant(tenant_id) as tx:
            await tx.conversations.get_or_open_for_customer(wrote)
            await tx.commit()
    at = windows.last_customer_message_at
    assert await at(tenant, "+5511987654321") == T0 + timedelta(minutes=5)
    assert await at(tenant, "+4915112345678") == T0 + timedelta(minutes=7)
    assert await at(tenant, "+5511900000000") is None
    assert await at(other, "+4915112345678") is None
