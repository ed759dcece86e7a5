"""What the orders handlers share: who may touch the catalog, loading, and audit entries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from b2core.orders import catalog, model, policy, ports
from b2core.shared import audit, errors, ids, time


def audit_actor(by: policy.Actor) -> audit.Actor:
    """The audit trail's actor for ``by``: a user with id and role, the AI, or the system.

    Both actor types spell their kinds "user", "ai" and "system".
    """
    return audit.Actor(by.kind.value, by.user_id, by.role)


def check_member(by: policy.Actor, area: str) -> None:
    """Refuse a person without a tenant role (TENANT_ADMIN or STAFF), as the order policy does.

    The AI and the system read on behalf of the tenant whose transaction they open.
    """
    if by.is_human and by.role not in policy.TENANT_ROLES:
        raise errors.Forbidden(
            "this role may not use the tenant's catalog or orders", code=f"{area}.role_not_allowed"
        )


def check_catalog_editor(by: policy.Actor) -> None:
    """Only the tenant's people (or the platform itself, seeding a demo) change the catalog.

    Catalog prices are the only prices customers are shown, so the AI never writes them.
    """
    if by.kind is policy.ActorKind.AI:
        raise errors.Forbidden("the AI may not change the catalog", code="service.ai_not_allowed")
    check_member(by, "service")


async def load_service(tx: ports.OrdersTx, service_id: ids.ServiceId) -> catalog.Service:
    """The tenant's service, or ``service.not_found`` (also for another tenant's id)."""
    found = await tx.services.get(service_id)
    if found is None:
        raise errors.NotFound("no such service", code="service.not_found")
    return found


async def load_order(tx: ports.OrdersTx, order_id: ids.OrderId) -> model.Order:
    """The tenant's order, or ``order.not_found`` (also for another tenant's id)."""
    found = await tx.orders.get(order_id)
    if found is None:
        raise errors.NotFound("no such order", code="order.not_found")
    return found


def entry(
    id_generator: ids.IdGenerator,
    clock: time.Clock,
    by: policy.Actor,
    action: str,
    tenant_id: ids.TenantId,
    target: tuple[str, str],
    metadata: Mapping[str, Any] | None = None,
) -> audit.AuditEntry:
    """The one audit entry of a change to the catalog or to an order."""
    return audit.record(
        id_generator,
        clock,
        audit_actor(by),
        action,
        tenant_id=tenant_id,
        target=target,
        metadata=metadata,
    )
