"""Who may do what in billing: the tenant's admin buys, the platform's super admin decides.

Billing must not import ``b2core.iam``, so a caller's role travels here as a plain string equal
to the iam role value; the edge builds ``Caller(principal.user_id, principal.role.value)`` from
the verified token, as it does for the orders context.
"""

from __future__ import annotations

import attrs

from b2core.shared import audit, errors, ids

SUPER_ADMIN = "SUPER_ADMIN"
TENANT_ADMIN = "TENANT_ADMIN"
STAFF = "STAFF"


@attrs.frozen
class Caller:
    """A logged-in person acting on billing: their user id and role."""

    user_id: ids.UserId
    role: str

    def __attrs_post_init__(self) -> None:
        if not self.user_id or not isinstance(self.role, str) or not self.role.strip():
            raise errors.InvalidInput(
                "a caller needs a user id and a role", code="billing.bad_caller"
            )

    @property
    def is_super_admin(self) -> bool:
        """Whether the caller runs the platform."""
        return self.role == SUPER_ADMIN

    @property
    def audit_actor(self) -> audit.Actor:
        """The audit trail's actor for this caller."""
        return audit.Actor.user(self.user_id, self.role)


def require_super_admin(by: Caller) -> None:
    """Plans, coupons and payment decisions belong to the platform: SUPER_ADMIN only."""
    if not by.is_super_admin:
        raise errors.Forbidden(
            "only a platform super admin may do this", code="billing.super_admin_only"
        )


def require_tenant_admin(by: Caller) -> None:
    """Buying and paying for the tenant is the TENANT_ADMIN's (STAFF never reaches billing)."""
    if by.role != TENANT_ADMIN:
        raise errors.Forbidden(
            "only the tenant's admin may manage billing", code="billing.tenant_admin_only"
        )
