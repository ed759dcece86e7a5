"""A tenant's AI settings and their validation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from b2core.ai import model
from b2core.ai import settings as ai_settings
from b2core.shared import errors, ids

TENANT = ids.TenantId("t1")
NOW = datetime(2026, 11, 25, tzinfo=UTC)
CUSTOM = model.ModelSpec("acme-finetune", model.AiTier.HIGH, 3_000, 9_000)


def test_defaults() -> None:
    settings = ai_settings.AiSettings(TENANT)

    assert settings.ai_enabled
    assert settings.confidence_threshold == 85
    assert settings.prohibited_phrases == ()
    assert settings.fallbacks == {}
    assert (settings.pinned_model, settings.daily_limit, settings.monthly_limit) == (None,) * 3


@pytest.mark.parametrize("threshold", [-1, 101, True, 85.5])
def test_threshold_is_an_integer_from_0_to_100(threshold: int) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        ai_settings.AiSettings(TENANT, confidence_threshold=threshold)
    assert caught.value.code == "ai.bad_threshold"


def test_phrases_are_trimmed_and_deduplicated_case_insensitively() -> None:
    settings = ai_settings.AiSettings(
        TENANT, prohibited_phrases=[" Free money ", "", "free MONEY", "  ", "refund now"]
    )

    assert settings.prohibited_phrases == ("Free money", "refund now")


@pytest.mark.parametrize(
    "phrases", [["x" * 201], [f"p{i}" for i in range(201)], "a bare string is not a list"]
)
def test_phrase_limits(phrases: list[str]) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        ai_settings.AiSettings(TENANT, prohibited_phrases=phrases)
    assert caught.value.code == "ai.bad_phrases"


def test_blank_fallback_overrides_are_dropped_and_others_trimmed() -> None:
    settings = ai_settings.AiSettings(
        TENANT,
        fallbacks={model.BlockReason.GUARDRAIL: "  ", model.BlockReason.LLM_FAILURE: " Oops "},
    )

    assert settings.fallbacks == {model.BlockReason.LLM_FAILURE: "Oops"}


@pytest.mark.parametrize(
    "overrides",
    [
        {model.BlockReason.TENANT_WHATSAPP_OFF: "cannot be sent"},
        {model.BlockReason.GUARDRAIL: "x" * 1001},
    ],
)
def test_bad_fallback_overrides_are_refused(overrides: dict[model.BlockReason, str]) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        ai_settings.AiSettings(TENANT, fallbacks=overrides)
    assert caught.value.code == "ai.bad_fallbacks"


@pytest.mark.parametrize(
    "plan", [model.AiPlan.FREE, model.AiPlan.PAID_BASIC, model.AiPlan.PAID_PRO]
)
def test_only_enterprise_may_pin_a_model(plan: model.AiPlan) -> None:
    settings = ai_settings.AiSettings(TENANT)

    with pytest.raises(errors.InvalidInput) as caught:
        settings.pin_model(CUSTOM, plan, NOW)

    assert caught.value.code == "ai.pin_requires_enterprise"


def test_an_enterprise_pin_and_a_later_downgrade() -> None:
    pinned = ai_settings.AiSettings(TENANT).pin_model(CUSTOM, model.AiPlan.ENTERPRISE, NOW)

    assert (pinned.pinned_model, pinned.updated_at) == (CUSTOM, NOW)
    pinned.check_plan(model.AiPlan.ENTERPRISE)
    with pytest.raises(errors.InvalidInput):
        pinned.check_plan(model.AiPlan.PAID_PRO)
    assert pinned.unpin_model(NOW).pinned_model is None


def test_the_tenant_switch() -> None:
    off = ai_settings.AiSettings(TENANT).switch_ai(False, NOW)

    assert (off.ai_enabled, off.updated_at) == (False, NOW)
    assert off.switch_ai(True, NOW).ai_enabled


@pytest.mark.parametrize("field", ["daily_limit", "monthly_limit"])
@pytest.mark.parametrize("bad", [-1, True, 2.5])
def test_limit_overrides_are_non_negative_integers(field: str, bad: int) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        ai_settings.AiSettings(TENANT, **{field: bad})  # type: ignore[arg-type]
    assert caught.value.code == "ai.bad_limit"
