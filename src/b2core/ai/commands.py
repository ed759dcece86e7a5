"""Commands of the ai context: a tenant reads and changes its AI settings and reads its usage.

Like the orders commands they carry plain caller values (tenant, user, role) that the edge
takes from the verified token: the ai context does not import iam.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from b2core.ai import model
from b2core.shared import ids, pagination


@attrs.frozen
class GetAiSettings:
    """The tenant's AI settings (defaults when never changed)."""

    tenant_id: ids.TenantId


@attrs.frozen
class UpdateAiSettings:
    """Change what a tenant may change; None leaves a field as it is."""

    tenant_id: ids.TenantId
    user_id: ids.UserId
    role: str
    ai_enabled: bool | None = None
    whatsapp_enabled: bool | None = None
    confidence_threshold: int | None = None
    prohibited_phrases: tuple[str, ...] | None = None
    fallbacks: Mapping[model.BlockReason, str] | None = None


@attrs.frozen
class GetAiUsage:
    """Usage against limits in the current windows, and the latest usage records."""

    tenant_id: ids.TenantId
    page: pagination.PageRequest = attrs.field(factory=pagination.PageRequest)
