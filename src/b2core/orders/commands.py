"""Commands of the orders context: what the edge, the AI pipeline and workers ask for.

``tenant_id`` always comes from the verified token (or the job that carries it), never from a
request body; ``by`` is the acting user, the AI or the system (see :mod:`policy`).
"""

from __future__ import annotations

import attrs

from b2core.orders import policy
from b2core.shared import ids, money


@attrs.frozen
class CreateService:
    """Add a service to the tenant's catalog."""

    tenant_id: ids.TenantId
    name: str
    price: money.Money
    by: policy.Actor
    description: str = ""
    active: bool = True


@attrs.frozen
class UpdateService:
    """Change some fields of a service; None leaves a field as it is."""

    tenant_id: ids.TenantId
    service_id: ids.ServiceId
    by: policy.Actor
    name: str | None = None
    description: str | None = None
    price: money.Money | None = None
    active: bool | None = None


@attrs.frozen
class DeleteService:
    """Remove a service from the catalog; existing orders keep their copy of it."""

    tenant_id: ids.TenantId
    service_id: ids.ServiceId
    by: policy.Actor


@attrs.frozen
class DraftOrder:
    """Draft an order from the catalog for a customer; each item is (service name or id, qty).

    Prices are looked up in the catalog; nothing in this command can set one.
    """

    tenant_id: ids.TenantId
    customer_id: str
    items: tuple[tuple[str, int], ...]
    by: policy.Actor
    conversation_id: ids.ConversationId | None = None
    customer_name: str | None = None
    customer_phone: str | None = None
    customer_email: str | None = None
    submit: bool = False  # also ask for approval at once (the AI's usual path)


@attrs.frozen
class SubmitOrder:
    """Ask a human to approve a DRAFT order."""

    tenant_id: ids.TenantId
    order_id: ids.OrderId
    by: policy.Actor


@attrs.frozen
class ApproveOrder:
    """Accept a pending order (TENANT_ADMIN or STAFF only)."""

    tenant_id: ids.TenantId
    order_id: ids.OrderId
    by: policy.Actor


@attrs.frozen
class RejectOrder:
    """Refuse a pending order, with a reason (TENANT_ADMIN or STAFF only)."""

    tenant_id: ids.TenantId
    order_id: ids.OrderId
    by: policy.Actor
    reason: str


@attrs.frozen
class CompleteOrder:
    """Mark an approved order delivered (TENANT_ADMIN or STAFF only)."""

    tenant_id: ids.TenantId
    order_id: ids.OrderId
    by: policy.Actor


@attrs.frozen
class CancelOrder:
    """Withdraw a DRAFT or pending order."""

    tenant_id: ids.TenantId
    order_id: ids.OrderId
    by: policy.Actor
    reason: str | None = None
