"""Use cases of the platform context."""

from __future__ import annotations

import attrs

from b2core.platform import commands, model, ports
from b2core.shared import time


@attrs.frozen
class EnsurePlatformSettingsHandler:
    """Idempotent: any number of processes may run it at once; one row of each results."""

    uow: ports.PlatformUoW
    clock: time.Clock

    async def __call__(self, cmd: commands.EnsurePlatformSettings) -> tuple[bool, bool]:
        now = self.clock.now()
        async with self.uow.platform() as tx:
            system = await tx.settings.ensure_system(model.SystemSettings(updated_at=now))
            growth = await tx.settings.ensure_growth(model.GrowthSettings(updated_at=now))
            await tx.commit()
        return system, growth
