"""Audit trail: one append-only entry per significant action, in the action's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

import attrs

from b2core.shared import ids, time


@attrs.frozen
class Actor:
    """Who did it: a user (with role), the AI, or the system itself."""

    kind: str  # "user" | "ai" | "system"
    user_id: ids.UserId | None = None
    role: str | None = None

    @classmethod
    def system(cls) -> Actor:
        """The platform acting on its own (jobs, webhooks, bootstrap)."""
        return cls("system")

    @classmethod
    def ai(cls) -> Actor:
        """The AI responder."""
        return cls("ai")

    @classmethod
    def user(cls, user_id: ids.UserId, role: str) -> Actor:
        """A logged-in person."""
        return cls("user", user_id, role)


@attrs.frozen
class AuditEntry:
    """One significant action: who, in which tenant, what, on what, when, from where."""

    id: ids.AuditId
    at: datetime
    actor: Actor
    action: str  # e.g. "tenant.suspended", "order.approved"
    tenant_id: ids.TenantId | None = None
    target_type: str | None = None
    target_id: str | None = None
    metadata: Mapping[str, Any] = attrs.field(factory=dict)
    ip: str | None = None


class AuditLog(Protocol):
    """Appends entries inside the current transaction; nothing here updates or deletes."""

    async def append(self, entry: AuditEntry) -> None:
        """Record ``entry``; it becomes durable when the transaction commits."""
        ...


def record(
    id_generator: ids.IdGenerator,
    clock: time.Clock,
    actor: Actor,
    action: str,
    *,
    tenant_id: ids.TenantId | None = None,
    target: tuple[str, str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """A new entry with a fresh id and the current time; ``target`` is ``(type, id)``."""
    return AuditEntry(
        id=ids.AuditId(id_generator.new()),
        at=clock.now(),
        actor=actor,
        action=action,
        tenant_id=tenant_id,
        target_type=target[0] if target else None,
        target_id=target[1] if target else None,
        metadata=dict(metadata or {}),
        ip=ip,
    )
