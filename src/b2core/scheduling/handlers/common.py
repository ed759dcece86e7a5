"""What the scheduling handlers share: the role check, loading by id, and audit entries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from b2core.scheduling import model, ports, templates
from b2core.shared import audit, errors, ids, time

TENANT_ADMIN = "TENANT_ADMIN"
STAFF = "STAFF"
# The people who work inside the tenant; a platform SUPER_ADMIN does not schedule for it.
STAFF_ROLES = frozenset({TENANT_ADMIN, STAFF})


def check_staff(role: str, area: str) -> None:
    """Refuse anyone but the tenant's admins and staff (``<area>.role_not_allowed``)."""
    if role not in STAFF_ROLES:
        raise errors.Forbidden(
            "only the business's admins and staff may do this", code=f"{area}.role_not_allowed"
        )


def check_admin(role: str, area: str) -> None:
    """Refuse anyone but the tenant's admins (``<area>.admin_required``)."""
    if role != TENANT_ADMIN:
        raise errors.Forbidden(
            "only the business's admins may do this", code=f"{area}.admin_required"
        )


async def load_template(
    tx: ports.SchedulingTx, template_id: ids.TemplateId
) -> templates.MessageTemplate:
    """The tenant's template, or ``template.not_found`` (also for another tenant's id)."""
    found = await tx.message_templates.get(template_id)
    if found is None:
        raise errors.NotFound("no such template", code="template.not_found")
    return found


async def load_message(
    tx: ports.SchedulingTx, message_id: ids.ScheduledMessageId
) -> model.ScheduledMessage:
    """The tenant's scheduled message, or ``schedule.not_found``."""
    found = await tx.scheduled_messages.get(message_id)
    if found is None:
        raise errors.NotFound("no such scheduled message", code="schedule.not_found")
    return found


def user_entry(
    id_generator: ids.IdGenerator,
    clock: time.Clock,
    user: tuple[ids.UserId, str],
    action: str,
    tenant_id: ids.TenantId,
    target: tuple[str, str],
    metadata: Mapping[str, Any] | None = None,
) -> audit.AuditEntry:
    """The one audit entry of a person's change; ``user`` is (user id, role).

    Metadata never holds phone numbers or message texts: erasing a customer's data must not
    need to rewrite the audit trail.
    """
    return audit.record(
        id_generator,
        clock,
        audit.Actor.user(*user),
        action,
        tenant_id=tenant_id,
        target=target,
        metadata=metadata,
    )
