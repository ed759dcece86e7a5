"""Coupons: ``/admin/coupons`` for the super admin.

A coupon's code, kind and value never change (a different discount is a different coupon);
its switch, expiry, redemption cap and Stripe coupon id may. An expiry must lie in the future
when it is set: a coupon born expired is a typo, not a wish.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from b2app.http import auth, codec, deps, pagination
from b2app.http.controllers import bodies
from b2app.http.controllers.billing_plans import caller_of
from b2core.billing import commands, coupons
from b2core.iam import permissions, tokens
from b2core.messagebus import MessageBus
from b2core.shared import errors, ids, money, time
from b2core.shared import pagination as core_pagination

_ADMIN = permissions.Action.ADMIN_PLANS


@attrs.frozen
class Coupon:
    """A coupon as the super admin sees it."""

    coupon_id: str
    code: str
    kind: coupons.CouponKind
    percent: int | None
    amount_off_minor: int | None
    currency: str | None
    expires_at: datetime | None
    active: bool
    stripe_coupon_id: str | None
    max_redemptions: int | None
    redemptions: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, coupon: coupons.Coupon) -> Coupon:
        """The admin view of ``coupon``."""
        off = coupon.amount_off
        return cls(
            coupon.id, coupon.code, coupon.kind, coupon.percent,
            None if off is None else off.amount_minor, None if off is None else off.currency,
            coupon.expires_at, coupon.active, coupon.stripe_coupon_id, coupon.max_redemptions,
            coupon.redemptions, coupon.created_at, coupon.updated_at,
        )  # fmt: skip


@attrs.frozen
class CouponPage:
    """One page of coupons, by code."""

    items: list[Coupon]
    next_cursor: str | None


@attrs.frozen
class CouponCreate:
    """A new coupon: PERCENTAGE takes ``percent`` (1-100); FIXED ``amount_off_minor`` (>= 0)
    and ``currency``."""

    code: str
    kind: coupons.CouponKind
    percent: int | None = None
    amount_off_minor: int | None = None
    currency: str | None = None
    expires_at: datetime | None = None
    active: bool = True
    stripe_coupon_id: str | None = None
    max_redemptions: int | None = None


@attrs.frozen
class CouponUpdate:
    """Fields to change; leave one out to keep it. ``clear_expiry: true`` removes the expiry."""

    active: bool | None = None
    expires_at: datetime | None = None
    clear_expiry: bool = False
    max_redemptions: int | None = None
    stripe_coupon_id: str | None = None


def _bad_value() -> errors.InvalidInput:
    return errors.InvalidInput(
        "a PERCENTAGE coupon takes percent 1-100, a FIXED one amount_off_minor >= 0 and currency",
        code="coupon.bad_value",
    )


def _amount_off(form: CouponCreate) -> money.Money | None:
    if form.amount_off_minor is None and form.currency is None:
        return None
    if form.amount_off_minor is None or form.currency is None or form.amount_off_minor < 0:
        raise _bad_value()
    return money.Money(form.amount_off_minor, form.currency)


def check_future(expires_at: datetime | None, now: datetime) -> None:
    """Refuse an expiry that is not after ``now`` (``coupon.bad_expiry``)."""
    if expires_at is not None and time.ensure_utc(expires_at) <= now:
        raise errors.InvalidInput("expires_at must be in the future", code="coupon.bad_expiry")


def _check_cap(value: int | None) -> None:
    if value is not None and value < 1:
        raise errors.InvalidInput("max_redemptions must be at least 1", code="coupon.bad_number")


def _now(request: Request[Any, Any, Any]) -> datetime:
    clock: time.Clock = deps.container_of(request.app.state).resolve(time.Clock)
    return clock.now()


def _shown(coupon: coupons.Coupon) -> dict[str, Any]:
    return bodies.dump(Coupon.of(coupon))


class AdminCouponsController(Controller):
    """The platform's coupons (SUPER_ADMIN)."""

    path = "/admin/coupons"
    tags = ["billing"]
    dependencies = auth.DEPENDENCIES

    @get(
        "/",
        dependencies=pagination.DEPENDENCIES,
        **auth.guarded(_ADMIN),
        **bodies.answers(200, CouponPage, "coupons", (401, 403, 422)),
    )
    async def list_coupons(
        self,
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
        page: NamedDependency[core_pagination.PageRequest],
    ) -> dict[str, Any]:
        """Coupons by code."""
        found = await bus.handle(commands.ListCoupons(caller_of(principal), page=page))
        return pagination.render(found, item=_shown)

    @post(
        "/",
        **auth.guarded(_ADMIN),
        **bodies.answers(201, Coupon, "created", (400, 401, 403, 409, 422)),
    )
    async def create_coupon(
        self,
        request: Request[Any, Any, Any],
        data: bodies.Json[CouponCreate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Add a coupon; ``coupon.duplicate_code`` (409) when the code is taken (any case)."""
        form = codec.structure(data, CouponCreate)
        caller = caller_of(principal)  # the guard passed: only a super admin gets here
        check_future(form.expires_at, _now(request))
        _check_cap(form.max_redemptions)
        if form.kind is coupons.CouponKind.PERCENTAGE and form.percent is None:
            raise _bad_value()
        command = commands.CreateCoupon(
            caller,
            code=form.code,
            kind=form.kind,
            percent=form.percent,
            amount_off=_amount_off(form),
            expires_at=form.expires_at,
            active=form.active,
            stripe_coupon_id=form.stripe_coupon_id,
            max_redemptions=form.max_redemptions,
        )
        return _shown(await bus.handle(command))

    @patch(
        "/{coupon_id:str}",
        **auth.guarded(_ADMIN),
        **bodies.answers(200, Coupon, "changed", (400, 401, 403, 404, 422)),
    )
    async def update_coupon(
        self,
        request: Request[Any, Any, Any],
        coupon_id: FromPath[str],
        data: bodies.Json[CouponUpdate],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> dict[str, Any]:
        """Switch a coupon, change its expiry, cap or Stripe coupon id."""
        form = codec.structure(data, CouponUpdate)
        if not form.clear_expiry:
            check_future(form.expires_at, _now(request))
        _check_cap(form.max_redemptions)
        changes = coupons.CouponChanges(
            active=form.active,
            expires_at=form.expires_at,
            clear_expiry=form.clear_expiry,
            max_redemptions=form.max_redemptions,
            stripe_coupon_id=form.stripe_coupon_id,
        )
        command = commands.UpdateCoupon(caller_of(principal), ids.CouponId(coupon_id), changes)
        return _shown(await bus.handle(command))

    @delete(
        "/{coupon_id:str}",
        **auth.guarded(_ADMIN),
        **bodies.answers(204, None, "deleted", (401, 403, 404)),
    )
    async def delete_coupon(
        self,
        coupon_id: FromPath[str],
        bus: NamedDependency[MessageBus],
        principal: NamedDependency[tokens.Principal],
    ) -> None:
        """Remove a coupon for good; payments keep their copy of its code."""
        await bus.handle(commands.DeleteCoupon(caller_of(principal), ids.CouponId(coupon_id)))
