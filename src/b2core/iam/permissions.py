"""RBAC: one declarative table of which role may perform which action."""

from __future__ import annotations

import enum

from b2core.iam import model
from b2core.shared import errors

Role = model.Role


class Action(enum.StrEnum):
    """Everything a route can require. Route guards name exactly one action."""

    ME = "me"
    TENANT_PROFILE_READ = "tenant.profile.read"
    TENANT_PROFILE_WRITE = "tenant.profile.write"
    TEAM_READ = "team.read"
    TEAM_MANAGE = "team.manage"
    SERVICES_READ = "services.read"
    SERVICES_WRITE = "services.write"
    ORDERS_READ = "orders.read"
    ORDERS_DECIDE = "orders.decide"
    CONVERSATIONS_READ = "conversations.read"
    CONVERSATIONS_WORK = "conversations.work"
    SIMULATOR_USE = "simulator.use"
    CHANNELS_MANAGE = "channels.manage"
    AI_USAGE_READ = "ai.usage.read"
    AI_SETTINGS_MANAGE = "ai.settings.manage"
    BILLING_MANAGE = "billing.manage"
    TEMPLATES_MANAGE = "templates.manage"
    SCHEDULE_MANAGE = "schedule.manage"
    AUDIT_READ = "audit.read"
    ADMIN_TENANTS = "admin.tenants"
    ADMIN_PLANS = "admin.plans"
    ADMIN_SETTINGS = "admin.settings"
    ADMIN_PAYMENTS = "admin.payments"
    ADMIN_DEAD_LETTERS = "admin.dead_letters"
    ANALYTICS_READ = "analytics.read"
    ADMIN_ANALYTICS = "admin.analytics"


_STAFF = frozenset(
    {
        Action.ME,
        Action.TENANT_PROFILE_READ,
        Action.SERVICES_READ,
        Action.SERVICES_WRITE,
        Action.ORDERS_READ,
        Action.ORDERS_DECIDE,
        Action.CONVERSATIONS_READ,
        Action.CONVERSATIONS_WORK,
        Action.SIMULATOR_USE,
        Action.AI_USAGE_READ,
        Action.TEMPLATES_MANAGE,
        Action.SCHEDULE_MANAGE,
    }
)
# STAFF never reaches settings, billing or the team; the admin adds exactly those.
_TENANT_ADMIN = _STAFF | {
    Action.TENANT_PROFILE_WRITE,
    Action.TEAM_READ,
    Action.TEAM_MANAGE,
    Action.CHANNELS_MANAGE,
    Action.AI_SETTINGS_MANAGE,
    Action.BILLING_MANAGE,
    Action.AUDIT_READ,
    Action.ANALYTICS_READ,
}
_SUPER_ADMIN = frozenset(
    {
        Action.ME,
        Action.AUDIT_READ,
        Action.ADMIN_TENANTS,
        Action.ADMIN_PLANS,
        Action.ADMIN_SETTINGS,
        Action.ADMIN_PAYMENTS,
        Action.ADMIN_DEAD_LETTERS,
        Action.ADMIN_ANALYTICS,
    }
)

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.STAFF: _STAFF,
    Role.TENANT_ADMIN: _TENANT_ADMIN,
    Role.SUPER_ADMIN: _SUPER_ADMIN,
}

# Actions on a tenant's own data: they need a tenant in the token. Reading the audit trail is
# not one of them: a tenant admin reads its tenant's entries, a super admin the whole platform's.
TENANT_ACTIONS = frozenset(a for a in Action if a not in _SUPER_ADMIN)


def allowed(role: Role, action: Action) -> bool:
    """Whether ``role`` may perform ``action`` according to the table."""
    return action in PERMISSIONS[role]


def require(role: Role, action: Action) -> None:
    """Raise ``auth.forbidden`` unless the table allows it."""
    if not allowed(role, action):
        raise errors.Forbidden(f"your role may not do {action.value}", code="auth.forbidden")
