"""Platform operations on tenants, for super admins: ``/admin/tenants``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import attrs
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from b2app.http import auth, pagination
from b2app.http.controllers import bodies
from b2core.iam import commands, permissions, tokens
from b2core.messagebus import MessageBus
from b2core.shared import errors, ids
from b2core.shared import pagination as core_pagination
from b2core.tenants import model as tenant_model

_ADMIN = permissions.Action.ADMIN_TENANTS


@attrs.frozen
class Tenant:
    """A business on the platform, as the operator sees it."""

    tenant_id: str
    name: str
    status: tenant_model.TenantStatus
    timezone: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, tenant: tenant_model.Tenant) -> Tenant:
        """The operator's view of ``tenant``."""
        return cls(
            tenant.id,
            tenant.name,
            tenant.status,
            tenant.timezone,
            tenant.created_at,
            tenant.updated_at,
        )


@attrs.frozen
class TenantPage:
    """One page of tenants."""

    items: list[Tenant]
    next_cursor: str | None


def _shown(tenant: tenant_model.Tenant) -> dict[str, Any]:
    return bodies.dump(Tenant.of(tenant))


def parse_status(value: str | None) -> tenant_model.TenantStatus | None:
    """The ``status`` filter; an empty value means any status.

    Raises ``errors.InvalidInput`` (``tenant.bad_status``) for an unknown status.
    """
    if not value:
        return None
    try:
        return tenant_model.TenantStatus(value.upper())
    except ValueError:
        allowed = ", ".join(s.value for s in tenant_model.TenantStatus)
        raise errors.InvalidInput(
            f"status must be one of {allowed}", code="tenant.bad_status"
        ) from None


class AdminTenantsController(Controller):
    """Search, inspect, suspend, reactivate and archive tenants. Every change is audited."""

    path = "/admin/tenants"
    tags = ["admin"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(_ADMIN),
        **bodies.answers(200, TenantPage, "matching tenants", (401, 403, 422)),
    )
    async def list_tenants(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
        search: Annotated[
            str | None, QueryParameter(description="Part of the name, any case.")
        ] = None,
        status: Annotated[
            str | None, QueryParameter(description="ACTIVE, SUSPENDED or ARCHIVED.")
        ] = None,
    ) -> dict[str, Any]:
        """Tenants, newest first, filtered by name and status."""
        query = commands.ListTenants(
            principal, page, text=search or None, status=parse_status(status)
        )
        return pagination.render(await bus.handle(query), item=_shown)

    @get(
        "/{tenant_id:str}",
        **auth.guarded(_ADMIN),
        **bodies.answers(200, Tenant, "the tenant", (401, 403, 404)),
    )
    async def get_tenant(
        self,
        tenant_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """One tenant."""
        return _shown(await bus.handle(commands.GetTenant(principal, ids.TenantId(tenant_id))))

    async def _change(
        self,
        tenant_id: str,
        action: str,
        bus: MessageBus,
        principal: tokens.Principal,
        request: Request[Any, Any, Any],
    ) -> dict[str, Any]:
        command = commands.ChangeTenantStatus(
            principal, ids.TenantId(tenant_id), action, ip=auth.client_ip(request)
        )
        return _shown(await bus.handle(command))

    @post(
        "/{tenant_id:str}/suspend",
        **auth.guarded(_ADMIN),
        **bodies.answers(200, Tenant, "suspended", (401, 403, 404, 409)),
    )
    async def suspend(
        self,
        tenant_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        request: Request[Any, Any, Any],
    ) -> dict[str, Any]:
        """Suspend an active tenant: its users may still sign in and see /me, nothing else."""
        return await self._change(tenant_id, "suspend", bus, principal, request)

    @post(
        "/{tenant_id:str}/reactivate",
        **auth.guarded(_ADMIN),
        **bodies.answers(200, Tenant, "active again", (401, 403, 404, 409)),
    )
    async def reactivate(
        self,
        tenant_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        request: Request[Any, Any, Any],
    ) -> dict[str, Any]:
        """Lift a suspension."""
        return await self._change(tenant_id, "reactivate", bus, principal, request)

    @post(
        "/{tenant_id:str}/archive",
        **auth.guarded(_ADMIN),
        **bodies.answers(200, Tenant, "archived", (401, 403, 404, 409)),
    )
    async def archive(
        self,
        tenant_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        request: Request[Any, Any, Any],
    ) -> dict[str, Any]:
        """Archive a tenant (final): every session ends and nobody of it can sign in again."""
        return await self._change(tenant_id, "archive", bus, principal, request)
