"""Builders and steps shared by the conversations tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from b2adapters.memory import conversations as memory_conversations
from b2adapters.memory.uow import InMemoryUnitOfWork
from b2core.conversations import channel, model, ports
from b2core.conversations.handlers import inbound
from b2core.iam import commands as iam_commands
from b2core.iam import model as iam_model
from b2core.platform import commands as platform_commands
from b2core.shared import audit, ids
from tests.support.memory_app import MemoryApp, memory_app

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TENANT = ids.TenantId("tenant-a")
CHANNEL = ids.ChannelId("channel-1")
CUSTOMER = "bsuid.CUSTOMER.1"  # a business-scoped user id: not a phone number


def inbound_text(
    text: str = "hello",
    *,
    tenant: ids.TenantId = TENANT,
    customer: str = CUSTOMER,
    provider_id: str = "wamid.1",
    at: datetime = T0,
    channel_id: ids.ChannelId = CHANNEL,
    name: str | None = None,
) -> channel.InboundMessage:
    """A customer's text message as a channel reports it."""
    return channel.InboundMessage(
        tenant, channel_id, customer, provider_id, at, text=text, customer_name=name
    )


def conversation(
    status: model.ConversationStatus = model.ConversationStatus.OPEN,
) -> model.Conversation:
    """A conversation in ``status`` (assigned to ``u-1`` when ASSIGNED)."""
    opened = model.Conversation.open(ids.ConversationId("c-1"), TENANT, CHANNEL, CUSTOMER, T0)
    assignee = ids.UserId("u-1") if status is model.ConversationStatus.ASSIGNED else None
    return attrs.evolve(opened, status=status, assignee_id=assignee)


@attrs.define
class Member:
    """A person of a tenant as the edge describes them to the inbox commands."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str

    @property
    def who(self) -> tuple[ids.TenantId, ids.UserId, str]:
        """The leading (tenant_id, user_id, role) arguments of every inbox command."""
        return (self.tenant_id, self.user_id, self.role)


@attrs.define
class Inbox:
    """A memory application with the conversations ports wired, and two tenants' people."""

    app: MemoryApp
    uow: InMemoryUnitOfWork
    outbound: memory_conversations.InMemoryOutboundQueue
    admin: Member
    staff: Member
    other_admin: Member
    sequence: int = 0

    async def handle(self, command: object) -> Any:
        """Send one command through the bus."""
        return await self.app.handle(command)

    async def receive(
        self, text: str = "hello", *, customer: str = CUSTOMER, member: Member | None = None
    ) -> inbound.Received:
        """A new customer message (fresh provider id) stored in the member's tenant."""
        self.sequence += 1
        self.app.clock.advance(timedelta(seconds=1))
        tenant = (member or self.admin).tenant_id
        message = inbound_text(
            text,
            tenant=tenant,
            customer=customer,
            provider_id=f"wamid.{self.sequence}",
            at=self.app.clock.now(),
        )
        return await self.record(message)

    async def record(self, message: channel.InboundMessage) -> inbound.Received:
        """Store an inbound message the way the pipeline will, and commit."""
        id_generator: ids.IdGenerator = self.app.container.resolve(ids.IdGenerator)
        async with self.uow.tenant(message.tenant_id) as tx:
            received = await inbound.record_inbound(tx, message, id_generator)
            await tx.commit()
        return received

    async def audit(self) -> list[audit.AuditEntry]:
        """Every audit entry so far, oldest first."""
        async with self.uow.platform() as tx:
            return await tx.audit.all()

    async def add_member(self, tenant_id: ids.TenantId, role: iam_model.Role, email: str) -> Member:
        """A team member stored directly (login is not what these tests are about)."""
        user = iam_model.User(
            id=ids.UserId(f"user-{email}"),
            tenant_id=tenant_id,
            email=email,
            password_hash="x",
            role=role,
            created_at=T0,
        )
        async with self.uow.platform() as tx:
            assert await tx.users.add(user)
            await tx.commit()
        return Member(tenant_id, user.id, role.value)


async def make_inbox() -> Inbox:
    """A fresh application with tenant A (admin and staff) and tenant B (admin)."""
    app = memory_app()
    await app.handle(platform_commands.EnsurePlatformSettings())
    uow: InMemoryUnitOfWork = app.container.resolve(InMemoryUnitOfWork)
    outbound = memory_conversations.InMemoryOutboundQueue()
    # Bootstrap does not wire the conversations ports yet; punq's last registration wins, and
    # the bus resolves handlers lazily, so registering here is enough.
    app.container.register(ports.ConversationsUoW, instance=uow)
    app.container.register(ports.OutboundQueue, instance=outbound)
    password = "correct horse battery"
    first = await app.handle(iam_commands.RegisterTenant("Shop A", "a@shop.example", password))
    second = await app.handle(iam_commands.RegisterTenant("Shop B", "b@shop.example", password))
    admin = Member(first.tenant_id, first.user_id, "TENANT_ADMIN")
    other = Member(second.tenant_id, second.user_id, "TENANT_ADMIN")
    inbox = Inbox(app, uow, outbound, admin, admin, other)
    inbox.staff = await inbox.add_member(first.tenant_id, iam_model.Role.STAFF, "s@shop.example")
    return inbox
