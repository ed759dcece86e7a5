"""A tenant's AI settings: its switch, threshold, phrases, fallback texts, pin and limits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import attrs

from b2core.ai import model
from b2core.shared import errors, ids

DEFAULT_CONFIDENCE_THRESHOLD = 85
MAX_PHRASES = 200
MAX_PHRASE_CHARS = 200
MAX_FALLBACK_CHARS = 1000


def _check_threshold(_: object, __: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise errors.InvalidInput(
            "confidence threshold must be an integer from 0 to 100", code="ai.bad_threshold"
        )


def _normalize_phrases(value: Iterable[str]) -> tuple[str, ...]:
    """Trim, drop blanks and case-insensitive duplicates, keep the first spelling and order."""
    if isinstance(value, str):
        raise errors.InvalidInput("phrases must be a list of strings", code="ai.bad_phrases")
    seen: set[str] = set()
    phrases: list[str] = []
    for raw in value:
        phrase = raw.strip()
        if phrase and phrase.casefold() not in seen:
            seen.add(phrase.casefold())
            phrases.append(phrase)
    return tuple(phrases)


def _check_phrases(_: object, __: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]) -> None:
    if len(value) > MAX_PHRASES or any(len(p) > MAX_PHRASE_CHARS for p in value):
        raise errors.InvalidInput(
            f"at most {MAX_PHRASES} phrases of at most {MAX_PHRASE_CHARS} characters",
            code="ai.bad_phrases",
        )


def _normalize_fallbacks(value: Mapping[model.BlockReason, str]) -> dict[model.BlockReason, str]:
    """Keep only non-blank overrides, trimmed; a blank one means 'use the default'."""
    return {
        model.BlockReason(reason): text.strip() for reason, text in value.items() if text.strip()
    }


def _check_fallbacks(
    _: object,
    __: attrs.Attribute[dict[model.BlockReason, str]],
    value: dict[model.BlockReason, str],
) -> None:
    if any(reason.silent for reason in value):
        raise errors.InvalidInput(
            "no fallback can be sent while WhatsApp is off or the tenant archived",
            code="ai.bad_fallbacks",
        )
    if any(len(text) > MAX_FALLBACK_CHARS for text in value.values()):
        raise errors.InvalidInput(
            f"fallback texts are at most {MAX_FALLBACK_CHARS} characters", code="ai.bad_fallbacks"
        )


def _check_limit(_: object, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.InvalidInput(
            f"{attribute.name} must be a non-negative integer or unset", code="ai.bad_limit"
        )


def _check_anchor_day(_: object, __: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None and not 1 <= value <= 31:
        raise errors.InvalidInput("billing anchor day must be 1 to 31", code="ai.bad_anchor")


@attrs.frozen
class AiSettings:
    """What one tenant has configured for its AI replies.

    ``daily_limit``/``monthly_limit`` override the plan's quota when set. ``pinned_model`` is a
    custom model only an ENTERPRISE tenant may pin: :meth:`pin_model` and :meth:`check_plan`
    enforce that; the policy also ignores a pin below the HIGH tier (after a downgrade).
    """

    tenant_id: ids.TenantId
    ai_enabled: bool = True
    whatsapp_enabled: bool = True  # the tenant's channel switch: off sends nothing at all
    # The plan billing applied (FREE until a subscription or payment says otherwise) and the
    # day of month its billing cycle renews on (None: calendar months).
    plan: model.AiPlan = model.AiPlan.FREE
    billing_anchor_day: int | None = attrs.field(default=None, validator=_check_anchor_day)
    confidence_threshold: int = attrs.field(
        default=DEFAULT_CONFIDENCE_THRESHOLD, validator=_check_threshold
    )
    prohibited_phrases: tuple[str, ...] = attrs.field(
        default=(), converter=_normalize_phrases, validator=_check_phrases
    )
    fallbacks: dict[model.BlockReason, str] = attrs.field(
        factory=dict, converter=_normalize_fallbacks, validator=_check_fallbacks
    )
    pinned_model: model.ModelSpec | None = None
    daily_limit: int | None = attrs.field(default=None, validator=_check_limit)
    monthly_limit: int | None = attrs.field(default=None, validator=_check_limit)
    updated_at: datetime | None = None

    def switch_ai(self, enabled: bool, at: datetime) -> AiSettings:
        """Turn the tenant's AI replies on or off (the tenant kill switch)."""
        return attrs.evolve(self, ai_enabled=enabled, updated_at=at)

    def pin_model(self, spec: model.ModelSpec, plan: model.AiPlan, at: datetime) -> AiSettings:
        """Pin a custom model for every AI reply of this tenant.

        Raises:
            errors.InvalidInput: ``ai.pin_requires_enterprise`` unless the plan is ENTERPRISE.
        """
        pinned = attrs.evolve(self, pinned_model=spec, updated_at=at)
        pinned.check_plan(plan)
        return pinned

    def unpin_model(self, at: datetime) -> AiSettings:
        """Go back to the tier's default model."""
        return attrs.evolve(self, pinned_model=None, updated_at=at)

    def check_plan(self, plan: model.AiPlan) -> None:
        """Refuse settings the plan does not permit (a pinned model below ENTERPRISE)."""
        if self.pinned_model is not None and plan is not model.AiPlan.ENTERPRISE:
            raise errors.InvalidInput(
                "only an Enterprise tenant can pin a custom model",
                code="ai.pin_requires_enterprise",
            )
