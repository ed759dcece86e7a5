"""Tiers, block reasons, model specs and usage records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from b2core.ai import model
from b2core.shared import errors, ids

SPEC = model.ModelSpec("mid", model.AiTier.MEDIUM, 2_500, 10_000, "USD")
NOW = datetime(2026, 11, 25, 9, tzinfo=UTC)


def test_tiers_are_ordered() -> None:
    assert [tier.rank for tier in model.AiTier] == [0, 1, 2, 3]
    assert model.AiTier.HIGH.rank > model.AiTier.FREE.rank


def test_block_reasons_have_stable_codes() -> None:
    assert model.BlockReason.DAILY_LIMIT.code == "quota.daily_exceeded"
    assert model.BlockReason.MONTHLY_LIMIT.code == "quota.monthly_exceeded"
    assert model.BlockReason.RATE_LIMITED.code == "limit.rate_exceeded"
    assert model.BlockReason.GLOBAL_AI_OFF.code == "ai.global_ai_off"
    assert len({reason.code for reason in model.BlockReason}) == len(model.BlockReason)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"name": " padded"}, "ai.bad_model_name"),
        ({"name": ""}, "ai.bad_model_name"),
        ({"input_price_micro_per_1k": -1}, "ai.bad_number"),
        ({"output_price_micro_per_1k": 0.5}, "ai.bad_number"),
        ({"currency": "usd"}, "ai.bad_currency"),
    ],
)
def test_model_specs_are_validated(kwargs: dict[str, object], code: str) -> None:
    fields: dict[str, object] = {"name": "m", "tier": model.AiTier.LOW, **kwargs}
    with pytest.raises(errors.InvalidInput) as caught:
        model.ModelSpec(**fields)  # type: ignore[arg-type]
    assert caught.value.code == code


def test_a_usage_record_estimates_its_cost_from_the_catalog_price() -> None:
    record = model.UsageRecord.for_call(
        model.UsageRecordId("u1"),
        ids.TenantId("t1"),
        NOW,
        SPEC,
        model.AiTier.HIGH,
        input_tokens=2_000,
        output_tokens=500,
        latency_ms=850,
    )

    assert record.cost_micro == 2 * 2_500 + 5_000
    assert (record.model, record.currency, record.blocked, record.reason) == (
        "mid",
        "USD",
        False,
        None,
    )


def test_a_blocked_record_carries_its_reason() -> None:
    record = model.UsageRecord.for_call(
        model.UsageRecordId("u2"),
        ids.TenantId("t1"),
        NOW,
        SPEC,
        model.AiTier.MEDIUM,
        reason=model.BlockReason.DAILY_LIMIT,
    )

    assert record.blocked
    assert (record.input_tokens, record.output_tokens, record.cost_micro) == (0, 0, 0)


def test_usage_records_refuse_naive_times_and_negative_numbers() -> None:
    with pytest.raises(ValueError, match="naive"):
        model.UsageRecord.for_call(
            model.UsageRecordId("u3"), ids.TenantId("t1"), datetime(2026, 1, 1), SPEC, SPEC.tier
        )
    with pytest.raises(errors.InvalidInput):
        model.UsageRecord.for_call(
            model.UsageRecordId("u4"), ids.TenantId("t1"), NOW, SPEC, SPEC.tier, latency_ms=-5
        )
