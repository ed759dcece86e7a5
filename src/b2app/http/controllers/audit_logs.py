"""The audit trail: ``/audit-logs`` for tenant admins (their tenant) and super admins (all)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import attrs
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from b2app.http import auth, pagination
from b2app.http.controllers import bodies
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.platform import commands
from b2core.shared import audit, errors, ids
from b2core.shared import pagination as core_pagination


@attrs.frozen
class AuditActor:
    """Who acted: ``user`` (with id and role), ``ai`` or ``system``."""

    kind: str
    user_id: str | None
    role: str | None


@attrs.frozen
class AuditLogEntry:
    """One recorded action."""

    id: str
    at: datetime
    action: str
    actor: AuditActor
    tenant_id: str | None
    target_type: str | None
    target_id: str | None
    metadata: dict[str, Any]
    ip: str | None

    @classmethod
    def of(cls, entry: audit.AuditEntry) -> AuditLogEntry:
        """The API view of ``entry``."""
        actor = AuditActor(entry.actor.kind, entry.actor.user_id, entry.actor.role)
        return cls(
            entry.id,
            entry.at,
            entry.action,
            actor,
            entry.tenant_id,
            entry.target_type,
            entry.target_id,
            dict(entry.metadata),
            entry.ip,
        )


@attrs.frozen
class AuditLogPage:
    """One page of the audit trail, newest first."""

    items: list[AuditLogEntry]
    next_cursor: str | None


def parse_instant(name: str, value: str | None) -> datetime | None:
    """An ISO 8601 date-time with a UTC offset; empty means absent.

    Raises ``errors.InvalidInput`` (``audit.bad_time``) for anything else.
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise errors.InvalidInput(
            f"{name} must be an ISO 8601 date-time with a UTC offset", code="audit.bad_time"
        )
    return moment


def _shown(entry: audit.AuditEntry) -> dict[str, Any]:
    return bodies.dump(AuditLogEntry.of(entry))


_Text = Annotated[str | None, QueryParameter(description="Exact match; empty means any.")]
_Instant = Annotated[
    str | None,
    QueryParameter(description="ISO 8601 date-time with offset, e.g. 2026-01-31T00:00:00Z."),
]


class AuditLogsController(Controller):
    """Read-only. The tenant comes from the token; only super admins may name one."""

    path = "/audit-logs"
    tags = ["audit"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(permissions.Action.AUDIT_READ),
        **bodies.answers(200, AuditLogPage, "matching entries", (401, 403, 422)),
    )
    async def list_entries(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
        action: _Text = None,
        actor_user_id: _Text = None,
        since: _Instant = None,
        until: _Instant = None,
        tenant_id: Annotated[
            str | None, QueryParameter(description="Super admins only: one tenant's entries.")
        ] = None,
    ) -> dict[str, Any]:
        """Entries newest first; tenant admins see their tenant's, super admins everyone's."""
        criteria = commands.AuditFilter(
            action=action or None,
            actor_user_id=ids.UserId(actor_user_id) if actor_user_id else None,
            since=parse_instant("since", since),
            until=parse_instant("until", until),
            tenant_id=ids.TenantId(tenant_id) if tenant_id else None,
        )
        query = commands.ListAuditEntries(principal.tenant_id, criteria, page)
        return pagination.render(await bus.handle(query), item=_shown)
