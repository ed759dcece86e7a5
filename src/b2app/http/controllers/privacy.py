"""GDPR requests over HTTP: a tenant admin exports or erases one of the tenant's customers
(``/privacy/customers/{customer_id}``); a super admin exports or erases a whole tenant's
customer data (``/admin/tenants/{tenant_id}/data``)."""

from __future__ import annotations

from typing import Any

import attrs
from litestar import Controller, Response, delete, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from b2app import privacy_export
from b2app.http import auth
from b2app.http.controllers import bodies
from b2app.http.controllers.services import tenant_of
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.privacy import commands
from b2core.shared import audit, ids

# Tenant-admin-only actions: managing the business's own data (customers) and, for the
# operator, the tenants themselves.
_CUSTOMERS = permissions.Action.TENANT_PROFILE_WRITE
_TENANTS = permissions.Action.ADMIN_TENANTS
_JSON = "application/json"


@attrs.frozen
class MediaReference:
    """A media attachment by its handle."""

    type: str
    media_id: str
    mime_type: str | None
    caption: str | None
    filename: str | None


@attrs.frozen
class CustomerExport:
    """Everything held about one customer (``format`` ``b2.privacy.customer/1``); records are
    sorted by id and the bytes are the same for the same data."""

    format: str
    tenant_id: str
    customer_id: str
    conversations: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    media: list[MediaReference]


@attrs.frozen
class TenantExport:
    """Everything held about every customer of a tenant (``format`` ``b2.privacy.tenant/1``)."""

    format: str
    tenant_id: str
    customers: list[dict[str, Any]]


@attrs.frozen
class Erasure:
    """What an erasure removed or changed; ``nothing_left`` when it found nothing to erase."""

    conversations_deleted: int
    messages_deleted: int
    orders_anonymised: int
    orders_deleted: int
    media_files_deleted: int
    audit_entries_scrubbed: int
    nothing_left: bool


def actor_of(principal: tokens.Principal) -> audit.Actor:
    """The caller as the audit trail names people."""
    return audit.Actor.user(principal.user_id, principal.role.value)


def _attachment(document: dict[str, Any], name: str) -> Response[bytes]:
    return Response(
        privacy_export.dumps(document),
        media_type=_JSON,
        status_code=200,
        headers={"content-disposition": f'attachment; filename="{name}.json"'},
    )


class PrivacyController(Controller):
    """A tenant admin's GDPR requests about the tenant's customers; every request is audited."""

    path = "/privacy/customers"
    tags = ["privacy"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/{customer_id:str}/export",
        **auth.guarded(_CUSTOMERS),
        **bodies.answers(200, CustomerExport, "the customer's data", (401, 403, 422)),
    )
    async def export_customer(
        self,
        customer_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> Response[bytes]:
        """Everything the business holds about the customer, as one JSON document."""
        command = commands.ExportCustomerData(
            tenant_of(principal), customer_id, actor_of(principal)
        )
        document = privacy_export.customer_document(await bus.handle(command))
        return _attachment(document, "customer-export")

    @delete(
        "/{customer_id:str}",
        **auth.guarded(_CUSTOMERS),
        **bodies.answers(200, Erasure, "what was erased", (401, 403, 422)),
    )
    async def erase_customer(
        self,
        customer_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Delete the customer's messages, conversations and media; keep orders anonymised."""
        command = commands.EraseCustomerData(tenant_of(principal), customer_id, actor_of(principal))
        return privacy_export.report_document(await bus.handle(command))


class AdminTenantDataController(Controller):
    """The operator's GDPR requests about a whole tenant; every request is audited."""

    path = "/admin/tenants"
    tags = ["admin", "privacy"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/{tenant_id:str}/data",
        **auth.guarded(_TENANTS),
        **bodies.answers(200, TenantExport, "the tenant's customer data", (401, 403, 404)),
    )
    async def export_tenant(
        self,
        tenant_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> Response[bytes]:
        """Every customer's data of the tenant, as one JSON document."""
        command = commands.ExportTenantData(ids.TenantId(tenant_id), actor_of(principal))
        document = privacy_export.tenant_document(await bus.handle(command))
        return _attachment(document, "tenant-export")

    @delete(
        "/{tenant_id:str}/data",
        **auth.guarded(_TENANTS),
        **bodies.answers(200, Erasure, "what was erased", (401, 403, 404)),
    )
    async def erase_tenant(
        self,
        tenant_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Delete every conversation, message, order and media file of the tenant's customers."""
        command = commands.EraseTenantData(ids.TenantId(tenant_id), actor_of(principal))
        return privacy_export.report_document(await bus.handle(command))
