"""Commands of the platform context."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from b2core.shared import audit, ids, pagination


@attrs.frozen
class EnsurePlatformSettings:
    """Create the settings singletons with safe defaults unless they exist."""


@attrs.frozen
class GetSystemSettings:
    """The system settings as stored (defaults before bootstrap)."""


@attrs.frozen
class UpdateSystemSettings:
    """Change some system settings. ``changes`` maps field names to new values.

    The edge takes ``actor`` from the verified token; only fields named in ``changes`` change.
    """

    actor: audit.Actor
    changes: Mapping[str, object]
    ip: str | None = None


@attrs.frozen
class GetGrowthSettings:
    """The growth settings as stored (empty before bootstrap)."""


@attrs.frozen
class UpdateGrowthSettings:
    """Change some growth settings; a None value clears a field."""

    actor: audit.Actor
    changes: Mapping[str, object]
    ip: str | None = None


@attrs.frozen
class GetPublicGrowth:
    """What a public front end may show: tracking ids and a banner that has not expired."""


@attrs.frozen
class AuditFilter:
    """Which audit entries to list; every given criterion must match.

    ``since`` is inclusive and ``until`` exclusive. ``tenant_id`` narrows a platform-wide
    reading to one tenant; a tenant-bound reader ignores it (it only ever sees its tenant).
    """

    action: str | None = None
    actor_user_id: ids.UserId | None = None
    since: datetime | None = None
    until: datetime | None = None
    tenant_id: ids.TenantId | None = None


@attrs.frozen
class ListAuditEntries:
    """Audit entries, newest first.

    ``viewer_tenant_id`` comes from the verified token: a tenant's viewer reads only that
    tenant's entries; None (a platform operator) reads the whole platform's.
    """

    viewer_tenant_id: ids.TenantId | None
    filter: AuditFilter = attrs.field(factory=AuditFilter)
    page: pagination.PageRequest = attrs.field(factory=pagination.PageRequest)
