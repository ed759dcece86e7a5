"""Helpers of the scheduling tests (no tests here): the app with its scheduling ports, members."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs

from b2adapters.memory import scheduling as memory_scheduling
from b2adapters.memory.uow import InMemoryUnitOfWork
from b2core.iam import commands as iam_commands
from b2core.platform import commands as platform_commands
from b2core.scheduling import commands, ports, templates
from b2core.shared import audit, ids
from b2core.tenants import model as tenant_model
from tests.support.memory_app import MemoryApp, memory_app

PASSWORD = "correct horse battery"
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday, noon UTC
PHONE = "+5511987654321"


@attrs.frozen
class Member:
    """A person of a tenant as the edge passes them on: plain tenant id, user id and role."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str = "TENANT_ADMIN"

    @property
    def who(self) -> dict[str, Any]:
        """The caller fields every staff command takes."""
        return {"tenant_id": self.tenant_id, "user_id": self.user_id, "role": self.role}

    def as_role(self, role: str) -> Member:
        """Another person of the same tenant with ``role``."""
        return Member(self.tenant_id, ids.UserId(f"{self.user_id}-{role.lower()}"), role)


@attrs.define
class SchedulingApp:
    """The memory application plus the scheduling adapters tests look at."""

    app: MemoryApp
    uow: InMemoryUnitOfWork
    tenants: memory_scheduling.InMemoryTenantStates
    windows: memory_scheduling.InMemoryServiceWindows
    sender: Any  # a RecordingMessageSender, or a test's wrapper around one

    async def handle(self, command: object) -> Any:
        """Send one command through the bus."""
        return await self.app.handle(command)

    def use_sender(self, sender: Any) -> None:
        """Route outbound messages to ``sender`` from now on."""
        self.sender = sender
        self.app.container.register(ports.MessageSender, instance=sender)

    @property
    def now(self) -> datetime:
        return self.app.clock.now()


async def scheduling_app() -> SchedulingApp:
    """A fresh memory application with the scheduling ports wired, its clock at :data:`T0`.

    The composition root does not know the scheduling ports yet, so they are registered here
    (punq: the last registration wins).
    """
    app = memory_app()
    app.clock.set(T0)
    await app.handle(platform_commands.EnsurePlatformSettings())
    uow = app.container.resolve(InMemoryUnitOfWork)
    wired = SchedulingApp(
        app,
        uow,
        memory_scheduling.InMemoryTenantStates(uow.store),
        memory_scheduling.InMemoryServiceWindows(),
        memory_scheduling.RecordingMessageSender(),
    )
    app.container.register(ports.SchedulingUoW, instance=uow)
    app.container.register(ports.TenantStates, instance=wired.tenants)
    app.container.register(ports.ServiceWindows, instance=wired.windows)
    wired.use_sender(wired.sender)
    return wired


async def register(app: SchedulingApp, name: str = "Shop", timezone: str | None = None) -> Member:
    """A newly onboarded business, as its TENANT_ADMIN; optionally in another time zone."""
    email = f"owner-{name.lower().replace(' ', '-')}@shop.example"
    done = await app.handle(iam_commands.RegisterTenant(name, email, PASSWORD))
    if timezone is not None:
        await change_tenant(app, done.tenant_id, lambda t: t.update_profile(T0, timezone=timezone))
    return Member(done.tenant_id, done.user_id)


async def change_tenant(app: SchedulingApp, tenant_id: ids.TenantId, change: Any) -> None:
    """Apply ``change`` (Tenant -> Tenant) to the stored tenant."""
    async with app.uow.platform() as tx:
        tenant: tenant_model.Tenant | None = await tx.tenants.get(tenant_id)
        assert tenant is not None
        await tx.tenants.save(change(tenant))
        await tx.commit()


async def add_template(
    app: SchedulingApp,
    member: Member,
    name: str = "Reminder",
    content: str = "Hi {{ name }}, see you at {{time}}.",
    variables: tuple[str, ...] = ("name", "time"),
    whatsapp: templates.WhatsAppTemplate | None = None,
) -> templates.MessageTemplate:
    """A template created through the bus."""
    command = commands.CreateTemplate(
        **member.who, name=name, content=content, variables=variables, whatsapp=whatsapp
    )
    template: templates.MessageTemplate = await app.handle(command)
    return template


async def audit_entries(
    app: SchedulingApp, tenant_id: ids.TenantId | None
) -> list[audit.AuditEntry]:
    """The audit trail of ``tenant_id`` (None: platform entries), oldest first."""
    async with app.uow.platform() as tx:
        return [e for e in await tx.audit.all() if e.tenant_id == tenant_id]
