"""Fallback texts per block reason, with tenant overrides."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2core.ai import fallbacks, model

SPEAKING = [reason for reason in model.BlockReason if not reason.silent]
SILENT = [reason for reason in model.BlockReason if reason.silent]


def test_every_reason_that_may_speak_has_a_default_text() -> None:
    assert set(fallbacks.DEFAULT_FALLBACKS) == set(SPEAKING)
    assert all(text.strip() for text in fallbacks.DEFAULT_FALLBACKS.values())
    assert set(SILENT) == {
        model.BlockReason.GLOBAL_WHATSAPP_OFF,
        model.BlockReason.TENANT_WHATSAPP_OFF,
        model.BlockReason.TENANT_ARCHIVED,
    }


@pytest.mark.parametrize("text", fallbacks.DEFAULT_FALLBACKS.values())
def test_default_texts_reveal_nothing_about_plans_or_limits(text: str) -> None:
    lowered = text.lower()
    assert not any(word in lowered for word in ("limit", "quota", "plan", "model", "ai "))


@given(st.sampled_from(SPEAKING), st.text(min_size=1).filter(str.strip))
def test_a_tenant_override_wins(reason: model.BlockReason, text: str) -> None:
    assert fallbacks.fallback_text(reason, {reason: text}) == text.strip()


@given(st.sampled_from(SPEAKING), st.sampled_from(["", " ", "\n\t "]))
def test_a_blank_override_is_ignored(reason: model.BlockReason, blank: str) -> None:
    assert fallbacks.fallback_text(reason, {reason: blank}) == fallbacks.DEFAULT_FALLBACKS[reason]


def test_an_override_for_another_reason_does_not_leak() -> None:
    overrides = {model.BlockReason.GUARDRAIL: "Custom"}

    text = fallbacks.fallback_text(model.BlockReason.LOW_CONFIDENCE, overrides)

    assert text == fallbacks.DEFAULT_FALLBACKS[model.BlockReason.LOW_CONFIDENCE]


@pytest.mark.parametrize("reason", SILENT)
def test_silent_reasons_send_nothing(reason: model.BlockReason) -> None:
    assert fallbacks.fallback_text(reason, {reason: "anything"}) is None
