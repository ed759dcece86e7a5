"""Random customer data for privacy tests: a spec Hypothesis draws, loaded through repositories
(so the same data lands in memory, SQLite or PostgreSQL) with an audit entry per customer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from hypothesis import strategies as st

from b2adapters.memory.clock import ManualClock, SequentialIds
from b2core.conversations import channel, delivery, messages, model
from b2core.orders import model as order_model
from b2core.orders import policy
from b2core.privacy import handlers
from b2core.shared import audit, ids, money
from b2core.tenants import model as tenant_model

TENANTS = (ids.TenantId("tenant-a"), ids.TenantId("tenant-b"))
START = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
ADMIN = audit.Actor.user(ids.UserId("user-1"), "TENANT_ADMIN")


@attrs.frozen
class MessageSpec:
    text: str
    inbound: bool
    media_name: str | None


@attrs.frozen
class CustomerSpec:
    tenant_id: ids.TenantId
    customer_id: str
    name: str | None
    phone: str | None
    email: str | None
    messages: tuple[MessageSpec, ...]
    orders: int


_words = st.text(alphabet="abcdefghij", min_size=3, max_size=8)
_messages = st.builds(
    MessageSpec,
    text=st.text(alphabet="abcdefghij klmnop", min_size=1, max_size=30).filter(str.strip),
    inbound=st.booleans(),
    media_name=st.none() | _words.map(lambda w: f"{w}.jpg"),
)


@st.composite
def customers(draw: st.DrawFn) -> list[CustomerSpec]:
    """Up to three customers in each of two tenants; the same customer id may be in both."""
    found: list[CustomerSpec] = []
    for tenant in TENANTS:
        numbers = draw(st.lists(st.integers(100_000, 100_004), max_size=3, unique=True))
        for number in numbers:
            found.append(
                CustomerSpec(
                    tenant,
                    f"+92300{number}",
                    draw(st.none() | _words.map(str.capitalize)),
                    draw(st.none() | st.just(f"+92 300 {number}")),
                    draw(st.none() | _words.map(lambda w: f"{w}@mail.example")),
                    tuple(draw(st.lists(_messages, max_size=3))),
                    draw(st.integers(0, 2)),
                )
            )
    return found


def _order(spec: CustomerSpec, order_id: str, conversation_id: str, at: datetime) -> Any:
    item = order_model.OrderItem(ids.ServiceId("service-1"), "Cake", money.Money(250000, "PKR"), 2)
    return order_model.Order(
        id=ids.OrderId(order_id),
        tenant_id=spec.tenant_id,
        customer=order_model.Customer(spec.customer_id, spec.name, spec.phone, spec.email),
        items=(item,),
        status=order_model.OrderStatus.PENDING_APPROVAL,
        created_by=policy.Actor.ai(),
        created_at=at,
        updated_at=at,
        conversation_id=ids.ConversationId(conversation_id),
    )


def _message(
    spec: MessageSpec, conversation: model.Conversation, message_id: str, at: datetime
) -> Any:
    media = None
    if spec.media_name is not None:
        media = channel.Media(
            channel.MediaType.IMAGE, f"media-{message_id}", "image/jpeg", spec.text, spec.media_name
        )
    kind = messages.MessageType.TEXT if media is None else messages.MessageType.IMAGE
    direction = messages.Direction.INBOUND if spec.inbound else messages.Direction.OUTBOUND
    return messages.Message(
        ids.MessageId(message_id),
        conversation.tenant_id,
        conversation.id,
        conversation.channel_id,
        direction,
        kind,
        at,
        text=None if media is not None else spec.text,
        media=media,
        provider_message_id=f"wamid-{message_id}" if spec.inbound else None,
        delivery_state=None if spec.inbound else delivery.DeliveryState.SENT,
        idempotency_key=None if spec.inbound else f"key-{message_id}",
    )


async def load(
    uow: Any, specs: list[CustomerSpec], prefix: str = "x"
) -> list[tuple[ids.TenantId, ids.MessageId, str]]:
    """Store every spec's data; returns the stored media files as (tenant, message id, name)."""
    files: list[tuple[ids.TenantId, ids.MessageId, str]] = []
    async with uow.platform() as tx:
        for tenant_id in sorted({spec.tenant_id for spec in specs}):
            if await tx.tenants.get(tenant_id) is None:
                await tx.tenants.add(tenant_model.Tenant.register(tenant_id, tenant_id, START))
        await tx.commit()
    for n, spec in enumerate(specs):
        at = START + timedelta(minutes=n)
        async with uow.tenant(spec.tenant_id) as tx:
            conversation = model.Conversation.open(
                ids.ConversationId(f"{prefix}-conv-{n}"),
                spec.tenant_id,
                ids.ChannelId("channel-1"),
                spec.customer_id,
                at,
            )
            contact = model.Contact(spec.name, spec.phone, spec.email)
            stored, _ = await tx.conversations.get_or_open_for_customer(
                attrs.evolve(conversation, contact=contact)
            )
            for m, message in enumerate(spec.messages):
                message_id = f"{prefix}-msg-{n}-{m}"
                await tx.messages.add(
                    _message(message, stored, message_id, at + timedelta(seconds=m))
                )
                if message.media_name is not None:
                    files.append((spec.tenant_id, ids.MessageId(message_id), message.media_name))
            for o in range(spec.orders):
                await tx.orders.add(_order(spec, f"{prefix}-order-{n}-{o}", stored.id, at))
            # An entry that names the customer, as the inbox and orders write them.
            details = {
                "customer": spec.customer_id,
                "name": spec.name,
                "note": f"call {spec.phone}",
            }
            entry = audit.record(
                SequentialIds(f"{prefix}-audit-{n}"),
                ManualClock(at),
                audit.Actor.ai(),
                "order.drafted",
                tenant_id=spec.tenant_id,
                target=("customer", spec.customer_id),
                metadata=details,
            )
            await tx.audit.append(entry)
            await tx.commit()
    return files


def handler_set(uow: Any, media: Any, ids_prefix: str = "privacy") -> dict[str, Any]:
    """The four privacy handlers over ``uow`` and ``media``."""
    id_generator, clock = SequentialIds(ids_prefix), ManualClock(START + timedelta(days=1))
    return {
        "export": handlers.ExportCustomerDataHandler(uow, id_generator, clock),
        "erase": handlers.EraseCustomerDataHandler(uow, media, id_generator, clock),
        "export_tenant": handlers.ExportTenantDataHandler(uow, id_generator, clock),
        "erase_tenant": handlers.EraseTenantDataHandler(uow, media, id_generator, clock),
    }
