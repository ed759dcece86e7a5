"""Subscription plans: ``/admin/plans`` for the super admin, public ``GET /plans`` for pricing.

The admin view carries the Stripe ids and bookkeeping; the public one only what a pricing page
shows. Deleting a plan is soft: it leaves the price list and sale, its subscribers keep it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

import attrs
from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from b2app.http import auth, codec, pagination
from b2app.http.controllers import bodies
from b2core.billing import access, commands, plans
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.shared import errors, ids, money
from b2core.shared import pagination as core_pagination

_ADMIN = permissions.Action.ADMIN_PLANS


def caller_of(principal: tokens.Principal) -> access.Caller:
    """The caller as billing knows people: a user id and an iam role value."""
    return access.Caller(principal.user_id, principal.role.value)


@attrs.frozen
class Plan:
    """A plan as the super admin sees it, Stripe ids and deletion included."""

    plan_id: str
    name: str
    description: str
    ai_plan: str
    ai_tier: str
    daily_limit: int
    monthly_limit: int
    price_minor: int
    currency: str
    interval: plans.Interval
    stripe_product_id: str | None
    stripe_price_id: str | None
    display_order: int
    active: bool
    deleted_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, plan: plans.Plan) -> Plan:
        """The admin view of ``plan``."""
        return cls(
            plan.id, plan.name, plan.description, plan.ai_plan, plan.ai_tier,
            plan.daily_limit, plan.monthly_limit, plan.price.amount_minor, plan.price.currency,
            plan.interval, plan.stripe_product_id, plan.stripe_price_id, plan.display_order,
            plan.active, plan.deleted_at, plan.created_at, plan.updated_at,
        )  # fmt: skip


@attrs.frozen
class PublicPlan:
    """What the pricing page shows of a plan."""

    plan_id: str
    name: str
    description: str
    ai_tier: str
    daily_limit: int
    monthly_limit: int
    price_minor: int
    currency: str
    interval: plans.Interval

    @classmethod
    def of(cls, plan: plans.PublicPlan) -> PublicPlan:
        """The public view of ``plan``."""
        return cls(
            plan.id, plan.name, plan.description, plan.ai_tier, plan.daily_limit,
            plan.monthly_limit, plan.price.amount_minor, plan.price.currency, plan.interval,
        )  # fmt: skip


@attrs.frozen
class PlanPage:
    """One page of plans (admin view), in display order."""

    items: list[Plan]
    next_cursor: str | None


@attrs.frozen
class PublicPlanPage:
    """One page of the price list, in display order."""

    items: list[PublicPlan]
    next_cursor: str | None


@attrs.frozen
class PlanCreate:
    """A new plan: its name must be new among plans that are not deleted."""

    name: str
    ai_plan: str
    daily_limit: int
    monthly_limit: int
    price_minor: int
    currency: str
    interval: plans.Interval
    description: str = ""
    stripe_product_id: str | None = None
    stripe_price_id: str | None = None
    display_order: int = 0
    active: bool = True


@attrs.frozen
class PlanUpdate:
    """Fields to change; leave one out to keep it. A new price needs both amount and currency."""

    name: str | None = None
    description: str | None = None
    ai_plan: str | None = None
    daily_limit: int | None = None
    monthly_limit: int | None = None
    price_minor: int | None = None
    currency: str | None = None
    interval: plans.Interval | None = None
    stripe_product_id: str | None = None
    stripe_price_id: str | None = None
    display_order: int | None = None
    active: bool | None = None


def _price(amount_minor: int, currency: str) -> money.Money:
    # Money refuses a bad currency itself; a negative amount is the plan's own refusal.
    if amount_minor < 0:
        raise errors.InvalidInput("plan price must be a non-negative amount", code="plan.bad_price")
    return money.Money(amount_minor, currency)


def _new_price(form: PlanUpdate) -> money.Money | None:
    if form.price_minor is None and form.currency is None:
        return None
    if form.price_minor is None or form.currency is None:
        raise errors.InvalidInput(
            "a new price needs both price_minor and currency", code="plan.bad_price"
        )
    return _price(form.price_minor, form.currency)


def page_of(
    items: Sequence[plans.Plan], page: core_pagination.PageRequest
) -> core_pagination.Page[plans.Plan]:
    """A page of plans in display order; the cursor is the display key of the last one shown.

    A platform has a handful of plans, so the handler returns them all and the edge pages them.
    """
    ordered = sorted(items, key=plans.display_key)
    if page.cursor is not None:
        raw = core_pagination.decode_cursor(page.cursor, 3)
        order, name, plan_id = raw
        if not isinstance(order, int) or not isinstance(name, str) or not isinstance(plan_id, str):
            raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor")
        ordered = [p for p in ordered if plans.display_key(p) > (order, name, plan_id)]
    rows = ordered[: page.limit + 1]
    return core_pagination.page_from_rows(rows, page.limit, lambda p: plans.display_key(p))


def _public_page(
    items: Sequence[plans.PublicPlan], page: core_pagination.PageRequest
) -> core_pagination.Page[plans.PublicPlan]:
    # Public projections keep display order; page them by position in that order.
    start = 0
    if page.cursor is not None:
        (position,) = core_pagination.decode_cursor(page.cursor, 1)
        if not isinstance(position, int) or position < 0:
            raise errors.InvalidInput("cursor is not valid", code="pagination.bad_cursor")
        start = position
    chunk = items[start : start + page.limit]
    following = start + len(chunk)
    more = following < len(items)
    return core_pagination.Page(
        items=tuple(chunk),
        next_cursor=core_pagination.encode_cursor(following) if more else None,
    )


def _shown(plan: plans.Plan) -> dict[str, Any]:
    return bodies.dump(Plan.of(plan))


def _flag(value: str | None, name: str) -> bool:
    if value in (None, "", "false", "0"):
        return False
    if value in ("true", "1"):
        return True
    raise errors.InvalidInput(f"{name} must be true or false", code="request.invalid")


class AdminPlansController(Controller):
    """The platform's plans (SUPER_ADMIN)."""

    path = "/admin/plans"
    tags = ["billing"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(_ADMIN),
        **bodies.answers(200, PlanPage, "plans", (401, 403, 422)),
    )
    async def list_plans(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
        include_deleted: Annotated[
            str | None, QueryParameter(description="true to list deleted plans too")
        ] = None,
    ) -> dict[str, Any]:
        """Every plan in display order, with Stripe ids."""
        query = commands.ListPlans(
            caller_of(principal), include_deleted=_flag(include_deleted, "include_deleted")
        )
        return pagination.render(page_of(await bus.handle(query), page), item=_shown)

    @post(
        "/",
        **auth.guarded(_ADMIN),
        **bodies.answers(201, Plan, "created", (400, 401, 403, 409, 422)),
    )
    async def create_plan(
        self,
        data: bodies.Json[PlanCreate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Add a plan; ``plan.duplicate_name`` (409) when a live plan has the name."""
        form = codec.structure(data, PlanCreate)
        command = commands.CreatePlan(
            caller_of(principal),
            name=form.name,
            ai_plan=form.ai_plan,
            daily_limit=form.daily_limit,
            monthly_limit=form.monthly_limit,
            price=_price(form.price_minor, form.currency),
            interval=form.interval,
            description=form.description,
            stripe_product_id=form.stripe_product_id,
            stripe_price_id=form.stripe_price_id,
            display_order=form.display_order,
            active=form.active,
        )
        return _shown(await bus.handle(command))

    @get(
        "/{plan_id:str}",
        **auth.guarded(_ADMIN),
        **bodies.answers(200, Plan, "the plan", (401, 403, 404)),
    )
    async def get_plan(
        self,
        plan_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """One plan, deleted or not."""
        found = plans.find(
            await bus.handle(commands.ListPlans(caller_of(principal), include_deleted=True)),
            ids.PlanId(plan_id),
        )
        if found is None:
            raise errors.NotFound("no such plan", code="plan.not_found")
        return _shown(found)

    @patch(
        "/{plan_id:str}",
        **auth.guarded(_ADMIN),
        **bodies.answers(200, Plan, "changed", (400, 401, 403, 404, 409, 422)),
    )
    async def update_plan(
        self,
        plan_id: FromPath[str],
        data: bodies.Json[PlanUpdate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Change some fields; ``plan.deleted`` (409) for a deleted plan."""
        form = codec.structure(data, PlanUpdate)
        changes = plans.PlanChanges(
            name=form.name,
            description=form.description,
            stripe_product_id=form.stripe_product_id,
            stripe_price_id=form.stripe_price_id,
            ai_plan=form.ai_plan,
            daily_limit=form.daily_limit,
            monthly_limit=form.monthly_limit,
            price=_new_price(form),
            interval=form.interval,
            display_order=form.display_order,
            active=form.active,
        )
        command = commands.UpdatePlan(caller_of(principal), ids.PlanId(plan_id), changes)
        return _shown(await bus.handle(command))

    @delete(
        "/{plan_id:str}",
        **auth.guarded(_ADMIN),
        **bodies.answers(204, None, "deleted", (401, 403, 404, 409)),
    )
    async def delete_plan(
        self,
        plan_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> None:
        """Soft-delete a plan: off the price list, kept for its subscribers."""
        await bus.handle(commands.DeletePlan(caller_of(principal), ids.PlanId(plan_id)))


class PublicPlansController(Controller):
    """The price list, for anyone (no token)."""

    path = "/plans"
    tags = ["billing"]

    @get(
        "/",
        dependencies=pagination.DEPENDENCIES,
        **bodies.answers(200, PublicPlanPage, "purchasable plans", (422,)),
    )
    async def list_public_plans(
        self,
        bus: NamedDependency[MessageBus],
        page: NamedDependency[core_pagination.PageRequest],
    ) -> dict[str, Any]:
        """Plans on sale in display order, without Stripe ids or bookkeeping."""
        found = await bus.handle(commands.ListPublicPlans())
        return pagination.render(
            _public_page(tuple(found), page), item=lambda p: bodies.dump(PublicPlan.of(p))
        )
