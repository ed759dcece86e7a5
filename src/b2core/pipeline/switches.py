"""The WhatsApp kill switches as the outbound path checks them before every send."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from b2core.ai import settings as ai_settings
from b2core.pipeline import ports
from b2core.platform import ports as platform_ports
from b2core.shared import ids
from b2core.tenants import model as tenant_model

if TYPE_CHECKING:
    from b2core.conversations import ports as conversation_ports


@attrs.frozen
class PipelineSendingSwitches:
    """Global and tenant WhatsApp switches, and the tenant's status (only ACTIVE sends).

    The global switch comes from the cached system settings (an admin's change reaches every
    process within about a second); the tenant's status and switch from the store.
    """

    uow: ports.PipelineUoW
    system: platform_ports.SystemSettingsReader

    async def may_send(self, tenant_id: ids.TenantId) -> bool:
        if not (await self.system.current()).global_whatsapp_enabled:
            return False
        async with self.uow.platform() as platform:
            tenant = await platform.tenants.get(tenant_id)
        if tenant is None or tenant.status is not tenant_model.TenantStatus.ACTIVE:
            return False
        async with self.uow.tenant(tenant_id) as tx:
            settings = await tx.ai_settings.get() or ai_settings.AiSettings(tenant_id=tenant_id)
        return settings.whatsapp_enabled


if TYPE_CHECKING:
    _: type[conversation_ports.SendingSwitches] = PipelineSendingSwitches
