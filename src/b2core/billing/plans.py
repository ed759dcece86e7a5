"""Subscription plans: what a tenant can buy, at which price, for which AI plan and limits.

Plans are managed by a SUPER_ADMIN. Deleting one is soft (``deleted_at``): it leaves the pricing
page and can no longer be bought, but tenants already subscribed keep its tier and limits, so
the AI mapping of every stored subscription stays resolvable.
"""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Iterable
from datetime import datetime

import attrs

from b2core.billing import tiers, values
from b2core.shared import errors, ids, money, time

MAX_NAME = 120
MAX_DESCRIPTION = 2000
MAX_LIMIT = 10_000_000
# Stripe object ids: a short prefix, an underscore and letters/digits (prod_..., price_...).
_STRIPE_ID = re.compile(r"^[A-Za-z0-9]{2,10}_[A-Za-z0-9_]{1,200}$")


class Interval(enum.StrEnum):
    """How often a plan is billed."""

    MONTH = "month"
    YEAR = "year"


def _strip(value: str) -> str:
    return value.strip() if isinstance(value, str) else value


def _bad(message: str, code: str) -> errors.InvalidInput:
    return errors.InvalidInput(message, code=code)


def _check_name(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_NAME:
        raise _bad(f"plan name must be 1 to {MAX_NAME} characters", "plan.bad_name")


def _check_description(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION:
        raise _bad(f"description has at most {MAX_DESCRIPTION} characters", "plan.bad_description")


def _check_stripe_id(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not _STRIPE_ID.match(value)):
        raise _bad(f"{attribute.name} is not a Stripe id", "plan.bad_stripe_id")


def _check_ai_plan(_: object, __: attrs.Attribute[str], value: str) -> None:
    tiers.check_ai_plan(value)


def _check_limit(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LIMIT:
        raise _bad(f"{attribute.name} must be an integer from 0 to {MAX_LIMIT}", "plan.bad_limit")


def _check_price(_: object, __: attrs.Attribute[money.Money], value: money.Money) -> None:
    if not isinstance(value, money.Money) or value.amount_minor < 0:
        raise _bad("plan price must be a non-negative amount", "plan.bad_price")


def _check_order(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
        raise _bad(f"{attribute.name} must be an integer from 0 to 1000000", "plan.bad_number")


def _interval(value: object) -> Interval:
    return values.to_enum(Interval, value, "plan.bad_interval")


@attrs.frozen
class Plan:
    """A subscription plan. ``ai_tier`` follows from ``ai_plan`` (see :mod:`tiers`).

    ``daily_limit`` and ``monthly_limit`` are the AI replies a subscriber may get; ``price`` is
    charged every ``interval``. ``version`` is the stored version this instance derives from
    (optimistic concurrency, as in the other contexts).
    """

    id: ids.PlanId
    name: str = attrs.field(converter=_strip, validator=_check_name)
    ai_plan: str = attrs.field(validator=_check_ai_plan)
    daily_limit: int = attrs.field(validator=_check_limit)
    monthly_limit: int = attrs.field(validator=_check_limit)
    price: money.Money = attrs.field(validator=_check_price)
    interval: Interval = attrs.field(converter=_interval)
    created_at: datetime = attrs.field(converter=time.ensure_utc)
    updated_at: datetime = attrs.field(converter=time.ensure_utc)
    description: str = attrs.field(default="", converter=_strip, validator=_check_description)
    stripe_product_id: str | None = attrs.field(default=None, validator=_check_stripe_id)
    stripe_price_id: str | None = attrs.field(default=None, validator=_check_stripe_id)
    display_order: int = attrs.field(default=0, validator=_check_order)
    active: bool = True
    deleted_at: datetime | None = None
    version: int = attrs.field(default=0, validator=_check_order)

    def __attrs_post_init__(self) -> None:
        if self.daily_limit > self.monthly_limit:
            raise _bad("the daily limit cannot exceed the monthly limit", "plan.bad_limit")

    @property
    def ai_tier(self) -> str:
        """The AI tier this plan buys."""
        return tiers.tier_for(self.ai_plan)

    @property
    def deleted(self) -> bool:
        """Whether a SUPER_ADMIN removed the plan (it stays stored for its subscribers)."""
        return self.deleted_at is not None

    @property
    def purchasable(self) -> bool:
        """Whether a tenant may buy it now: active and not deleted."""
        return self.active and not self.deleted

    def update(self, at: datetime, changes: PlanChanges) -> Plan:
        """The plan with ``changes`` applied; no change returns self.

        Raises:
            errors.Conflict: ``plan.deleted`` for a deleted plan.
            errors.InvalidInput: a changed field breaks its rule.
        """
        if self.deleted:
            raise errors.Conflict("a deleted plan cannot change", code="plan.deleted")
        given = {f: getattr(changes, f) for f in EDITABLE if getattr(changes, f) is not None}
        changed = attrs.evolve(self, **given)
        if changed == self:
            return self
        return attrs.evolve(changed, updated_at=time.ensure_utc(at))

    def delete(self, at: datetime) -> Plan:
        """Soft-delete the plan; deleting twice is refused (``plan.deleted``)."""
        if self.deleted:
            raise errors.Conflict("the plan is already deleted", code="plan.deleted")
        moment = time.ensure_utc(at)
        return attrs.evolve(self, active=False, deleted_at=moment, updated_at=moment)


@attrs.frozen
class PlanChanges:
    """What a SUPER_ADMIN changes on a plan; None leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    stripe_product_id: str | None = None
    stripe_price_id: str | None = None
    ai_plan: str | None = None
    daily_limit: int | None = None
    monthly_limit: int | None = None
    price: money.Money | None = None
    interval: Interval | None = None
    display_order: int | None = None
    active: bool | None = None


#: The fields of :class:`PlanChanges`, in order.
EDITABLE = tuple(a.name for a in attrs.fields(PlanChanges))


@attrs.frozen
class PublicPlan:
    """What the pricing page shows of a plan: no Stripe ids, no bookkeeping."""

    id: ids.PlanId
    name: str
    description: str
    ai_tier: str
    daily_limit: int
    monthly_limit: int
    price: money.Money
    interval: Interval

    @classmethod
    def of(cls, plan: Plan) -> PublicPlan:
        """The public projection of ``plan``."""
        return cls(
            plan.id,
            plan.name,
            plan.description,
            plan.ai_tier,
            plan.daily_limit,
            plan.monthly_limit,
            plan.price,
            plan.interval,
        )


def display_key(plan: Plan) -> tuple[int, str, str]:
    """Sort key of plan lists: display order, then name, then id."""
    return (plan.display_order, plan.name.casefold(), plan.id)


def public_plans(plans: Iterable[Plan]) -> tuple[PublicPlan, ...]:
    """The purchasable plans in display order, projected for the public pricing page."""
    return tuple(PublicPlan.of(p) for p in sorted(plans, key=display_key) if p.purchasable)


def find(plans: Iterable[Plan], plan_id: ids.PlanId | None) -> Plan | None:
    """The plan with this id (deleted ones included), or None."""
    return next((p for p in plans if p.id == plan_id), None) if plan_id else None


def by_stripe_price(plans: Iterable[Plan], price_id: str | None) -> Plan | None:
    """The plan sold at this Stripe price (deleted ones included), or None."""
    return next((p for p in plans if p.stripe_price_id == price_id), None) if price_id else None


def add_interval(start: datetime, interval: Interval) -> datetime:
    """``start`` plus one billing interval, the day clamped to the target month's length.

    A month after 31 January is 28 (or 29) February, as card networks and Stripe count it.
    """
    months = 1 if interval is Interval.MONTH else 12
    index = start.year * 12 + (start.month - 1) + months
    year, month = index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)
