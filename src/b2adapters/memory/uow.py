"""In-memory unit of work: serialized, copy-on-write transactions over an InMemoryStore."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from b2adapters import billing_ai
from b2adapters.memory import ai as ai_repos
from b2adapters.memory import analytics as analytics_repos
from b2adapters.memory import audit, iam, orders, platform, tenants
from b2adapters.memory import billing as billing_repos
from b2adapters.memory import channels as channel_repos
from b2adapters.memory import conversations as conversation_repos
from b2adapters.memory import outbox as outbox_repos
from b2adapters.memory import privacy as privacy_repos
from b2adapters.memory import scheduling as scheduling_repos
from b2adapters.memory.store import InMemoryStore
from b2core.shared import ids

if TYPE_CHECKING:
    from b2core.billing import ports as billing_ports
    from b2core.conversations import ports as conversations_ports
    from b2core.iam import ports as iam_ports
    from b2core.orders import ports as orders_ports
    from b2core.pipeline import ports as pipeline_ports
    from b2core.platform import ports as platform_ports
    from b2core.privacy import ports as privacy_ports
    from b2core.scheduling import ports as scheduling_ports


class InMemoryTransaction:
    """One transaction. Tables are copied on first touch; commit publishes the copies.

    Do not open a second transaction on the same store inside this one: the store's lock is
    held until this one ends.
    """

    def __init__(self, store: InMemoryStore, tenant_id: ids.TenantId | None) -> None:
        self._store = store
        self.tenant_id = tenant_id
        self._staged: dict[str, dict[Any, Any]] = {}

    async def __aenter__(self) -> Self:
        await self._store.lock.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._staged.clear()
        self._store.lock.release()

    def table(self, name: str) -> dict[Any, Any]:
        """The transaction's private copy of table ``name``."""
        if name not in self._staged:
            self._staged[name] = dict(self._store.tables.get(name, {}))
        return self._staged[name]

    async def commit(self) -> None:
        self._store.tables.update(self._staged)
        self._staged = {}

    async def rollback(self) -> None:
        self._staged = {}

    # Repositories. Tenant-bound transactions only offer tenant-scoped ones.
    @property
    def users(self) -> iam.InMemoryPlatformUserRepository:
        return iam.InMemoryPlatformUserRepository(self)

    @property
    def settings(self) -> platform.InMemorySettingsRepository:
        return platform.InMemorySettingsRepository(self)

    @property
    def tenants(self) -> tenants.InMemoryTenantRepository:
        return tenants.InMemoryTenantRepository(self)

    @property
    def one_time_tokens(self) -> iam.InMemoryOneTimeTokens:
        return iam.InMemoryOneTimeTokens(self)

    @property
    def audit_reader(self) -> audit.InMemoryAuditReader:
        return audit.InMemoryAuditReader(self)

    @property
    def audit(self) -> audit.InMemoryAuditLog:
        return audit.InMemoryAuditLog(self)

    @property
    def team(self) -> iam.InMemoryTeamRepository:
        return iam.InMemoryTeamRepository(self, self._require_tenant())

    @property
    def services(self) -> orders.InMemoryServiceRepository:
        return orders.InMemoryServiceRepository(self, self._require_tenant())

    @property
    def orders(self) -> orders.InMemoryOrderRepository:
        return orders.InMemoryOrderRepository(self, self._require_tenant())

    @property
    def conversations(self) -> conversation_repos.InMemoryConversationRepository:
        return conversation_repos.InMemoryConversationRepository(self, self._require_tenant())

    @property
    def messages(self) -> conversation_repos.InMemoryMessageRepository:
        return conversation_repos.InMemoryMessageRepository(self, self._require_tenant())

    @property
    def outbox(self) -> outbox_repos.InMemoryOutbox:
        # Tenant transactions write their own entries; the relay reads in platform ones.
        return outbox_repos.InMemoryOutbox(self)

    @property
    def staff(self) -> conversation_repos.InMemoryStaffDirectory:
        return conversation_repos.InMemoryStaffDirectory(self, self._require_tenant())

    @property
    def message_templates(self) -> scheduling_repos.InMemoryTemplateRepository:
        return scheduling_repos.InMemoryTemplateRepository(self, self._require_tenant())

    @property
    def scheduled_messages(self) -> scheduling_repos.InMemoryScheduledMessageRepository:
        return scheduling_repos.InMemoryScheduledMessageRepository(self, self._require_tenant())

    @property
    def scheduling_settings(self) -> scheduling_repos.InMemorySchedulingSettingsRepository:
        return scheduling_repos.InMemorySchedulingSettingsRepository(self, self._require_tenant())

    @property
    def scheduled_dispatch(self) -> scheduling_repos.InMemoryDispatchQueue:
        # Claims and retention span every tenant: platform transactions only.
        if self.tenant_id is not None:
            raise RuntimeError("platform-wide repository used in a tenant transaction")
        return scheduling_repos.InMemoryDispatchQueue(self)

    @property
    def ai_settings(self) -> ai_repos.InMemoryAiSettingsRepository:
        return ai_repos.InMemoryAiSettingsRepository(self, self._require_tenant())

    @property
    def usage(self) -> ai_repos.InMemoryUsageLog:
        return ai_repos.InMemoryUsageLog(self, self._require_tenant())

    @property
    def channels(self) -> channel_repos.InMemoryChannelRepository:
        return channel_repos.InMemoryChannelRepository(self, self._require_tenant())

    @property
    def analytics(self) -> analytics_repos.InMemoryAnalytics:
        # Tenant-bound in a tenant transaction; every tenant in a platform one.
        return analytics_repos.InMemoryAnalytics(self, self.tenant_id)

    @property
    def channel_index(self) -> channel_repos.InMemoryChannelIndex:
        # Webhooks know a channel id, not a tenant: a platform-wide look-up.
        return channel_repos.InMemoryChannelIndex(self)

    @property
    def customer_data(self) -> privacy_repos.InMemoryCustomerDataStore:
        return privacy_repos.InMemoryCustomerDataStore(self, self._require_tenant())

    # Billing: plans, coupons and processed events are platform-wide; the subscription, the
    # manual payments and the entitlements belong to the bound tenant.
    @property
    def plans(self) -> billing_repos.InMemoryPlanRepository:
        return billing_repos.InMemoryPlanRepository(self)

    @property
    def coupons(self) -> billing_repos.InMemoryCouponRepository:
        return billing_repos.InMemoryCouponRepository(self)

    @property
    def processed_events(self) -> billing_repos.InMemoryProcessedEvents:
        return billing_repos.InMemoryProcessedEvents(self)

    @property
    def subscription(self) -> billing_repos.InMemorySubscriptionRepository:
        return billing_repos.InMemorySubscriptionRepository(self, self._require_tenant())

    @property
    def manual_payments(self) -> billing_repos.InMemoryManualPaymentRepository:
        return billing_repos.InMemoryManualPaymentRepository(self, self._require_tenant())

    @property
    def entitlements(self) -> billing_ai.StoredEntitlements:
        return billing_ai.StoredEntitlements(self.ai_settings, self._require_tenant())

    @property
    def subscriptions(self) -> billing_repos.InMemorySubscriptionDirectory:
        return billing_repos.InMemorySubscriptionDirectory(self)

    @property
    def payment_review(self) -> billing_repos.InMemoryPaymentReview:
        return billing_repos.InMemoryPaymentReview(self)

    def _require_tenant(self) -> ids.TenantId:
        if self.tenant_id is None:
            raise RuntimeError("tenant-scoped repository used in a platform transaction")
        return self.tenant_id


class InMemoryUnitOfWork:
    """Opens in-memory transactions on one shared store."""

    def __init__(self, store: InMemoryStore | None = None) -> None:
        self.store = store or InMemoryStore()

    def tenant(self, tenant_id: ids.TenantId) -> InMemoryTransaction:
        """A transaction whose repositories see only ``tenant_id``'s rows."""
        return InMemoryTransaction(self.store, tenant_id)

    def platform(self) -> InMemoryTransaction:
        """A platform-wide transaction."""
        return InMemoryTransaction(self.store, None)


if TYPE_CHECKING:
    _iam: type[iam_ports.IamUoW] = InMemoryUnitOfWork
    _accounts: type[iam_ports.AccountsUoW] = InMemoryUnitOfWork
    _platform: type[platform_ports.PlatformUoW] = InMemoryUnitOfWork
    _audit_reading: type[platform_ports.AuditUoW] = InMemoryUnitOfWork
    _orders: type[orders_ports.OrdersUoW] = InMemoryUnitOfWork
    _conversations: type[conversations_ports.ConversationsUoW] = InMemoryUnitOfWork
    _scheduling: type[scheduling_ports.SchedulingUoW] = InMemoryUnitOfWork
    _pipeline: type[pipeline_ports.PipelineUoW] = InMemoryUnitOfWork
    _billing: type[billing_ports.BillingUoW] = InMemoryUnitOfWork
    _privacy: type[privacy_ports.PrivacyUoW] = InMemoryUnitOfWork
