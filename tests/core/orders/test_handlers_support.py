"""Helpers of the orders handler tests (no tests here): the app, members, catalog and audit."""

from __future__ import annotations

import attrs

from b2adapters.memory.uow import InMemoryUnitOfWork
from b2core.iam import commands as iam_commands
from b2core.iam import model as iam_model
from b2core.iam import tokens
from b2core.orders import catalog, commands, policy
from b2core.platform import commands as platform_commands
from b2core.shared import audit, ids, money
from tests.support.memory_app import MemoryApp, memory_app

PASSWORD = "correct horse battery"
AI = policy.Actor.ai()


@attrs.frozen
class Member:
    """A logged-in person of a tenant, and the orders actor the HTTP edge makes of them."""

    principal: tokens.Principal

    @property
    def tenant_id(self) -> ids.TenantId:
        assert self.principal.tenant_id is not None
        return self.principal.tenant_id

    @property
    def actor(self) -> policy.Actor:
        # What the edge does: plain values from the verified principal, no iam import in orders.
        return policy.Actor.user(self.principal.user_id, self.principal.role.value)

    @property
    def audit_actor(self) -> audit.Actor:
        return audit.Actor.user(self.principal.user_id, self.principal.role.value)


async def orders_app() -> MemoryApp:
    """A fresh memory application whose bus serves the orders commands."""
    app = memory_app()
    await app.handle(platform_commands.EnsurePlatformSettings())
    return app


async def _login(app: MemoryApp, email: str) -> Member:
    pair = await app.handle(iam_commands.Login(email, PASSWORD))
    return Member(await app.handle(iam_commands.Authenticate(pair.access_token)))


async def owner(app: MemoryApp, email: str = "owner@shop.example") -> Member:
    """The TENANT_ADMIN of a newly registered business."""
    await app.handle(iam_commands.RegisterTenant("Shop", email, PASSWORD))
    return await _login(app, email)


async def staff(app: MemoryApp, admin: Member, email: str = "staff@shop.example") -> Member:
    """A STAFF member invited into ``admin``'s tenant."""
    role = iam_model.Role.STAFF
    await app.handle(iam_commands.InviteMember(admin.principal, email, role, PASSWORD))
    return await _login(app, email)


async def add_service(
    app: MemoryApp, member: Member, name: str, amount: int = 1000, **fields: object
) -> catalog.Service:
    """A catalog entry created by ``member`` through the bus."""
    command = commands.CreateService(
        member.tenant_id, name, money.Money(amount, "BRL"), member.actor, **fields
    )
    service: catalog.Service = await app.handle(command)
    return service


async def audit_entries(app: MemoryApp, tenant_id: ids.TenantId) -> list[audit.AuditEntry]:
    """The tenant's audit trail, oldest first."""
    uow = app.container.resolve(InMemoryUnitOfWork)
    async with uow.platform() as tx:
        return [e for e in await tx.audit.all() if e.tenant_id == tenant_id]
