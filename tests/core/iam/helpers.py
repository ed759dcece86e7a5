"""Small steps shared by the iam tests."""

from __future__ import annotations

import attrs

from b2core.iam import commands, tokens
from b2core.platform import model as platform_model
from b2core.platform import ports as platform_ports
from tests.support.memory_app import MemoryApp

PASSWORD = "correct horse battery"


async def register(app: MemoryApp, email: str = "owner@shop.example", name: str = "Shop") -> str:
    result = await app.handle(commands.RegisterTenant(name, email, PASSWORD))
    return str(result.tenant_id)


async def login(app: MemoryApp, email: str, password: str = PASSWORD) -> tokens.TokenPair:
    pair: tokens.TokenPair = await app.handle(commands.Login(email, password))
    return pair


async def principal(app: MemoryApp, pair: tokens.TokenPair) -> tokens.Principal:
    found: tokens.Principal = await app.handle(commands.Authenticate(pair.access_token))
    return found


async def change_settings(app: MemoryApp, **changes: object) -> None:
    uow: platform_ports.PlatformUoW = app.container.resolve(platform_ports.PlatformUoW)
    async with uow.platform() as tx:
        current = await tx.settings.system() or platform_model.SystemSettings()
        await tx.settings.save_system(attrs.evolve(current, **changes))
        await tx.commit()
