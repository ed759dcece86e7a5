"""What the inbound pipeline needs from storage: one tenant transaction, one platform read."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from b2core.ai import ports as ai_ports
from b2core.conversations import ports as conversation_ports
from b2core.orders import ports as order_ports
from b2core.platform import ports as platform_ports
from b2core.shared import audit, ids, outbox, uow
from b2core.tenants import ports as tenant_ports


class PipelineTx(uow.Transaction, Protocol):
    """A tenant transaction with everything one message touches."""

    @property
    def conversations(self) -> conversation_ports.ConversationRepository: ...

    @property
    def messages(self) -> conversation_ports.MessageRepository: ...

    @property
    def staff(self) -> conversation_ports.StaffDirectory: ...

    @property
    def services(self) -> order_ports.ServiceRepository: ...

    @property
    def orders(self) -> order_ports.OrderRepository: ...

    @property
    def ai_settings(self) -> ai_ports.AiSettingsRepository: ...

    @property
    def usage(self) -> ai_ports.UsageLog: ...

    @property
    def audit(self) -> audit.AuditLog: ...

    @property
    def outbox(self) -> outbox.OutboxWriter: ...


class PipelinePlatformTx(uow.Transaction, Protocol):
    """The platform facts a decision reads: the tenant's status and the global switches."""

    @property
    def tenants(self) -> tenant_ports.TenantRepository: ...

    @property
    def settings(self) -> platform_ports.SettingsRepository: ...


class PipelineUoW(Protocol):
    """Opens the pipeline's transactions."""

    def tenant(self, tenant_id: ids.TenantId) -> AbstractAsyncContextManager[PipelineTx]: ...

    def platform(self) -> AbstractAsyncContextManager[PipelinePlatformTx]: ...
