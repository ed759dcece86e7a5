"""The controllers mounted under ``/api/v1``; each feature adds its own here."""

from __future__ import annotations

from collections.abc import Sequence

from litestar.types import ControllerRouterHandler

from b2app.http.controllers import (
    admin_dead_letters,
    admin_tenants,
    ai,
    auth,
    conversations,
    me,
    messages,
    orders,
    services,
    simulator,
    team,
    webhooks_whatsapp,
)

API_HANDLERS: Sequence[ControllerRouterHandler] = [
    auth.AuthController,
    me.MeController,
    team.TeamController,
    admin_tenants.AdminTenantsController,
    admin_dead_letters.AdminDeadLettersController,
    services.ServicesController,
    orders.OrdersController,
    conversations.ConversationsController,
    messages.MessageSearchController,
    simulator.SimulatorController,
    ai.AiController,
    webhooks_whatsapp.WhatsAppWebhookController,
]
