"""The governance decision, its precedence, and the confidence threshold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.ai import limits, model, plans, policy, quotas
from b2core.ai import settings as ai_settings
from b2core.shared import ids
from b2core.tenants import model as tenants
from tests.core.ai import strategies

R = model.BlockReason
CATALOG = model.ModelCatalog(
    models=(
        model.ModelSpec("model-0", model.AiTier.FREE),
        model.ModelSpec("model-1", model.AiTier.LOW),
        model.ModelSpec("model-2", model.AiTier.MEDIUM),
        model.ModelSpec("model-3", model.AiTier.HIGH),
    )
)
CUSTOM = model.ModelSpec("model-7", model.AiTier.HIGH)
RESERVATION = quotas.Reservation(
    "r1", ids.TenantId("t1"), quotas.QuotaWindows.at(datetime(2026, 11, 25, tzinfo=UTC))
)
ALL_CLEAR = policy.GovernanceSnapshot(
    switches=policy.KillSwitches(),
    tenant_status=tenants.TenantStatus.ACTIVE,
    tier=model.AiTier.LOW,
    requested_model="model-1",
    quota=RESERVATION,
)

mostly_true = st.sampled_from([True, True, True, False])
verdicts = st.builds(
    limits.RateVerdict,
    rule=st.sampled_from(["tenant-minute", "tenant-hour", "customer"]),
    allowed=mostly_true,
    retry_after=st.just(timedelta(seconds=1)),
)
snapshots = st.builds(
    policy.GovernanceSnapshot,
    switches=st.builds(policy.KillSwitches, mostly_true, mostly_true, mostly_true, mostly_true),
    tenant_status=st.sampled_from(list(tenants.TenantStatus)),
    tier=strategies.tiers,
    requested_model=strategies.model_names,
    pinned_model=st.none() | st.just(CUSTOM),
    burst=st.lists(verdicts, max_size=3),
    quota=st.sampled_from([RESERVATION, RESERVATION, R.DAILY_LIMIT, R.MONTHLY_LIMIT]),
)


def _failing(snapshot: policy.GovernanceSnapshot) -> set[model.BlockReason]:
    """Every reason that applies, each judged on its own."""
    switches = snapshot.switches
    checks = {
        R.GLOBAL_AI_OFF: not switches.global_ai,
        R.GLOBAL_WHATSAPP_OFF: not switches.global_whatsapp,
        R.TENANT_AI_OFF: not switches.tenant_ai,
        R.TENANT_WHATSAPP_OFF: not switches.tenant_whatsapp,
        R.TENANT_SUSPENDED: snapshot.tenant_status is tenants.TenantStatus.SUSPENDED,
        R.TENANT_ARCHIVED: snapshot.tenant_status is tenants.TenantStatus.ARCHIVED,
        R.MODEL_NOT_ALLOWED: not plans.model_allowed(
            CATALOG, snapshot.tier, snapshot.requested_model, snapshot.pinned_model
        ),
        R.RATE_LIMITED: any(not v.allowed for v in snapshot.burst),
        R.DAILY_LIMIT: snapshot.quota is R.DAILY_LIMIT,
        R.MONTHLY_LIMIT: snapshot.quota is R.MONTHLY_LIMIT,
    }
    return {reason for reason, failed in checks.items() if failed}


@given(snapshots)
def test_the_first_failing_check_in_precedence_order_wins(
    snapshot: policy.GovernanceSnapshot,
) -> None:
    failing = _failing(snapshot)

    decision = policy.decide(snapshot, CATALOG)

    if failing:
        assert decision == policy.Decision.block(min(failing, key=policy.PRECEDENCE.index))
    else:
        assert decision == policy.Decision.allow()


@given(snapshots)
def test_global_ai_off_always_blocks_with_global_ai_off(
    snapshot: policy.GovernanceSnapshot,
) -> None:
    switched_off = attrs.evolve(snapshot, switches=attrs.evolve(snapshot.switches, global_ai=False))

    assert policy.decide(switched_off, CATALOG) == policy.Decision.block(R.GLOBAL_AI_OFF)


def test_precedence_is_switches_then_status_then_model_then_rates_then_quota() -> None:
    assert policy.PRECEDENCE == (
        R.GLOBAL_AI_OFF,
        R.GLOBAL_WHATSAPP_OFF,
        R.TENANT_AI_OFF,
        R.TENANT_WHATSAPP_OFF,
        R.TENANT_SUSPENDED,
        R.TENANT_ARCHIVED,
        R.MODEL_NOT_ALLOWED,
        R.RATE_LIMITED,
        R.MONTHLY_LIMIT,
        R.DAILY_LIMIT,
    )


@given(snapshots)
def test_precheck_ignores_the_quota_and_decide_needs_it(
    snapshot: policy.GovernanceSnapshot,
) -> None:
    pending = attrs.evolve(snapshot, quota=None)
    earlier = _failing(pending)

    reason = policy.precheck(pending, CATALOG)

    if earlier:
        assert reason == min(earlier, key=policy.PRECEDENCE.index)
        assert policy.decide(pending, CATALOG) == policy.Decision.block(reason)
    else:
        assert reason is None
        with pytest.raises(ValueError, match="reserved"):
            policy.decide(pending, CATALOG)


@given(snapshots)
def test_a_reservation_is_refunded_exactly_when_the_message_is_blocked(
    snapshot: policy.GovernanceSnapshot,
) -> None:
    decision = policy.decide(snapshot, CATALOG)

    to_refund = policy.reservation_to_refund(decision, snapshot)

    if snapshot.quota is RESERVATION and not decision.allowed:
        assert to_refund is RESERVATION
    else:
        assert to_refund is None


def test_an_all_clear_snapshot_is_allowed() -> None:
    assert policy.decide(ALL_CLEAR, CATALOG) == policy.Decision.allow()


def test_a_pinned_model_is_allowed_only_for_the_high_tier() -> None:
    pinned = attrs.evolve(ALL_CLEAR, requested_model=CUSTOM.name, pinned_model=CUSTOM)

    assert policy.decide(pinned, CATALOG) == policy.Decision.block(R.MODEL_NOT_ALLOWED)
    high = attrs.evolve(pinned, tier=model.AiTier.HIGH)
    assert policy.decide(high, CATALOG) == policy.Decision.allow()


def test_only_quota_reasons_can_be_a_quota_result() -> None:
    with pytest.raises(ValueError, match="quota"):
        attrs.evolve(ALL_CLEAR, quota=R.RATE_LIMITED)


def test_a_decision_is_allowed_xor_has_a_reason() -> None:
    with pytest.raises(ValueError, match="reason"):
        policy.Decision(allowed=True, reason=R.GUARDRAIL)
    with pytest.raises(ValueError, match="reason"):
        policy.Decision(allowed=False, reason=None)


def test_channel_block_names_the_whatsapp_switch_that_is_off() -> None:
    assert policy.KillSwitches(global_ai=False).channel_block() is None
    assert policy.KillSwitches(tenant_whatsapp=False).channel_block() is R.TENANT_WHATSAPP_OFF
    both = policy.KillSwitches(global_whatsapp=False, tenant_whatsapp=False)
    assert both.channel_block() is R.GLOBAL_WHATSAPP_OFF


# --- confidence ----------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=100))
def test_confidence_passes_exactly_at_or_above_the_threshold(
    confidence: int, threshold: int
) -> None:
    decision = policy.confidence_decision(confidence, threshold)

    if confidence >= threshold:
        assert decision == policy.Decision.allow()
    else:
        assert decision == policy.Decision.block(R.LOW_CONFIDENCE)


@pytest.mark.parametrize("confidence", [None, -1, 101, True, 90.0])
def test_missing_or_invalid_confidence_goes_to_a_human(confidence: int | None) -> None:
    assert not policy.meets_confidence(confidence, 0)


def test_default_threshold_is_85() -> None:
    threshold = ai_settings.AiSettings(ids.TenantId("t")).confidence_threshold

    assert threshold == 85
    assert not policy.meets_confidence(84, threshold)
    assert policy.meets_confidence(85, threshold)
