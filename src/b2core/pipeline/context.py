"""What the pipeline knows about one message once it is stored: loaded in one transaction."""

from __future__ import annotations

import attrs

from b2core.ai import model as ai_model
from b2core.ai import settings as ai_settings
from b2core.conversations import messages
from b2core.conversations import model as conversation_model
from b2core.orders import catalog
from b2core.platform import model as platform_model
from b2core.tenants import model as tenant_model


@attrs.frozen
class MessageContext:
    """The stored inbound message and everything a decision about it reads."""

    tenant: tenant_model.Tenant
    system: platform_model.SystemSettings
    settings: ai_settings.AiSettings
    conversation: conversation_model.Conversation
    message: messages.Message
    services: tuple[catalog.Service, ...]
    recent: tuple[messages.Message, ...]  # newest first, the inbound message included
    reply_key: str  # idempotency key of the reply to this message

    @property
    def tier(self) -> ai_model.AiTier:
        """The AI tier of the plan billing applied to the tenant."""
        from b2core.ai import plans

        return plans.tier_for(self.settings.plan)
