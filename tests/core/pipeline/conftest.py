"""A memory application with one tenant, its catalog and helpers to send customer messages."""

from __future__ import annotations

import itertools
from typing import Any

import attrs
import pytest

from b2adapters.memory.uow import InMemoryUnitOfWork
from b2core.ai import llm
from b2core.ai import settings as ai_settings
from b2core.conversations import channel
from b2core.orders import commands as order_commands
from b2core.orders import policy as order_policy
from b2core.pipeline import commands
from b2core.platform import cache as platform_cache
from b2core.platform import commands as platform_commands
from b2core.shared import ids, money
from tests.core.iam.helpers import change_settings, register
from tests.support.memory_app import MemoryApp, memory_app

_ids = itertools.count(1)


@attrs.define
class Shop:
    """One tenant of the memory app, with helpers to play its customers."""

    app: MemoryApp
    tenant_id: ids.TenantId

    async def say(self, text: str, customer: str = "cust-1", provider_id: str | None = None) -> Any:
        inbound = channel.InboundMessage(
            tenant_id=self.tenant_id,
            channel_id=ids.ChannelId("simulator"),
            customer_id=customer,
            provider_message_id=provider_id or f"wamid.{next(_ids)}",
            timestamp=self.app.clock.now(),
            text=text,
        )
        return await self.app.handle(commands.HandleInboundMessage(inbound))

    async def tx(self) -> Any:
        return self.app.container.resolve(InMemoryUnitOfWork).tenant(self.tenant_id)

    async def ai_settings(self, **changes: Any) -> None:
        async with await self.tx() as tx:
            current = await tx.ai_settings.get() or ai_settings.AiSettings(self.tenant_id)
            await tx.ai_settings.save(attrs.evolve(current, **changes))
            await tx.commit()

    async def switches(self, **changes: Any) -> None:
        await change_settings(self.app, **changes)
        # Written behind the settings cache's back: drop its copy as the update use case does.
        self.app.container.resolve(platform_cache.SettingsCache).invalidate()

    async def table(self, name: str) -> list[Any]:
        async with await self.tx() as tx:
            return list(tx.table(name).values())


async def make_shop(*, model: Any = None) -> Shop:
    app = memory_app()
    if model is not None:
        app.container.register(llm.LlmClient, instance=model)
    await app.handle(platform_commands.EnsurePlatformSettings())
    tenant_id = ids.TenantId(await register(app, "owner@bakery.example", "Sunny Bakery"))
    for name, price, text in [
        ("Chocolate Cake", 250000, "A rich chocolate cake for 8 people."),
        ("Croissant", 30000, "Butter croissant, baked every morning."),
    ]:
        await app.handle(
            order_commands.CreateService(
                tenant_id, name, money.Money(price, "PKR"), order_policy.Actor.system(),
                description=text,
            )
        )  # fmt: skip
    return Shop(app, tenant_id)


@pytest.fixture
async def shop() -> Shop:
    return await make_shop()
