"""Reading the audit trail: a tenant's viewer sees its tenant only, an operator everything."""

from __future__ import annotations

import attrs

from b2core.platform import commands, ports
from b2core.shared import audit, errors, pagination


def check_filter(criteria: commands.AuditFilter) -> None:
    """Raise ``errors.InvalidInput`` (``audit.bad_range``) when ``since`` is not before ``until``.

    Also ``audit.bad_time`` for an instant without a UTC offset.
    """
    for moment in (criteria.since, criteria.until):
        if moment is not None and moment.utcoffset() is None:
            raise errors.InvalidInput("since and until need a UTC offset", code="audit.bad_time")
    since, until = criteria.since, criteria.until
    if since is not None and until is not None and since >= until:
        raise errors.InvalidInput("since must be before until", code="audit.bad_range")


@attrs.frozen
class ListAuditEntriesHandler:
    """Newest first. The viewer's tenant binds the reader; only operators filter by tenant."""

    uow: ports.AuditUoW

    async def __call__(self, cmd: commands.ListAuditEntries) -> pagination.Page[audit.AuditEntry]:
        check_filter(cmd.filter)
        if cmd.viewer_tenant_id is None:
            async with self.uow.platform() as tx:
                return await tx.audit_reader.page(cmd.filter, cmd.page)
        if cmd.filter.tenant_id is not None:
            raise errors.Forbidden(
                "only platform operators filter by tenant", code="audit.tenant_filter_forbidden"
            )
        async with self.uow.tenant(cmd.viewer_tenant_id) as tx:
            return await tx.audit_reader.page(cmd.filter, cmd.page)
