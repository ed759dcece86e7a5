"""Platform settings for super admins (``/admin/settings``); the public ``/growth`` view."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs
from litestar import Controller, Request, get, patch
from litestar.di import NamedDependency

from b2app.http import auth, codec
from b2app.http.controllers import bodies
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.platform import commands, model, settings_handlers
from b2core.shared import audit, errors

_ADMIN = permissions.Action.ADMIN_SETTINGS


@attrs.frozen
class SystemSettings:
    """Kill switches, defaults, limits and feature toggles of the whole platform."""

    global_ai_enabled: bool
    global_whatsapp_enabled: bool
    default_llm_provider: str
    default_llm_model: str
    max_tenants: int
    max_messages_per_hour: int
    email_enabled: bool
    email_verification_required: bool
    password_reset_enabled: bool
    payment_emails_enabled: bool
    email_provider: str
    smtp_host: str | None
    smtp_port: int
    smtp_username: str | None
    smtp_password_set: bool
    smtp_security: str
    email_from: str | None
    updated_at: datetime | None


@attrs.frozen
class SystemSettingsUpdate:
    """Any subset of the system settings; omitted fields stay as they are."""

    global_ai_enabled: bool | None = None
    global_whatsapp_enabled: bool | None = None
    default_llm_provider: str | None = None
    default_llm_model: str | None = None
    max_tenants: int | None = None
    max_messages_per_hour: int | None = None
    email_enabled: bool | None = None
    email_verification_required: bool | None = None
    password_reset_enabled: bool | None = None
    payment_emails_enabled: bool | None = None
    email_provider: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_security: str | None = None
    email_from: str | None = None


# System settings that null clears; every other one needs a value.
_NULLABLE = frozenset({"smtp_host", "smtp_username", "smtp_password", "email_from"})


@attrs.frozen
class GrowthSettings:
    """Tracking ids and the promotional banner."""

    google_analytics_id: str | None
    facebook_pixel_id: str | None
    banner_coupon_code: str | None
    banner_message: str | None
    banner_expires_at: datetime | None
    updated_at: datetime | None


@attrs.frozen
class GrowthSettingsUpdate:
    """Any subset of the growth settings; null clears a field, omitted fields stay."""

    google_analytics_id: str | None = None
    facebook_pixel_id: str | None = None
    banner_coupon_code: str | None = None
    banner_message: str | None = None
    banner_expires_at: datetime | None = None


def _present(data: Mapping[str, object], form: object) -> dict[str, object]:
    """The structured values of the fields the body names (null included).

    Call it after ``codec.structure`` accepted ``data``: then it is an object of known fields.
    """
    return {name: getattr(form, name) for name in data}


def _object(data: object) -> Mapping[str, object]:
    # The body is declared as the DTO for OpenAPI, but arrives as decoded JSON.
    if not isinstance(data, Mapping):
        raise errors.InvalidInput("the request body must be a JSON object", code="request.invalid")
    return data


def _system(settings: model.SystemSettings) -> dict[str, Any]:
    # The SMTP password is write-only: the answer says only whether one is set.
    shown = attrs.asdict(settings, recurse=False)
    shown["smtp_password_set"] = shown.pop("smtp_password_sealed") is not None
    shown["email_provider"] = str(settings.email_provider)
    shown["smtp_security"] = str(settings.smtp_security)
    return bodies.dump(SystemSettings(**shown))


def _growth(settings: model.GrowthSettings) -> dict[str, Any]:
    return bodies.dump(GrowthSettings(**attrs.asdict(settings, recurse=False)))


def _actor(principal: tokens.Principal) -> audit.Actor:
    return audit.Actor.user(principal.user_id, principal.role.value)


class AdminSettingsController(Controller):
    """Read and change the platform's settings. Every change is audited."""

    path = "/admin/settings"
    tags = ["admin"]
    dependencies = auth.DEPENDENCIES

    @get("/", **auth.guarded(_ADMIN), **bodies.answers(200, SystemSettings, "settings", (401, 403)))
    async def get_system(self, bus: NamedDependency[MessageBus]) -> dict[str, Any]:
        """The system settings."""
        return _system(await bus.handle(commands.GetSystemSettings()))

    @patch(
        "/",
        **auth.guarded(_ADMIN),
        **bodies.answers(200, SystemSettings, "changed", (400, 401, 403, 422, 501)),
    )
    async def update_system(
        self,
        data: bodies.Json[SystemSettingsUpdate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        request: Request[Any, Any, Any],
    ) -> dict[str, Any]:
        """Change kill switches, defaults, limits, toggles or email; seen everywhere within 1 s.

        ``smtp_password`` is write-only (sealed, never returned; null clears it). Choosing
        ``email_provider: "smtp"`` needs ``smtp_host`` and ``email_from``.
        """
        changes = _present(_object(data), codec.structure(data, SystemSettingsUpdate))
        if any(value is None for name, value in changes.items() if name not in _NULLABLE):
            raise errors.InvalidInput("system settings cannot be null", code="settings.bad_value")
        command = commands.UpdateSystemSettings(
            _actor(principal), changes, ip=auth.client_ip(request)
        )
        return _system(await bus.handle(command))

    @get(
        "/growth",
        **auth.guarded(_ADMIN),
        **bodies.answers(200, GrowthSettings, "growth settings", (401, 403)),
    )
    async def get_growth(self, bus: NamedDependency[MessageBus]) -> dict[str, Any]:
        """The growth settings, expired banner included."""
        return _growth(await bus.handle(commands.GetGrowthSettings()))

    @patch(
        "/growth",
        **auth.guarded(_ADMIN),
        **bodies.answers(200, GrowthSettings, "changed", (400, 401, 403, 422)),
    )
    async def update_growth(
        self,
        data: bodies.Json[GrowthSettingsUpdate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        request: Request[Any, Any, Any],
    ) -> dict[str, Any]:
        """Change tracking ids or the banner; null clears a field."""
        changes = _present(_object(data), codec.structure(data, GrowthSettingsUpdate))
        command = commands.UpdateGrowthSettings(
            _actor(principal), changes, ip=auth.client_ip(request)
        )
        return _growth(await bus.handle(command))


class PublicGrowthController(Controller):
    """What any front end may show: tracking ids and the banner while it lasts."""

    path = "/growth"
    tags = ["growth"]

    @get("/", **bodies.answers(200, settings_handlers.PublicGrowth, "public growth settings"))
    async def public_growth(self, bus: NamedDependency[MessageBus]) -> dict[str, Any]:
        """Public: no token needed; an expired banner is left out."""
        return bodies.dump(await bus.handle(commands.GetPublicGrowth()))
