"""Which handler serves which command, and which handlers hear which event."""

from __future__ import annotations

from typing import Any

from b2core.iam import commands as iam
from b2core.iam import handlers as iam_handlers
from b2core.iam import onboarding, recovery, sessions, team
from b2core.orders import commands as orders
from b2core.orders.handlers import orders as order_handlers
from b2core.orders.handlers import queries as order_queries
from b2core.orders.handlers import services as service_handlers
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
    orders.CreateService: service_handlers.CreateServiceHandler,
    orders.UpdateService: service_handlers.UpdateServiceHandler,
    orders.DeleteService: service_handlers.DeleteServiceHandler,
    order_queries.ListServices: service_handlers.ListServicesHandler,
    order_queries.GetService: service_handlers.GetServiceHandler,
    orders.DraftOrder: order_handlers.DraftOrderHandler,
    orders.SubmitOrder: order_handlers.SubmitOrderHandler,
    orders.ApproveOrder: order_handlers.ApproveOrderHandler,
    orders.RejectOrder: order_handlers.RejectOrderHandler,
    orders.CompleteOrder: order_handlers.CompleteOrderHandler,
    orders.CancelOrder: order_handlers.CancelOrderHandler,
    order_queries.ListOrders: order_handlers.ListOrdersHandler,
    order_queries.GetOrder: order_handlers.GetOrderHandler,
}

# Collaborators that handlers take as fields but that are not ports (autowired attrs classes).
SERVICES: list[type[Any]] = [sessions.TokenIssuer]

EVENTS: dict[type[Any], list[type[Any]]] = {}
