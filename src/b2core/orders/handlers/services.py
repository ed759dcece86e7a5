"""Use cases of the catalog: create, change, delete, list and read a tenant's services.

Deleting removes the service for good (the repository's ``delete``): orders keep their own copy
of each item's service id, name and unit price, so they read the same afterwards, and the name
becomes free again. To hide a service but keep it, update it with ``active=False``.
"""

from __future__ import annotations

import attrs

from b2core.orders import catalog, commands, ports
from b2core.orders.handlers import common, queries
from b2core.shared import ids, pagination, time

_FIELDS = ("name", "description", "price", "active")


@attrs.frozen
class CreateServiceHandler:
    """Add a service to the tenant's catalog; its name must be new there."""

    uow: ports.OrdersUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.CreateService) -> catalog.Service:
        common.check_catalog_editor(cmd.by)
        service = catalog.Service.create(
            ids.ServiceId(self.id_generator.new()),
            cmd.tenant_id,
            cmd.name,
            cmd.price,
            self.clock.now(),
            description=cmd.description,
            active=cmd.active,
        )
        async with self.uow.tenant(cmd.tenant_id) as tx:
            await tx.services.add(service)
            await tx.audit.append(
                common.entry(
                    self.id_generator,
                    self.clock,
                    cmd.by,
                    "service.created",
                    cmd.tenant_id,
                    ("service", service.id),
                    {"price_minor": service.price.amount_minor, "currency": service.price.currency},
                )
            )
            await tx.commit()
        return service


@attrs.frozen
class UpdateServiceHandler:
    """Change some fields of a service; a no-op change is neither saved nor audited."""

    uow: ports.OrdersUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.UpdateService) -> catalog.Service:
        common.check_catalog_editor(cmd.by)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            service = await common.load_service(tx, cmd.service_id)
            changed = service.update(
                self.clock.now(),
                name=cmd.name,
                description=cmd.description,
                price=cmd.price,
                active=cmd.active,
            )
            if changed == service:
                return service
            saved = await tx.services.save(changed)
            fields = [f for f in _FIELDS if getattr(changed, f) != getattr(service, f)]
            await tx.audit.append(
                common.entry(
                    self.id_generator,
                    self.clock,
                    cmd.by,
                    "service.updated",
                    cmd.tenant_id,
                    ("service", service.id),
                    {"fields": fields},
                )
            )
            await tx.commit()
        return saved


@attrs.frozen
class DeleteServiceHandler:
    """Remove a service from the catalog; orders that name it keep their copy of it."""

    uow: ports.OrdersUoW
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def __call__(self, cmd: commands.DeleteService) -> None:
        common.check_catalog_editor(cmd.by)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            service = await common.load_service(tx, cmd.service_id)
            await tx.services.delete(service.id)
            # The trail keeps what was removed, since the row itself is gone.
            await tx.audit.append(
                common.entry(
                    self.id_generator,
                    self.clock,
                    cmd.by,
                    "service.deleted",
                    cmd.tenant_id,
                    ("service", service.id),
                    {"name": service.name, "price_minor": service.price.amount_minor},
                )
            )
            await tx.commit()


@attrs.frozen
class ListServicesHandler:
    """A page of the tenant's catalog, by name."""

    uow: ports.OrdersUoW

    async def __call__(self, cmd: queries.ListServices) -> pagination.Page[catalog.Service]:
        common.check_member(cmd.by, "service")
        async with self.uow.tenant(cmd.tenant_id) as tx:
            return await tx.services.list(cmd.page, active=cmd.active)


@attrs.frozen
class GetServiceHandler:
    """One service of the tenant's catalog."""

    uow: ports.OrdersUoW

    async def __call__(self, cmd: queries.GetService) -> catalog.Service:
        common.check_member(cmd.by, "service")
        async with self.uow.tenant(cmd.tenant_id) as tx:
            return await common.load_service(tx, cmd.service_id)
