"""Plan to tier, each plan's default quota and burst rules, and the model allowlist."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from b2core.ai import limits, model, quotas
from b2core.ai import settings as ai_settings
from b2core.shared import errors

PLAN_TIERS: Mapping[model.AiPlan, model.AiTier] = {
    model.AiPlan.FREE: model.AiTier.FREE,
    model.AiPlan.PAID_BASIC: model.AiTier.LOW,
    model.AiPlan.PAID_PRO: model.AiTier.MEDIUM,
    model.AiPlan.ENTERPRISE: model.AiTier.HIGH,
}

DEFAULT_LIMITS: Mapping[model.AiPlan, quotas.QuotaLimits] = {
    model.AiPlan.FREE: quotas.QuotaLimits(daily=50, monthly=1000),
    model.AiPlan.PAID_BASIC: quotas.QuotaLimits(daily=200, monthly=5000),
    model.AiPlan.PAID_PRO: quotas.QuotaLimits(daily=500, monthly=15000),
    model.AiPlan.ENTERPRISE: quotas.QuotaLimits(daily=2000, monthly=50000),
}


def tier_for(plan: model.AiPlan) -> model.AiTier:
    """The AI tier a plan buys: FREE->FREE, PAID_BASIC->LOW, PAID_PRO->MEDIUM, ENTERPRISE->HIGH."""
    return PLAN_TIERS[plan]


def _to_rules(value: Iterable[limits.RateRule]) -> tuple[limits.RateRule, ...]:
    rules = tuple(value)
    if len({rule.name for rule in rules}) != len(rules):
        raise errors.InvalidInput("burst rule names must be unique", code="ai.bad_plan")
    return rules


@attrs.frozen
class PlanPolicy:
    """What one plan allows: its quota and its tenant-wide burst rules."""

    quota: quotas.QuotaLimits
    burst: tuple[limits.RateRule, ...] = attrs.field(
        default=limits.DEFAULT_BURST, converter=_to_rules
    )


def _complete(value: Mapping[model.AiPlan, PlanPolicy]) -> dict[model.AiPlan, PlanPolicy]:
    policies = dict(value)
    missing = set(model.AiPlan) - set(policies)
    if missing:
        names = ", ".join(sorted(plan.value for plan in missing))
        raise errors.InvalidInput(f"no policy for plans: {names}", code="ai.bad_plan")
    return policies


@attrs.frozen
class PlanTable:
    """The policy of every plan; platform operators override limits and bursts per plan."""

    policies: dict[model.AiPlan, PlanPolicy] = attrs.field(converter=_complete)

    @classmethod
    def default(cls) -> PlanTable:
        """Every plan with its default limits and the default burst rules (20/min, 100/h)."""
        return cls({plan: PlanPolicy(quota=DEFAULT_LIMITS[plan]) for plan in model.AiPlan})

    def policy(self, plan: model.AiPlan) -> PlanPolicy:
        """The policy of ``plan``."""
        return self.policies[plan]

    def with_limits(self, plan: model.AiPlan, quota: quotas.QuotaLimits) -> PlanTable:
        """This table with ``plan``'s quota replaced."""
        changed = attrs.evolve(self.policies[plan], quota=quota)
        return PlanTable({**self.policies, plan: changed})

    def with_burst(self, plan: model.AiPlan, rules: Iterable[limits.RateRule]) -> PlanTable:
        """This table with ``plan``'s burst rules replaced."""
        changed = attrs.evolve(self.policies[plan], burst=tuple(rules))
        return PlanTable({**self.policies, plan: changed})


def effective_limits(
    table: PlanTable, plan: model.AiPlan, tenant: ai_settings.AiSettings
) -> quotas.QuotaLimits:
    """The tenant's quota: each of its overrides, where set, wins over the plan's limit."""
    base = table.policy(plan).quota
    return quotas.QuotaLimits(
        daily=base.daily if tenant.daily_limit is None else tenant.daily_limit,
        monthly=base.monthly if tenant.monthly_limit is None else tenant.monthly_limit,
    )


def usable_pin(tier: model.AiTier, pinned: model.ModelSpec | None) -> model.ModelSpec | None:
    """The pinned model if the tier may use one (HIGH, i.e. Enterprise), else None."""
    return pinned if tier is model.AiTier.HIGH else None


def model_allowed(
    catalog: model.ModelCatalog,
    tier: model.AiTier,
    model_name: str,
    pinned: model.ModelSpec | None = None,
) -> bool:
    """Whether ``tier`` may call ``model_name``.

    A tier may use the catalog models of its own and every lower tier. The HIGH tier may
    also use its tenant's pinned custom model, which need not be in the catalog.
    """
    pin = usable_pin(tier, pinned)
    if pin is not None and pin.name == model_name:
        return True
    spec = catalog.get(model_name)
    return spec is not None and spec.tier.rank <= tier.rank


def select_model(
    catalog: model.ModelCatalog, tier: model.AiTier, pinned: model.ModelSpec | None = None
) -> model.ModelSpec:
    """The model to call: the usable pin if any, else the tier's default from the catalog."""
    return usable_pin(tier, pinned) or catalog.default_for(tier)
