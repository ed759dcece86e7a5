"""One bootstrapping process for the concurrency tests: migrate, then race the ensure handlers.

Run as ``python -m tests.integration.bootstrap_worker URL EMAIL TASKS``. It prints ``ready``
once imported, waits for a line on stdin (so that several processes start together), then
prints one JSON list with what each of its tasks reported.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from b2adapters import system
from b2adapters.sql import engine as sql_engine
from b2adapters.sql import migrate
from b2adapters.sql import uow as sql_uow
from b2core.iam import commands as iam_commands
from b2core.iam import handlers as iam_handlers
from b2core.platform import commands as platform_commands
from b2core.platform import handlers as platform_handlers

PASSWORD = "correct-horse-battery"


class PlainHasher:
    """Test-only PasswordHasher: reversible and instant (the real one is bcrypt)."""

    async def hash(self, password: str) -> str:
        return f"plain${password}"

    async def verify(self, password: str, hashed: str) -> bool:
        return hashed == f"plain${password}"

    async def verify_decoy(self, password: str) -> bool:
        return False


async def bootstrap_once(uow: sql_uow.SqlUnitOfWork, email: str) -> dict[str, Any]:
    """Run both ensure handlers once, as `b2 bootstrap` does; say what this call created."""
    clock, id_generator = system.SystemClock(), system.Uuid7Generator()
    ensure_settings = platform_handlers.EnsurePlatformSettingsHandler(uow=uow, clock=clock)
    ensure_admin = iam_handlers.EnsureSuperAdminHandler(
        uow=uow, hasher=PlainHasher(), clock=clock, id_generator=id_generator
    )
    system_created, growth_created = await ensure_settings(
        platform_commands.EnsurePlatformSettings()
    )
    admin_created = await ensure_admin(iam_commands.EnsureSuperAdmin(email, PASSWORD))
    return {"system": system_created, "growth": growth_created, "admin": admin_created}


async def race(url: str, email: str, tasks: int) -> list[dict[str, Any]]:
    """``tasks`` concurrent bootstraps in this process, each with its own unit of work."""
    engine = sql_engine.make_engine(url)
    try:
        return list(
            await asyncio.gather(
                *(bootstrap_once(sql_uow.SqlUnitOfWork(engine), email) for _ in range(tasks))
            )
        )
    finally:
        await engine.dispose()


async def _main(url: str, email: str, tasks: int) -> list[dict[str, Any]]:
    await migrate.upgrade(url)  # racing the other processes' upgrades too
    return await race(url, email, tasks)


if __name__ == "__main__":
    database_url, admin_email, task_count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print("ready", flush=True)
    sys.stdin.readline()
    print(json.dumps(asyncio.run(_main(database_url, admin_email, task_count))), flush=True)
