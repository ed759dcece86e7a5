"""Use cases of the privacy context: export and erasure, each audited without personal data."""

from __future__ import annotations

import attrs

from b2core.privacy import commands, model, ports
from b2core.shared import audit, errors, ids, time

MAX_CUSTOMER_ID = 200


def check_customer_id(customer_id: str) -> str:
    """The customer id, refused (``privacy.bad_customer``) when empty or too long."""
    if not isinstance(customer_id, str) or not customer_id.strip():
        raise errors.InvalidInput("a customer id is required", code="privacy.bad_customer")
    if len(customer_id) > MAX_CUSTOMER_ID:
        raise errors.InvalidInput("the customer id is too long", code="privacy.bad_customer")
    return customer_id


async def require_tenant(uow: ports.PrivacyUoW, tenant_id: ids.TenantId) -> None:
    """Raise ``errors.NotFound`` (``tenant.not_found``) unless the tenant exists."""
    async with uow.platform() as tx:
        if await tx.tenants.get(tenant_id) is None:
            raise errors.NotFound("no such tenant", code="tenant.not_found")


@attrs.frozen
class _Auditor:
    id_generator: ids.IdGenerator
    clock: time.Clock

    def entry(
        self, actor: audit.Actor, action: str, tenant_id: ids.TenantId, counts: dict[str, int]
    ) -> audit.AuditEntry:
        # No target and only counts: the entry must not itself hold the data it records erasing.
        return audit.record(
            self.id_generator, self.clock, actor, action, tenant_id=tenant_id, metadata=counts
        )


@attrs.frozen
class ExportCustomerDataHandler:
    """Everything held about one customer; audited as ``privacy.customer_exported``."""

    uow: ports.PrivacyUoW
    id_generator: ids.IdGenerator
    clock: time.Clock

    async def __call__(self, cmd: commands.ExportCustomerData) -> model.CustomerData:
        check_customer_id(cmd.customer_id)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            data = await tx.customer_data.export(cmd.customer_id)
            counts = {
                "conversations": len(data.conversations),
                "messages": len(data.messages),
                "orders": len(data.orders),
            }
            auditor = _Auditor(self.id_generator, self.clock)
            await tx.audit.append(
                auditor.entry(cmd.actor, "privacy.customer_exported", cmd.tenant_id, counts)
            )
            await tx.commit()
        return data


@attrs.frozen
class EraseCustomerDataHandler:
    """Erase one customer in one transaction; a repeated erasure reports nothing left."""

    uow: ports.PrivacyUoW
    media: ports.MediaFiles
    id_generator: ids.IdGenerator
    clock: time.Clock

    async def __call__(self, cmd: commands.EraseCustomerData) -> model.ErasureReport:
        check_customer_id(cmd.customer_id)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            store = tx.customer_data
            data = await store.export(cmd.customer_id)
            report = await store.erase(cmd.customer_id)
            scrubbed = await store.scrub_audit(data.personal_values())
            # Files go before the commit: a failure leaves the rows, so a retry finds them.
            files = await self.media.delete_for_messages(cmd.tenant_id, data.media_files())
            report = attrs.evolve(
                report, audit_entries_scrubbed=scrubbed, media_files_deleted=files
            )
            auditor = _Auditor(self.id_generator, self.clock)
            await tx.audit.append(
                auditor.entry(cmd.actor, "privacy.customer_erased", cmd.tenant_id, report.counts())
            )
            await tx.commit()
        return report


@attrs.frozen
class ExportTenantDataHandler:
    """Everything held about every customer of a tenant; audited as ``privacy.tenant_exported``."""

    uow: ports.PrivacyUoW
    id_generator: ids.IdGenerator
    clock: time.Clock

    async def __call__(self, cmd: commands.ExportTenantData) -> model.TenantData:
        await require_tenant(self.uow, cmd.tenant_id)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            store = tx.customer_data
            customers = [await store.export(c) for c in await store.customer_ids()]
            auditor = _Auditor(self.id_generator, self.clock)
            counts = {"customers": len(customers)}
            await tx.audit.append(
                auditor.entry(cmd.actor, "privacy.tenant_exported", cmd.tenant_id, counts)
            )
            await tx.commit()
        return model.TenantData(cmd.tenant_id, tuple(customers))


@attrs.frozen
class EraseTenantDataHandler:
    """Erase every customer's data of a tenant; its audit entries keep actions, lose metadata."""

    uow: ports.PrivacyUoW
    media: ports.MediaFiles
    id_generator: ids.IdGenerator
    clock: time.Clock

    async def __call__(self, cmd: commands.EraseTenantData) -> model.ErasureReport:
        await require_tenant(self.uow, cmd.tenant_id)
        async with self.uow.tenant(cmd.tenant_id) as tx:
            store = tx.customer_data
            report = await store.erase_all()
            cleared = await store.clear_audit_metadata()
            files = await self.media.delete_tenant(cmd.tenant_id)
            report = attrs.evolve(report, audit_entries_scrubbed=cleared, media_files_deleted=files)
            auditor = _Auditor(self.id_generator, self.clock)
            await tx.audit.append(
                auditor.entry(cmd.actor, "privacy.tenant_erased", cmd.tenant_id, report.counts())
            )
            await tx.commit()
        return report
