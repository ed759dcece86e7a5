"""SQL unit of work: one database transaction per ``async with``, committed explicitly.

On PostgreSQL every database transaction starts by switching to the ``b2_app`` role
(``SET LOCAL ROLE``) and naming its scope: the tenant (``b2.tenant_id``) or the platform
(``b2.scope``). Why the role: row-level security does not bind superusers, nor a table's owner
unless the table forces it, and b2 may log in as either (the tests log in as ``postgres``).
``b2_app`` is neither and has no BYPASSRLS, so the tenant policies that the migrations put on
tenant tables (``b2adapters.sql.migrations.rls``) hold for every statement of a transaction,
whatever the repositories' own WHERE clauses say. Both settings are transaction-local: they
end with the transaction, and a pooled connection carries nothing to its next user.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from b2adapters import billing_ai
from b2adapters.sql import ai as ai_repos
from b2adapters.sql import analytics as analytics_repos
from b2adapters.sql import audit, iam, platform, scheduling_dispatch, statements, tenants
from b2adapters.sql import billing as billing_repos
from b2adapters.sql import channels as channel_repos
from b2adapters.sql import conversations as conversation_repos
from b2adapters.sql import orders as order_repos
from b2adapters.sql import outbox as outbox_repos
from b2adapters.sql import privacy as privacy_repos
from b2adapters.sql import scheduling as scheduling_repos
from b2adapters.sql.migrations import rls
from b2core.shared import ids

if TYPE_CHECKING:
    from b2core.billing import ports as billing_ports
    from b2core.conversations import ports as conversations_ports
    from b2core.iam import ports as iam_ports
    from b2core.orders import ports as orders_ports
    from b2core.platform import ports as platform_ports
    from b2core.privacy import ports as privacy_ports
    from b2core.scheduling import ports as scheduling_ports

# One round trip each; set_config('role', ..., true) is SET LOCAL ROLE, done first.
_SET_TENANT = text(
    f"SELECT set_config('role', '{rls.APP_ROLE}', true), "
    f"set_config('{rls.TENANT_SETTING}', :tenant_id, true)"
)
_SET_PLATFORM = text(
    f"SELECT set_config('role', '{rls.APP_ROLE}', true), "
    f"set_config('{rls.SCOPE_SETTING}', '{rls.PLATFORM_SCOPE}', true)"
)


class SqlTransaction:
    """One connection and its transaction. Leaving without ``commit`` rolls back.

    The database transaction begins at the first statement, and again at the first statement
    after a ``commit`` or ``rollback``; on PostgreSQL each begin also takes the ``b2_app`` role
    and sets the scope (``b2.tenant_id`` or ``b2.scope``) that row-level security reads.

    A tenant-bound transaction offers tenant-bound repositories (``team``; ``audit`` takes and
    shows only the tenant's entries); ``team`` in a platform transaction is a programming error.

    On SQLite a begun transaction holds the database's write lock until it ends, so do not
    open a second transaction inside this one: it would wait for the first and time out.
    """

    def __init__(self, engine: AsyncEngine, tenant_id: ids.TenantId | None) -> None:
        self._engine = engine
        self.tenant_id = tenant_id
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("this transaction is already open")
        self._connection = await self._engine.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if connection.in_transaction():
                await connection.rollback()
        finally:
            await connection.close()

    async def connection(self) -> AsyncConnection:
        """The open connection, inside a begun transaction (for the repositories)."""
        connection = self._open()
        if not connection.in_transaction():
            await connection.begin()
            if connection.dialect.name == "postgresql":
                await self._set_scope(connection)
        return connection

    async def commit(self) -> None:
        connection = self._open()
        if connection.in_transaction():
            # Deferred constraints are checked only now.
            with statements.integrity_errors_as_conflicts("the transaction"):
                await connection.commit()

    async def rollback(self) -> None:
        connection = self._open()
        if connection.in_transaction():
            await connection.rollback()

    @property
    def users(self) -> iam.SqlPlatformUserRepository:
        return iam.SqlPlatformUserRepository(self)

    @property
    def settings(self) -> platform.SqlSettingsRepository:
        return platform.SqlSettingsRepository(self)

    @property
    def tenants(self) -> tenants.SqlTenantRepository:
        return tenants.SqlTenantRepository(self)

    @property
    def one_time_tokens(self) -> iam.SqlOneTimeTokens:
        return iam.SqlOneTimeTokens(self)

    @property
    def audit_reader(self) -> audit.SqlAuditReader:
        return audit.SqlAuditReader(self, self.tenant_id)

    @property
    def audit(self) -> audit.SqlAuditLog:
        return audit.SqlAuditLog(self, self.tenant_id)

    @property
    def team(self) -> iam.SqlTeamRepository:
        if self.tenant_id is None:
            raise RuntimeError("tenant-scoped repository used in a platform transaction")
        return iam.SqlTeamRepository(self, self.tenant_id)

    @property
    def conversations(self) -> conversation_repos.SqlConversationRepository:
        return conversation_repos.SqlConversationRepository(self, self._bound_tenant())

    @property
    def messages(self) -> conversation_repos.SqlMessageRepository:
        return conversation_repos.SqlMessageRepository(self, self._bound_tenant())

    @property
    def outbox(self) -> outbox_repos.SqlOutbox:
        # Tenant transactions write their own entries; the relay reads in platform ones.
        return outbox_repos.SqlOutbox(self)

    @property
    def staff(self) -> conversation_repos.SqlStaffDirectory:
        return conversation_repos.SqlStaffDirectory(self, self._bound_tenant())

    @property
    def services(self) -> order_repos.SqlServiceRepository:
        return order_repos.SqlServiceRepository(self, self._bound_tenant())

    @property
    def orders(self) -> order_repos.SqlOrderRepository:
        return order_repos.SqlOrderRepository(self, self._bound_tenant())

    @property
    def ai_settings(self) -> ai_repos.SqlAiSettingsRepository:
        return ai_repos.SqlAiSettingsRepository(self, self._bound_tenant())

    @property
    def usage(self) -> ai_repos.SqlUsageLog:
        return ai_repos.SqlUsageLog(self, self._bound_tenant())

    @property
    def channels(self) -> channel_repos.SqlChannelRepository:
        return channel_repos.SqlChannelRepository(self, self._bound_tenant())

    @property
    def analytics(self) -> analytics_repos.SqlAnalytics:
        # Tenant-bound in a tenant transaction; every tenant in a platform one.
        return analytics_repos.SqlAnalytics(self, self.tenant_id)

    @property
    def channel_index(self) -> channel_repos.SqlChannelIndex:
        # Webhooks know a channel id, not a tenant: a platform-wide look-up.
        return channel_repos.SqlChannelIndex(self)

    @property
    def message_templates(self) -> scheduling_repos.SqlTemplateRepository:
        return scheduling_repos.SqlTemplateRepository(self, self._bound_tenant())

    @property
    def scheduled_messages(self) -> scheduling_repos.SqlScheduledMessageRepository:
        return scheduling_repos.SqlScheduledMessageRepository(self, self._bound_tenant())

    @property
    def scheduling_settings(self) -> scheduling_repos.SqlSchedulingSettingsRepository:
        return scheduling_repos.SqlSchedulingSettingsRepository(self, self._bound_tenant())

    @property
    def scheduled_dispatch(self) -> scheduling_dispatch.SqlDispatchQueue:
        # Claims and retention span every tenant: platform transactions only.
        if self.tenant_id is not None:
            raise RuntimeError("platform-wide repository used in a tenant transaction")
        return scheduling_dispatch.SqlDispatchQueue(self)

    @property
    def customer_data(self) -> privacy_repos.SqlCustomerDataStore:
        return privacy_repos.SqlCustomerDataStore(self, self._bound_tenant())

    # Billing: plans, coupons and processed events are platform-wide; the subscription, the
    # manual payments and the entitlements belong to the bound tenant.
    @property
    def plans(self) -> billing_repos.SqlPlanRepository:
        return billing_repos.SqlPlanRepository(self)

    @property
    def coupons(self) -> billing_repos.SqlCouponRepository:
        return billing_repos.SqlCouponRepository(self)

    @property
    def processed_events(self) -> billing_repos.SqlProcessedEvents:
        return billing_repos.SqlProcessedEvents(self)

    @property
    def subscription(self) -> billing_repos.SqlSubscriptionRepository:
        return billing_repos.SqlSubscriptionRepository(self, self._bound_tenant())

    @property
    def manual_payments(self) -> billing_repos.SqlManualPaymentRepository:
        return billing_repos.SqlManualPaymentRepository(self, self._bound_tenant())

    @property
    def entitlements(self) -> billing_ai.StoredEntitlements:
        return billing_ai.StoredEntitlements(self.ai_settings, self._bound_tenant())

    @property
    def subscriptions(self) -> billing_repos.SqlSubscriptionDirectory:
        return billing_repos.SqlSubscriptionDirectory(self)

    @property
    def payment_review(self) -> billing_repos.SqlPaymentReview:
        return billing_repos.SqlPaymentReview(self)

    def _bound_tenant(self) -> ids.TenantId:
        if self.tenant_id is None:
            raise RuntimeError("tenant-scoped repository used in a platform transaction")
        return self.tenant_id

    def _open(self) -> AsyncConnection:
        if self._connection is None:
            # A programming error, not a domain outcome.
            raise RuntimeError("the transaction is not open: use it inside 'async with'")
        return self._connection

    async def _set_scope(self, connection: AsyncConnection) -> None:
        if self.tenant_id is None:
            await connection.execute(_SET_PLATFORM)
        else:
            await connection.execute(_SET_TENANT, {"tenant_id": self.tenant_id})


class SqlUnitOfWork:
    """Opens SQL transactions on one engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def tenant(self, tenant_id: ids.TenantId) -> SqlTransaction:
        """A transaction whose repositories see only ``tenant_id``'s rows."""
        return SqlTransaction(self.engine, tenant_id)

    def platform(self) -> SqlTransaction:
        """A platform-wide transaction."""
        return SqlTransaction(self.engine, None)


if TYPE_CHECKING:
    _iam: type[iam_ports.IamUoW] = SqlUnitOfWork
    _accounts: type[iam_ports.AccountsUoW] = SqlUnitOfWork
    _platform: type[platform_ports.PlatformUoW] = SqlUnitOfWork
    _audit_reading: type[platform_ports.AuditUoW] = SqlUnitOfWork
    _orders: type[orders_ports.OrdersUoW] = SqlUnitOfWork
    _conversations: type[conversations_ports.ConversationsUoW] = SqlUnitOfWork
    _scheduling: type[scheduling_ports.SchedulingUoW] = SqlUnitOfWork
    _billing: type[billing_ports.BillingUoW] = SqlUnitOfWork
    _privacy: type[privacy_ports.PrivacyUoW] = SqlUnitOfWork
