"""Which handler serves which command, and which handlers hear which event."""

from __future__ import annotations

from typing import Any

from b2core.ai import commands as ai
from b2core.ai import handlers as ai_handlers
from b2core.billing import commands as billing
from b2core.billing.handlers import account as billing_account
from b2core.billing.handlers import catalog as billing_catalog
from b2core.billing.handlers import expiry as billing_expiry
from b2core.billing.handlers import manual as billing_manual
from b2core.billing.handlers import webhooks as billing_webhooks
from b2core.conversations import commands as conversations
from b2core.conversations import connection_handlers, connections, session_control
from b2core.conversations.handlers import inbox as inbox_handlers
from b2core.conversations.handlers import queries as inbox_queries
from b2core.conversations.handlers import replies as reply_handlers
from b2core.conversations.handlers import sending
from b2core.iam import commands as iam
from b2core.iam import handlers as iam_handlers
from b2core.iam import onboarding, recovery, sessions, team
from b2core.orders import commands as orders
from b2core.orders.handlers import orders as order_handlers
from b2core.orders.handlers import queries as order_queries
from b2core.orders.handlers import services as service_handlers
from b2core.pipeline import commands as pipeline
from b2core.pipeline import handler as pipeline_handler
from b2core.platform import analytics as platform_analytics
from b2core.platform import analytics_handlers as analytics_handlers
from b2core.platform import audit_queries as platform_audit
from b2core.platform import commands as platform_commands
from b2core.platform import handlers as platform_handlers
from b2core.platform import settings_handlers as platform_settings
from b2core.privacy import commands as privacy
from b2core.privacy import handlers as privacy_handlers
from b2core.scheduling import commands as scheduling
from b2core.scheduling.handlers import dispatch as dispatch_handlers
from b2core.scheduling.handlers import lifecycle as schedule_lifecycle
from b2core.scheduling.handlers import messages as schedule_handlers
from b2core.scheduling.handlers import settings as schedule_settings
from b2core.scheduling.handlers import templates as template_handlers

COMMANDS: dict[type[Any], type[Any]] = {
    iam.EnsureSuperAdmin: iam_handlers.EnsureSuperAdminHandler,
    platform_commands.EnsurePlatformSettings: platform_handlers.EnsurePlatformSettingsHandler,
    platform_commands.GetSystemSettings: platform_settings.GetSystemSettingsHandler,
    platform_commands.UpdateSystemSettings: platform_settings.UpdateSystemSettingsHandler,
    platform_commands.GetGrowthSettings: platform_settings.GetGrowthSettingsHandler,
    platform_commands.UpdateGrowthSettings: platform_settings.UpdateGrowthSettingsHandler,
    platform_commands.GetPublicGrowth: platform_settings.GetPublicGrowthHandler,
    platform_commands.ListAuditEntries: platform_audit.ListAuditEntriesHandler,
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
    conversations.ListConversations: inbox_queries.ListConversationsHandler,
    conversations.GetConversation: inbox_queries.GetConversationHandler,
    conversations.GetConversationMessages: inbox_queries.GetConversationMessagesHandler,
    conversations.SearchMessages: inbox_queries.SearchMessagesHandler,
    conversations.AssignConversation: inbox_handlers.AssignConversationHandler,
    conversations.ReleaseConversation: inbox_handlers.ReleaseConversationHandler,
    conversations.ResolveConversation: inbox_handlers.ResolveConversationHandler,
    conversations.ReopenConversation: inbox_handlers.ReopenConversationHandler,
    conversations.CloseConversation: inbox_handlers.CloseConversationHandler,
    conversations.MarkConversationRead: inbox_handlers.MarkConversationReadHandler,
    conversations.ReplyAsHuman: reply_handlers.ReplyAsHumanHandler,
    conversations.SendOutboundMessage: sending.SendOutboundMessageHandler,
    pipeline.HandleInboundMessage: pipeline_handler.HandleInboundMessageHandler,
    connections.ConnectCloudChannel: connection_handlers.ConnectCloudChannelHandler,
    connections.ConnectBridgeChannel: connection_handlers.ConnectBridgeChannelHandler,
    connections.ListChannels: connection_handlers.ListChannelsHandler,
    connections.DisconnectChannel: connection_handlers.DisconnectChannelHandler,
    session_control.GetSession: session_control.GetSessionHandler,
    session_control.StartSession: session_control.StartSessionHandler,
    session_control.StopSession: session_control.StopSessionHandler,
    session_control.RequestPairingCode: session_control.RequestPairingCodeHandler,
    ai.GetAiSettings: ai_handlers.GetAiSettingsHandler,
    ai.UpdateAiSettings: ai_handlers.UpdateAiSettingsHandler,
    ai.GetAiUsage: ai_handlers.GetAiUsageHandler,
    scheduling.CreateTemplate: template_handlers.CreateTemplateHandler,
    scheduling.UpdateTemplate: template_handlers.UpdateTemplateHandler,
    scheduling.DeleteTemplate: template_handlers.DeleteTemplateHandler,
    scheduling.GetTemplate: template_handlers.GetTemplateHandler,
    scheduling.ListTemplates: template_handlers.ListTemplatesHandler,
    scheduling.PreviewTemplate: template_handlers.PreviewTemplateHandler,
    scheduling.ScheduleMessage: schedule_handlers.ScheduleMessageHandler,
    scheduling.ScheduleBulk: schedule_handlers.ScheduleBulkHandler,
    scheduling.UpdateScheduledMessage: schedule_lifecycle.UpdateScheduledMessageHandler,
    scheduling.CancelScheduledMessage: schedule_lifecycle.CancelScheduledMessageHandler,
    scheduling.DeleteScheduledMessage: schedule_lifecycle.DeleteScheduledMessageHandler,
    scheduling.GetScheduledMessage: schedule_lifecycle.GetScheduledMessageHandler,
    scheduling.ListScheduledMessages: schedule_lifecycle.ListScheduledMessagesHandler,
    scheduling.SetQuietHours: schedule_settings.SetQuietHoursHandler,
    scheduling.GetSchedulingSettings: schedule_settings.GetSchedulingSettingsHandler,
    scheduling.DispatchDueMessages: dispatch_handlers.DispatchDueMessagesHandler,
    scheduling.PurgeOldMessages: dispatch_handlers.PurgeOldMessagesHandler,
    platform_analytics.GetTenantDashboard: analytics_handlers.GetTenantDashboardHandler,
    platform_analytics.GetAiUsageSeries: analytics_handlers.GetAiUsageSeriesHandler,
    platform_analytics.GetPlatformAnalytics: analytics_handlers.GetPlatformAnalyticsHandler,
    privacy.ExportCustomerData: privacy_handlers.ExportCustomerDataHandler,
    privacy.EraseCustomerData: privacy_handlers.EraseCustomerDataHandler,
    privacy.ExportTenantData: privacy_handlers.ExportTenantDataHandler,
    privacy.EraseTenantData: privacy_handlers.EraseTenantDataHandler,
    billing.ExpireManualGrants: billing_expiry.ExpireManualGrantsHandler,
    billing.CreatePlan: billing_catalog.CreatePlanHandler,
    billing.UpdatePlan: billing_catalog.UpdatePlanHandler,
    billing.DeletePlan: billing_catalog.DeletePlanHandler,
    billing.ListPlans: billing_catalog.ListPlansHandler,
    billing.ListPublicPlans: billing_catalog.ListPublicPlansHandler,
    billing.CreateCoupon: billing_catalog.CreateCouponHandler,
    billing.UpdateCoupon: billing_catalog.UpdateCouponHandler,
    billing.DeleteCoupon: billing_catalog.DeleteCouponHandler,
    billing.ListCoupons: billing_catalog.ListCouponsHandler,
    billing.ApplyBillingEvent: billing_webhooks.ApplyBillingEventHandler,
    billing.SubmitManualPayment: billing_manual.SubmitManualPaymentHandler,
    billing.ApproveManualPayment: billing_manual.ApproveManualPaymentHandler,
    billing.RejectManualPayment: billing_manual.RejectManualPaymentHandler,
    billing.ListManualPayments: billing_manual.ListManualPaymentsHandler,
    billing.StartCheckout: billing_account.StartCheckoutHandler,
    billing.OpenBillingPortal: billing_account.OpenBillingPortalHandler,
    billing.ListInvoices: billing_account.ListInvoicesHandler,
    billing.GetBillingStatus: billing_account.GetBillingStatusHandler,
}

# Collaborators that handlers take as fields but that are not ports (autowired attrs classes).
SERVICES: list[type[Any]] = [sessions.TokenIssuer]

EVENTS: dict[type[Any], list[type[Any]]] = {}
