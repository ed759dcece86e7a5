"""The Tenant aggregate and its status lifecycle."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from b2core.shared import errors, ids


class TenantStatus(enum.StrEnum):
    """ACTIVE -> SUSPENDED -> ACTIVE; any -> ARCHIVED (a soft delete, final)."""

    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    ARCHIVED = "ARCHIVED"


def _check_name(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not value.strip() or len(value) > 200:
        raise errors.InvalidInput(
            "business name must be 1 to 200 characters", code="tenant.bad_name"
        )


@attrs.frozen
class Tenant:
    """A business using b2. Changes go through the named transitions below."""

    id: ids.TenantId
    name: str = attrs.field(validator=_check_name)
    status: TenantStatus
    created_at: datetime
    updated_at: datetime
    timezone: str = "UTC"

    @classmethod
    def register(cls, tenant_id: ids.TenantId, name: str, at: datetime) -> Tenant:
        """A newly onboarded, active tenant."""
        return cls(tenant_id, name.strip(), TenantStatus.ACTIVE, at, at)

    def suspend(self, at: datetime) -> Tenant:
        """Stop the tenant's API, AI and WhatsApp use; only an active tenant can be suspended."""
        return self._move(TenantStatus.SUSPENDED, {TenantStatus.ACTIVE}, at)

    def reactivate(self, at: datetime) -> Tenant:
        """Lift a suspension."""
        return self._move(TenantStatus.ACTIVE, {TenantStatus.SUSPENDED}, at)

    def archive(self, at: datetime) -> Tenant:
        """Soft-delete the tenant: no access at all from now on."""
        return self._move(TenantStatus.ARCHIVED, {TenantStatus.ACTIVE, TenantStatus.SUSPENDED}, at)

    def _move(self, to: TenantStatus, allowed: set[TenantStatus], at: datetime) -> Tenant:
        if self.status not in allowed:
            raise errors.Conflict(
                f"a {self.status.value} tenant cannot become {to.value}",
                code="tenant.invalid_transition",
            )
        return attrs.evolve(self, status=to, updated_at=at)
