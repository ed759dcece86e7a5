"""Use cases of the tenant's scheduling settings: its quiet hours."""

from __future__ import annotations

import attrs

from b2core.scheduling import commands, ports, quiet_hours
from b2core.scheduling.handlers import common
from b2core.shared import errors, ids, time


@attrs.frozen
class SetQuietHoursHandler:
    """Set or clear the tenant's quiet hours (a TENANT_ADMIN only). One audit entry.

    Messages already waiting are not moved now; the dispatcher applies the new hours when
    they come due.
    """

    uow: ports.SchedulingUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.SetQuietHours) -> quiet_hours.SchedulingSettings:
        common.check_admin(cmd.role, "schedule")
        if (cmd.start is None) != (cmd.end is None):
            raise errors.InvalidInput(
                "give both ends of the quiet hours, or neither to clear them",
                code="schedule.bad_quiet_hours",
            )
        hours = None
        if cmd.start is not None and cmd.end is not None:
            hours = quiet_hours.QuietHours(cmd.start, cmd.end)
        now = self.clock.now()
        settings = quiet_hours.SchedulingSettings(cmd.tenant_id, hours, now)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            await tx.scheduling_settings.save(settings)
            await tx.audit.append(
                common.user_entry(
                    self.id_generator,
                    self.clock,
                    (cmd.user_id, cmd.role),
                    "schedule.quiet_hours_set" if hours else "schedule.quiet_hours_cleared",
                    cmd.tenant_id,
                    ("tenant", cmd.tenant_id),
                    {"start": cmd.start, "end": cmd.end},
                )
            )
            await tx.commit()
        return settings


@attrs.frozen
class GetSchedulingSettingsHandler:
    """The tenant's scheduling settings; defaults (no quiet hours) when never set."""

    uow: ports.SchedulingUoW

    async def __call__(self, cmd: commands.GetSchedulingSettings) -> quiet_hours.SchedulingSettings:
        common.check_staff(cmd.role, "schedule")
        async with self.uow.tenant(cmd.tenant_id) as tx:
            found = await tx.scheduling_settings.get()
        return found or quiet_hours.SchedulingSettings(cmd.tenant_id)
