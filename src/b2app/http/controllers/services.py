"""The tenant's service catalog: ``/services``. Its prices are the only ones customers see."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import attrs
from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from b2app.http import auth, codec, pagination
from b2app.http.controllers import bodies
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.orders import catalog, commands, policy
from b2core.orders.handlers import queries
from b2core.shared import errors, ids, money
from b2core.shared import pagination as core_pagination


def tenant_of(principal: tokens.Principal) -> ids.TenantId:
    """The caller's tenant; the guard lets no platform user reach a tenant action anyway.

    Raises ``errors.Forbidden`` (``auth.tenant_required``) when the token names no tenant.
    """
    if principal.tenant_id is None:
        raise errors.Forbidden("this action needs a tenant account", code="auth.tenant_required")
    return principal.tenant_id


def actor_of(principal: tokens.Principal) -> policy.Actor:
    """The caller as the orders context knows people: a user id and an iam role value."""
    return policy.Actor.user(principal.user_id, principal.role.value)


@attrs.frozen
class Service:
    """A catalog entry: the name the AI matches and the price in minor units."""

    service_id: str
    name: str
    description: str
    price_minor: int
    currency: str
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, service: catalog.Service) -> Service:
        """The public view of ``service``."""
        return cls(
            service.id,
            service.name,
            service.description,
            service.price.amount_minor,
            service.price.currency,
            service.active,
            service.created_at,
            service.updated_at,
        )


@attrs.frozen
class ServicePage:
    """One page of the catalog."""

    items: list[Service]
    next_cursor: str | None


@attrs.frozen
class ServiceCreate:
    """A new catalog entry; the name must be new in the catalog (any case, any spacing)."""

    name: str
    price_minor: int
    currency: str
    description: str = ""
    active: bool = True


@attrs.frozen
class ServiceUpdate:
    """The fields to change; an absent or null field stays as it is.

    A new ``price_minor`` alone keeps the current currency, and a new ``currency`` alone keeps
    the current amount.
    """

    name: str | None = None
    description: str | None = None
    price_minor: int | None = None
    currency: str | None = None
    active: bool | None = None


def _shown(service: catalog.Service) -> dict[str, Any]:
    return bodies.dump(Service.of(service))


async def _new_price(
    bus: MessageBus, query: queries.GetService, form: ServiceUpdate
) -> money.Money | None:
    """The price a change asks for; a missing half (amount or currency) is the current one."""
    if form.price_minor is None and form.currency is None:
        return None
    if form.price_minor is not None and form.currency is not None:
        return money.Money(form.price_minor, form.currency)
    # The core changes the price as one Money value; reading first also makes an unknown id
    # a 404 before any validation.
    current: catalog.Service = await bus.handle(query)
    return money.Money(
        current.price.amount_minor if form.price_minor is None else form.price_minor,
        form.currency or current.price.currency,
    )


def parse_active(value: str | None) -> bool | None:
    """The ``active`` filter: ``true``, ``false`` or absent.

    Raises ``errors.InvalidInput`` (``service.bad_filter``) for another value.
    """
    if not value:
        return None
    if value not in ("true", "false"):
        raise errors.InvalidInput("active must be true or false", code="service.bad_filter")
    return value == "true"


class ServicesController(Controller):
    """The caller's own catalog only: another tenant's services are simply not found."""

    path = "/services"
    tags = ["catalog"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(permissions.Action.SERVICES_READ),
        **bodies.answers(200, ServicePage, "the catalog", (401, 403, 422)),
    )
    async def list_services(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
        active: Annotated[
            str | None, QueryParameter(description="true or false; absent: every service.")
        ] = None,
    ) -> dict[str, Any]:
        """Your services by name, optionally only active (or inactive) ones."""
        query = queries.ListServices(
            tenant_of(principal), actor_of(principal), page, active=parse_active(active)
        )
        return pagination.render(await bus.handle(query), item=_shown)

    @post(
        "/",
        **auth.guarded(permissions.Action.SERVICES_WRITE),
        **bodies.answers(201, Service, "added", (400, 401, 403, 409, 422)),
    )
    async def create_service(
        self,
        data: bodies.Json[ServiceCreate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Add a service; 409 ``service.duplicate_name`` when the name is taken."""
        form = codec.structure(data, ServiceCreate)
        command = commands.CreateService(
            tenant_of(principal),
            form.name,
            money.Money(form.price_minor, form.currency),
            actor_of(principal),
            description=form.description,
            active=form.active,
        )
        return _shown(await bus.handle(command))

    @get(
        "/{service_id:str}",
        **auth.guarded(permissions.Action.SERVICES_READ),
        **bodies.answers(200, Service, "the service", (401, 403, 404)),
    )
    async def get_service(
        self,
        service_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """One service of your catalog."""
        query = queries.GetService(
            tenant_of(principal), ids.ServiceId(service_id), actor_of(principal)
        )
        return _shown(await bus.handle(query))

    @patch(
        "/{service_id:str}",
        **auth.guarded(permissions.Action.SERVICES_WRITE),
        **bodies.answers(200, Service, "changed", (400, 401, 403, 404, 409, 422)),
    )
    async def update_service(
        self,
        service_id: FromPath[str],
        data: bodies.Json[ServiceUpdate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Change some fields; orders already drafted keep the name and price they had."""
        form = codec.structure(data, ServiceUpdate)
        tenant, key, actor = tenant_of(principal), ids.ServiceId(service_id), actor_of(principal)
        command = commands.UpdateService(
            tenant,
            key,
            actor,
            name=form.name,
            description=form.description,
            price=await _new_price(bus, queries.GetService(tenant, key, actor), form),
            active=form.active,
        )
        return _shown(await bus.handle(command))

    @delete(
        "/{service_id:str}",
        **auth.guarded(permissions.Action.SERVICES_WRITE),
        **bodies.answers(204, None, "deleted", (401, 403, 404)),
    )
    async def delete_service(
        self,
        service_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> None:
        """Remove a service for good (orders keep their copy); to hide it, set active false."""
        command = commands.DeleteService(
            tenant_of(principal), ids.ServiceId(service_id), actor_of(principal)
        )
        await bus.handle(command)
