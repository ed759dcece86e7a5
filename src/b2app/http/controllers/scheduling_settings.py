"""The tenant's scheduling settings: ``/scheduling/settings`` (for now, its quiet hours).

Quiet hours are a daily span of the tenant's wall clock (``HH:MM``, 24-hour, may cross
midnight) in which no scheduled message goes out: a message due inside it waits for its end.
The tenant's people read them; only its admins change them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
from litestar import Controller, get, put
from litestar.di import NamedDependency

from b2app.http import auth, codec
from b2app.http.controllers import bodies
from b2app.http.controllers.templates import caller
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.scheduling import commands
from b2core.scheduling import quiet_hours as core_settings
from b2core.shared import errors

_READ = permissions.Action.SCHEDULE_MANAGE
# No action of its own: changing the tenant's settings is the tenant admin's ``profile.write``.
_WRITE = permissions.Action.TENANT_PROFILE_WRITE


@attrs.frozen
class QuietHoursBody:
    """From ``start`` (included) to ``end`` (excluded), ``HH:MM`` on the tenant's clock."""

    start: str
    end: str


@attrs.frozen
class SchedulingSettingsUpdate:
    """The whole settings: ``quiet_hours`` as ``{start, end}``, or null to have none."""

    quiet_hours: QuietHoursBody | None


@attrs.frozen
class SchedulingSettings:
    """The tenant's scheduling settings; ``updated_at`` is null while never set."""

    quiet_hours: QuietHoursBody | None
    updated_at: datetime | None

    @classmethod
    def of(cls, settings: core_settings.SchedulingSettings) -> SchedulingSettings:
        """The public view of ``settings``."""
        hours = settings.quiet_hours
        shown = None if hours is None else QuietHoursBody(hours.start, hours.end)
        return cls(shown, settings.updated_at)


def _form(data: object) -> SchedulingSettingsUpdate:
    """The body, which must name ``quiet_hours`` (null clears them): a PUT replaces it all."""
    if not isinstance(data, dict) or "quiet_hours" not in data:
        raise errors.InvalidInput(
            "quiet_hours: required ({start, end} or null)", code="request.invalid"
        )
    return codec.structure(data, SchedulingSettingsUpdate)


class SchedulingSettingsController(Controller):
    """The caller's own tenant's settings."""

    path = "/scheduling/settings"
    tags = ["scheduling"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        **auth.guarded(_READ),
        **bodies.answers(200, SchedulingSettings, "the settings", (401, 403)),
    )
    async def get_settings(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Your quiet hours (null when none are set)."""
        query = commands.GetSchedulingSettings(**caller(principal))
        return bodies.dump(SchedulingSettings.of(await bus.handle(query)))

    @put(
        "/",
        **auth.guarded(_WRITE),
        **bodies.answers(200, SchedulingSettings, "saved", (400, 401, 403, 422)),
    )
    async def put_settings(
        self,
        data: bodies.Json[SchedulingSettingsUpdate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Set or clear your quiet hours (``schedule.bad_quiet_hours``, 422, when malformed).

        Messages already waiting are not moved now; the dispatcher applies the hours when they
        come due.
        """
        hours = _form(data).quiet_hours
        command = commands.SetQuietHours(
            **caller(principal),
            start=None if hours is None else hours.start,
            end=None if hours is None else hours.end,
        )
        return bodies.dump(SchedulingSettings.of(await bus.handle(command)))
