"""Commands of the iam context. ``principal`` is always the verified caller, never a body field."""

from __future__ import annotations

import attrs

from b2core.iam import model, tokens
from b2core.shared import ids, pagination
from b2core.tenants import model as tenant_model


@attrs.frozen
class EnsureSuperAdmin:
    """Create the first platform administrator unless a user with this email exists."""

    email: str
    password: str = attrs.field(repr=False)


@attrs.frozen
class RegisterTenant:
    """Onboard a business and its first TENANT_ADMIN in one transaction."""

    business_name: str
    email: str
    password: str = attrs.field(repr=False)
    ip: str | None = None


@attrs.frozen
class Login:
    """Exchange an email and password for a token pair."""

    email: str
    password: str = attrs.field(repr=False)
    ip: str | None = None


@attrs.frozen
class Refresh:
    """Rotate a refresh token: the old one stops working, a new pair is issued."""

    refresh_token: str = attrs.field(repr=False)


@attrs.frozen
class Logout:
    """Revoke the caller's access token and its whole refresh family."""

    principal: tokens.Principal


@attrs.frozen
class Authenticate:
    """Turn a bearer access token into the verified principal, or refuse it."""

    access_token: str = attrs.field(repr=False)


@attrs.frozen
class GetMe:
    """The caller's own account."""

    principal: tokens.Principal


@attrs.frozen
class InviteMember:
    """A tenant admin adds a team member with an initial password."""

    principal: tokens.Principal
    email: str
    role: model.Role
    password: str = attrs.field(repr=False)


@attrs.frozen
class ListMembers:
    """The caller's tenant's team, paginated."""

    principal: tokens.Principal
    page: pagination.PageRequest = attrs.field(factory=pagination.PageRequest)


@attrs.frozen
class ChangeMemberRole:
    """Move a member between TENANT_ADMIN and STAFF."""

    principal: tokens.Principal
    user_id: ids.UserId
    role: model.Role


@attrs.frozen
class DeactivateMember:
    """Stop a member from logging in and end their sessions."""

    principal: tokens.Principal
    user_id: ids.UserId


@attrs.frozen
class ListTenants:
    """Super admin: search tenants."""

    principal: tokens.Principal
    page: pagination.PageRequest = attrs.field(factory=pagination.PageRequest)
    text: str | None = None
    status: tenant_model.TenantStatus | None = None


@attrs.frozen
class GetTenant:
    """Super admin: one tenant."""

    principal: tokens.Principal
    tenant_id: ids.TenantId


@attrs.frozen
class ChangeTenantStatus:
    """Super admin: suspend, reactivate or archive a tenant (``action`` names the transition)."""

    principal: tokens.Principal
    tenant_id: ids.TenantId
    action: str  # "suspend" | "reactivate" | "archive"
    ip: str | None = None


@attrs.frozen
class RequestPasswordReset:
    """Send a reset link if the account exists; the answer is the same either way."""

    email: str


@attrs.frozen
class ResetPassword:
    """Set a new password with a single-use reset token; existing sessions end."""

    token: str = attrs.field(repr=False)
    new_password: str = attrs.field(repr=False)


@attrs.frozen
class VerifyEmail:
    """Prove an address with a single-use verification token."""

    token: str = attrs.field(repr=False)
