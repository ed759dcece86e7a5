"""Plans, tiers, limits, the model catalog, the allowlist and cost estimates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.ai import limits, model, plans, quotas
from b2core.ai import settings as ai_settings
from b2core.shared import errors, ids
from tests.core.ai import strategies

Tier = model.AiTier
CHEAP = model.ModelSpec("cheap", Tier.FREE, 100, 200)
MID = model.ModelSpec("mid", Tier.MEDIUM, 2_500, 10_000)
TOP = model.ModelSpec("top", Tier.HIGH, 15_000, 60_000)
CATALOG = model.ModelCatalog(models=(CHEAP, MID, TOP))
CUSTOM = model.ModelSpec("acme-finetune", Tier.HIGH, 1, 1)


def test_plan_tier_mapping_and_default_limits() -> None:
    assert [plans.tier_for(plan) for plan in model.AiPlan] == list(model.AiTier)
    table = plans.PlanTable.default()
    assert [
        (table.policy(plan).quota.daily, table.policy(plan).quota.monthly) for plan in model.AiPlan
    ] == [(50, 1000), (200, 5000), (500, 15000), (2000, 50000)]
    assert all(table.policy(plan).burst == limits.DEFAULT_BURST for plan in model.AiPlan)


def test_plan_limits_and_bursts_can_be_overridden_per_plan() -> None:
    burst = [limits.RateRule("tenant-minute", 5, timedelta(minutes=1))]

    table = (
        plans.PlanTable.default()
        .with_limits(model.AiPlan.FREE, quotas.QuotaLimits(daily=10, monthly=100))
        .with_burst(model.AiPlan.PAID_PRO, burst)
    )

    assert table.policy(model.AiPlan.FREE).quota == quotas.QuotaLimits(10, 100)
    assert table.policy(model.AiPlan.PAID_PRO).burst == tuple(burst)
    assert table.policy(model.AiPlan.PAID_BASIC) == plans.PlanTable.default().policy(
        model.AiPlan.PAID_BASIC
    )


def test_a_plan_table_must_cover_every_plan_with_unique_rule_names() -> None:
    with pytest.raises(errors.InvalidInput, match="PAID_PRO"):
        plans.PlanTable(
            {
                plan: plans.PlanPolicy(quota=quotas.QuotaLimits(1, 1))
                for plan in model.AiPlan
                if plan is not model.AiPlan.PAID_PRO
            }
        )
    with pytest.raises(errors.InvalidInput):
        plans.PlanPolicy(quotas.QuotaLimits(1, 1), burst=[limits.PER_CUSTOMER] * 2)


@given(
    st.none() | st.integers(min_value=0, max_value=10**6),
    st.none() | st.integers(min_value=0, max_value=10**6),
    strategies.plans,
)
def test_tenant_overrides_win_over_plan_limits(
    daily: int | None, monthly: int | None, plan: model.AiPlan
) -> None:
    table = plans.PlanTable.default()
    tenant = ai_settings.AiSettings(ids.TenantId("t"), daily_limit=daily, monthly_limit=monthly)

    effective = plans.effective_limits(table, plan, tenant)

    base = table.policy(plan).quota
    assert effective.daily == (base.daily if daily is None else daily)
    assert effective.monthly == (base.monthly if monthly is None else monthly)


# --- the allowlist -------------------------------------------------------------------------


@given(strategies.catalogs(), strategies.tiers, strategies.tiers, strategies.model_names)
def test_allowlist_is_monotonic_in_tier(
    catalog: model.ModelCatalog, low: model.AiTier, high: model.AiTier, name: str
) -> None:
    low, high = sorted((low, high), key=lambda tier: tier.rank)

    if plans.model_allowed(catalog, low, name, CUSTOM):
        assert plans.model_allowed(catalog, high, name, CUSTOM)


@given(strategies.catalogs(), strategies.tiers, strategies.model_names)
def test_a_tier_may_use_its_own_and_lower_tiers_models_only(
    catalog: model.ModelCatalog, tier: model.AiTier, name: str
) -> None:
    spec = catalog.get(name)

    expected = spec is not None and spec.tier.rank <= tier.rank
    assert plans.model_allowed(catalog, tier, name) is expected


@pytest.mark.parametrize("tier", list(Tier))
def test_only_the_high_tier_may_use_a_pinned_custom_model(tier: model.AiTier) -> None:
    assert plans.model_allowed(CATALOG, tier, CUSTOM.name, CUSTOM) is (tier is Tier.HIGH)
    expected = CUSTOM if tier is Tier.HIGH else CATALOG.default_for(tier)
    assert plans.select_model(CATALOG, tier, CUSTOM) == expected


def test_unknown_models_are_not_allowed() -> None:
    assert not plans.model_allowed(CATALOG, Tier.HIGH, "gpt-unknown")


# --- the catalog ---------------------------------------------------------------------------


def test_default_model_per_tier_is_configurable() -> None:
    catalog = model.ModelCatalog(models=(CHEAP, MID, TOP), default_by_tier={Tier.HIGH: "mid"})

    assert catalog.default_for(Tier.HIGH) == MID
    # Unconfigured tiers take their best allowed model.
    assert catalog.default_for(Tier.MEDIUM) == MID
    assert catalog.default_for(Tier.LOW) == CHEAP


@pytest.mark.parametrize(
    "build",
    [
        lambda: model.ModelCatalog(models=()),
        lambda: model.ModelCatalog(models=(CHEAP, CHEAP)),
        lambda: model.ModelCatalog(models=(CHEAP,), default_by_tier={Tier.LOW: "nope"}),
        lambda: model.ModelCatalog(models=(CHEAP, TOP), default_by_tier={Tier.LOW: "top"}),
    ],
)
def test_bad_catalogs_are_refused(build: object) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        build()  # type: ignore[operator]
    assert caught.value.code == "ai.bad_catalog"


def test_a_tier_without_any_model_is_not_configured() -> None:
    with pytest.raises(errors.NotConfigured) as caught:
        model.ModelCatalog(models=(TOP,)).default_for(Tier.LOW)
    assert caught.value.code == "ai.no_model_for_tier"


def test_the_default_catalog_is_the_free_offline_responder() -> None:
    catalog = model.default_catalog()

    assert all(catalog.default_for(tier) == model.OFFLINE_MODEL for tier in Tier)
    assert model.OFFLINE_MODEL.cost_micro(10_000, 10_000) == 0


# --- cost estimates ------------------------------------------------------------------------

tokens = st.integers(min_value=0, max_value=10**7)


@given(strategies.model_specs(), tokens, tokens, tokens, tokens)
def test_cost_is_monotonic_in_tokens(
    spec: model.ModelSpec, in_a: int, out_a: int, in_b: int, out_b: int
) -> None:
    low = spec.cost_micro(min(in_a, in_b), min(out_a, out_b))

    assert low <= spec.cost_micro(max(in_a, in_b), max(out_a, out_b))


@given(strategies.model_specs(), st.integers(0, 10**4), st.integers(0, 10**4))
def test_cost_is_exact_for_whole_thousands(
    spec: model.ModelSpec, thousands_in: int, thousands_out: int
) -> None:
    cost = spec.cost_micro(thousands_in * 1000, thousands_out * 1000)

    assert cost == (
        thousands_in * spec.input_price_micro_per_1k
        + thousands_out * spec.output_price_micro_per_1k
    )


@given(strategies.model_specs(), tokens, tokens)
def test_cost_rounds_up_to_the_next_micro_unit(
    spec: model.ModelSpec, input_tokens: int, output_tokens: int
) -> None:
    exact_times_1000 = (
        input_tokens * spec.input_price_micro_per_1k
        + output_tokens * spec.output_price_micro_per_1k
    )

    cost = spec.cost_micro(input_tokens, output_tokens)

    assert isinstance(cost, int)
    assert (cost - 1) * 1000 < exact_times_1000 <= cost * 1000


def test_cost_example_and_bad_token_counts() -> None:
    # 1,500 input tokens at 2,500 micro/1K = 3,750; 1 output token at 10,000/1K = 10.
    assert MID.cost_micro(1_500, 1) == 3_760
    assert CHEAP.cost_micro(1, 0) == 1  # 0.1 micro-units round up to 1
    with pytest.raises(errors.InvalidInput):
        MID.cost_micro(-1, 0)
