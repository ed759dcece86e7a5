"""Operator tasks shared by the command line and tests: migrate and bootstrap."""

from __future__ import annotations

from typing import Any

from b2adapters.sql import migrate as sql_migrate
from b2app import bootstrap, settings
from b2core.iam import commands as iam_commands
from b2core.messagebus import MessageBus
from b2core.orders import commands as order_commands
from b2core.orders import policy as order_policy
from b2core.platform import commands as platform_commands
from b2core.shared import errors, money


async def migrate(config: settings.Settings) -> None:
    """Apply every pending migration to the configured database."""
    await sql_migrate.upgrade(config.effective_database_url)


async def run_bootstrap(config: settings.Settings) -> dict[str, Any]:
    """Create the settings singletons and the first super admin; safe to run concurrently."""
    container = bootstrap.build_container(config)
    bus: MessageBus = container.resolve(MessageBus)
    try:
        system, growth = await bus.handle(platform_commands.EnsurePlatformSettings())
        report: dict[str, Any] = {
            "system_settings_created": system,
            "growth_settings_created": growth,
        }
        if config.bootstrap_admin_email and config.bootstrap_admin_password:
            created = await bus.handle(
                iam_commands.EnsureSuperAdmin(
                    config.bootstrap_admin_email, config.bootstrap_admin_password
                )
            )
            report["super_admin_created"] = created
        else:
            report["super_admin_created"] = False
            report["note"] = "set B2_BOOTSTRAP_ADMIN_EMAIL and _PASSWORD to create a super admin"
        return report
    finally:
        await shutdown(container)


async def shutdown(container: Any) -> None:
    """Run the shutdown hooks of a container built for a one-off command."""
    from b2app.http.lifecycle import Lifecycle

    lifecycle: Lifecycle = container.resolve(Lifecycle)
    await lifecycle.shutdown()


DEMO_TENANT_EMAIL = "owner@demo-bakery.example"
DEMO_TENANT_PASSWORD = "b2-demo-owner-password"
_DEMO_SERVICES = (
    ("Chocolate Cake", 250000, "A rich chocolate cake for 8 people, made to order."),
    ("Croissant", 30000, "Butter croissant, baked every morning."),
    ("Birthday Cupcakes (12)", 180000, "A dozen cupcakes with your message on top."),
)


async def seed_demo(config: settings.Settings) -> dict[str, Any]:
    """A demo business with its admin and a small catalog; does nothing if it exists."""
    container = bootstrap.build_container(config)
    bus: MessageBus = container.resolve(MessageBus)
    try:
        try:
            registered = await bus.handle(
                iam_commands.RegisterTenant("Demo Bakery", DEMO_TENANT_EMAIL, DEMO_TENANT_PASSWORD)
            )
        except errors.Conflict:
            return {"demo_tenant_created": False}
        for name, price, description in _DEMO_SERVICES:
            await bus.handle(
                order_commands.CreateService(
                    registered.tenant_id,
                    name,
                    money.Money(price, "PKR"),
                    order_policy.Actor.system(),
                    description=description,
                )
            )
        return {"demo_tenant_created": True, "tenant_id": registered.tenant_id}
    finally:
        await shutdown(container)
