"""Events of the orders context: what happened to the catalog and to orders.

Events carry ids, actors and values, never aggregates, so that they stay small and can cross
process boundaries. Catalog events let the AI pipeline drop its cached catalog prompt.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from b2core.orders import policy
from b2core.shared import ids, money


@attrs.frozen
class ServiceCreated:
    """A service joined a tenant's catalog."""

    tenant_id: ids.TenantId
    service_id: ids.ServiceId
    by: policy.Actor
    at: datetime


@attrs.frozen
class ServiceUpdated:
    """A service changed its name, description, price or active flag."""

    tenant_id: ids.TenantId
    service_id: ids.ServiceId
    by: policy.Actor
    at: datetime


@attrs.frozen
class ServiceDeleted:
    """A service left the catalog; orders keep their copy of its name and price."""

    tenant_id: ids.TenantId
    service_id: ids.ServiceId
    by: policy.Actor
    at: datetime


@attrs.frozen
class OrderDrafted:
    """A DRAFT order exists, priced from the catalog."""

    tenant_id: ids.TenantId
    order_id: ids.OrderId
    customer_id: str
    total: money.Money
    by: policy.Actor
    at: datetime
    conversation_id: ids.ConversationId | None = None


@attrs.frozen
class OrderSubmitted:
    """An order waits for a human's approval."""

    tenant_id: ids.TenantId
    order_id: ids.OrderId
    by: policy.Actor
    at: datetime


@attrs.frozen
class OrderApproved:
    """A human accepted the order."""

    tenant_id: ids.TenantId
    order_id: ids.OrderId
    by: policy.Actor
    at: datetime


@attrs.frozen
class OrderRejected:
    """A human refused the order, for ``reason``."""

    tenant_id: ids.TenantId
    order_id: ids.OrderId
    by: policy.Actor
    at: datetime
    reason: str


@attrs.frozen
class OrderCompleted:
    """An approved order was delivered."""

    tenant_id: ids.TenantId
    order_id: ids.OrderId
    by: policy.Actor
    at: datetime


@attrs.frozen
class OrderCancelled:
    """An order was withdrawn before anyone approved it."""

    tenant_id: ids.TenantId
    order_id: ids.OrderId
    by: policy.Actor
    at: datetime
    reason: str | None = None


OrderEvent = (
    OrderDrafted | OrderSubmitted | OrderApproved | OrderRejected | OrderCompleted | OrderCancelled
)
ServiceEvent = ServiceCreated | ServiceUpdated | ServiceDeleted
