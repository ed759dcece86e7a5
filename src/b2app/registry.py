"""Which handler serves which command, and which handlers hear which event."""

from __future__ import annotations

from typing import Any

from b2core.iam import commands as iam_commands
from b2core.iam import handlers as iam_handlers
from b2core.platform import commands as platform_commands
from b2core.platform import handlers as platform_handlers

COMMANDS: dict[type[Any], type[Any]] = {
    iam_commands.EnsureSuperAdmin: iam_handlers.EnsureSuperAdminHandler,
    platform_commands.EnsurePlatformSettings: platform_handlers.EnsurePlatformSettingsHandler,
}

EVENTS: dict[type[Any], list[type[Any]]] = {}
