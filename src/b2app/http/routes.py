"""The controllers mounted under ``/api/v1``; each feature adds its own here."""

from __future__ import annotations

from collections.abc import Sequence

from litestar.types import ControllerRouterHandler

from b2app.http.controllers import (
    admin_dead_letters,
    admin_settings,
    admin_tenants,
    ai,
    audit_logs,
    auth,
    channel_sessions,
    channels,
    conversations,
    me,
    messages,
    orders,
    scheduled_messages,
    services,
    simulator,
    team,
    templates,
    webhooks_bridge,
    webhooks_whatsapp,
)

API_HANDLERS: Sequence[ControllerRouterHandler] = [
    auth.AuthController,
    me.MeController,
    team.TeamController,
    admin_tenants.AdminTenantsController,
    admin_dead_letters.AdminDeadLettersController,
    admin_settings.AdminSettingsController,
    admin_settings.PublicGrowthController,
    audit_logs.AuditLogsController,
    services.ServicesController,
    orders.OrdersController,
    conversations.ConversationsController,
    messages.MessageSearchController,
    simulator.SimulatorController,
    channels.ChannelsController,
    channel_sessions.ChannelSessionsController,
    ai.AiController,
    webhooks_whatsapp.WhatsAppWebhookController,
    webhooks_bridge.BridgeWebhookController,
    templates.TemplatesController,
    scheduled_messages.ScheduledMessagesController,
]
