"""Which handler serves which command, and which handlers hear which event."""

from __future__ import annotations

from typing import Any

from b2core.iam import commands as iam
from b2core.iam import handlers as iam_handlers
from b2core.iam import onboarding, recovery, sessions, team
from b2core.platform import commands as platform_commands
from b2core.platform import handlers as platform_handlers

COMMANDS: dict[type[Any], type[Any]] = {
    iam.EnsureSuperAdmin: iam_handlers.EnsureSuperAdminHandler,
    platform_commands.EnsurePlatformSettings: platform_handlers.EnsurePlatformSettingsHandler,
    iam.RegisterTenant: onboarding.RegisterTenantHandler,
    iam.Login: sessions.LoginHandler,
    iam.Refresh: sessions.RefreshHandler,
    iam.Logout: sessions.LogoutHandler,
    iam.Authenticate: sessions.AuthenticateHandler,
    iam.GetMe: team.GetMeHandler,
    iam.InviteMember: team.InviteMemberHandler,
    iam.ListMembers: team.ListMembersHandler,
    iam.ChangeMemberRole: team.ChangeMemberRoleHandler,
    iam.DeactivateMember: team.DeactivateMemberHandler,
    iam.ListTenants: onboarding.ListTenantsHandler,
    iam.GetTenant: onboarding.GetTenantHandler,
    iam.ChangeTenantStatus: onboarding.ChangeTenantStatusHandler,
    iam.RequestPasswordReset: recovery.RequestPasswordResetHandler,
    iam.ResetPassword: recovery.ResetPasswordHandler,
    iam.VerifyEmail: recovery.VerifyEmailHandler,
}

# Collaborators that handlers take as fields but that are not ports (autowired attrs classes).
SERVICES: list[type[Any]] = [sessions.TokenIssuer]

EVENTS: dict[type[Any], list[type[Any]]] = {}
