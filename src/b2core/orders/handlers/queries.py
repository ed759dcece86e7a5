"""Read commands of the orders context: list and get services and orders of one tenant.

They sit beside the handlers that serve them; like every command, they carry the tenant and the
actor that the edge takes from the verified token.
"""

from __future__ import annotations

import attrs

from b2core.orders import model, policy
from b2core.shared import ids, pagination


@attrs.frozen
class ListServices:
    """A page of the tenant's catalog by name, optionally only (in)active services."""

    tenant_id: ids.TenantId
    by: policy.Actor
    page: pagination.PageRequest = attrs.field(factory=pagination.PageRequest)
    active: bool | None = None


@attrs.frozen
class GetService:
    """One service of the tenant's catalog."""

    tenant_id: ids.TenantId
    service_id: ids.ServiceId
    by: policy.Actor


@attrs.frozen
class ListOrders:
    """A page of the tenant's orders, newest first, optionally by status or customer."""

    tenant_id: ids.TenantId
    by: policy.Actor
    page: pagination.PageRequest = attrs.field(factory=pagination.PageRequest)
    status: model.OrderStatus | None = None
    customer_id: str | None = None


@attrs.frozen
class GetOrder:
    """One order of the tenant, with its items and history."""

    tenant_id: ids.TenantId
    order_id: ids.OrderId
    by: policy.Actor
