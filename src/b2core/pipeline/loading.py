"""Step one of the pipeline: store the inbound message and load what the decision reads."""

from __future__ import annotations

from b2core.ai import limits, policy
from b2core.ai import settings as ai_settings
from b2core.conversations import channel
from b2core.conversations import policy as conversation_policy
from b2core.conversations.handlers import inbound as recording
from b2core.pipeline import ports
from b2core.pipeline.context import MessageContext
from b2core.platform import ports as platform_ports
from b2core.shared import errors, ids, pagination

RECENT_MESSAGES = 20  # more than the history window ever sends


async def load(
    uow: ports.PipelineUoW,
    inbound: channel.InboundMessage,
    id_generator: ids.IdGenerator,
    system_settings: platform_ports.SystemSettingsReader,
) -> MessageContext | None:
    """Commit the inbound message (so it is never lost), then gather the context.

    Returns None when this message was already answered: a repeated delivery or a retried
    job after the reply was written. A repeat that was never answered (a crash in between)
    is processed again.
    """
    async with uow.platform() as platform:
        tenant = await platform.tenants.get(inbound.tenant_id)
    # Through the settings cache: no settings query per message, changes seen within a second.
    system = await system_settings.current()
    if tenant is None:
        raise errors.NotFound("no such tenant", code="tenant.not_found")
    async with uow.tenant(inbound.tenant_id) as tx:
        received = await recording.record_inbound(tx, inbound, id_generator)
        key = conversation_policy.outbound_key(
            tenant.id, received.conversation.id, received.message.id
        )
        if not received.is_new and await tx.messages.find_by_idempotency_key(key) is not None:
            return None
        settings = await tx.ai_settings.get() or ai_settings.AiSettings(tenant_id=tenant.id)
        services = tuple(await tx.services.list_active())
        recent = await tx.messages.list_for_conversation(
            received.conversation.id, pagination.PageRequest(limit=RECENT_MESSAGES)
        )
        await tx.commit()
    return MessageContext(
        tenant, system, settings, received.conversation, received.message, services,
        recent.items, key,
    )  # fmt: skip


def switches(ctx: MessageContext) -> policy.KillSwitches:
    """The four kill switches as they stand for this tenant."""
    return policy.KillSwitches(
        global_ai=ctx.system.global_ai_enabled,
        global_whatsapp=ctx.system.global_whatsapp_enabled,
        tenant_ai=ctx.settings.ai_enabled,
        tenant_whatsapp=ctx.settings.whatsapp_enabled,
    )


def customer_key(ctx: MessageContext, rule: limits.RateRule) -> str:
    """The per-customer limiter key of this message's sender."""
    return limits.customer_key(ctx.tenant.id, ctx.conversation.customer_id, rule)
