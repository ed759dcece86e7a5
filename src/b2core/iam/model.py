"""Users and roles."""

from __future__ import annotations

import enum
import re
from datetime import datetime

import attrs

from b2core.shared import errors, ids

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class Role(enum.StrEnum):
    """SUPER_ADMIN runs the platform; TENANT_ADMIN and STAFF work inside one tenant."""

    SUPER_ADMIN = "SUPER_ADMIN"
    TENANT_ADMIN = "TENANT_ADMIN"
    STAFF = "STAFF"


def normalize_email(raw: str) -> str:
    """Trim and lower-case an address and check its shape; equal people get equal emails."""
    email = raw.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise errors.InvalidInput("email address is not valid", code="user.bad_email")
    return email


@attrs.frozen
class User:
    """A person who logs in. Platform users (SUPER_ADMIN) belong to no tenant."""

    id: ids.UserId
    tenant_id: ids.TenantId | None
    email: str
    password_hash: str = attrs.field(repr=False)
    role: Role
    created_at: datetime
    active: bool = True
    email_verified: bool = True
    updated_at: datetime | None = None

    def __attrs_post_init__(self) -> None:
        if (self.role is Role.SUPER_ADMIN) != (self.tenant_id is None):
            raise errors.InvalidInput(
                "super admins have no tenant; tenant users must have one", code="user.bad_role"
            )

    def change_role(self, role: Role, at: datetime) -> User:
        """Move a tenant user between TENANT_ADMIN and STAFF."""
        if role is Role.SUPER_ADMIN or self.role is Role.SUPER_ADMIN:
            raise errors.Forbidden("platform roles are not changed here", code="user.bad_role")
        return attrs.evolve(self, role=role, updated_at=at)

    def deactivate(self, at: datetime) -> User:
        """Stop this user from logging in; existing sessions end too (see the handler)."""
        if not self.active:
            raise errors.Conflict("user is already deactivated", code="user.already_inactive")
        return attrs.evolve(self, active=False, updated_at=at)

    def set_password(self, password_hash: str, at: datetime) -> User:
        """Replace the password hash."""
        return attrs.evolve(self, password_hash=password_hash, updated_at=at)

    def verify_email(self, at: datetime) -> User:
        """Mark the address as proven."""
        return attrs.evolve(self, email_verified=True, updated_at=at)
