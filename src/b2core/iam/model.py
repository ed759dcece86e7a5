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

    def __attrs_post_init__(self) -> None:
        if (self.role is Role.SUPER_ADMIN) != (self.tenant_id is None):
            raise errors.InvalidInput(
                "super admins have no tenant; tenant users must have one", code="user.bad_role"
            )
