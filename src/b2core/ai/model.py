"""AI governance vocabulary: plans, tiers, block reasons, the model catalog and usage records."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import NewType

import attrs

from b2core.shared import errors, ids, time

UsageRecordId = NewType("UsageRecordId", str)

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_MAX_MODEL_NAME = 200
TOKENS_PER_PRICE_UNIT = 1000  # catalog prices are quoted per 1K tokens


class AiPlan(enum.StrEnum):
    """The commercial AI plan of a tenant; each maps to exactly one tier."""

    FREE = "FREE"
    PAID_BASIC = "PAID_BASIC"
    PAID_PRO = "PAID_PRO"
    ENTERPRISE = "ENTERPRISE"


class AiTier(enum.StrEnum):
    """Which models a tenant may use. Ordered: FREE < LOW < MEDIUM < HIGH."""

    FREE = "FREE"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"

    @property
    def rank(self) -> int:
        """Position in the tier order; a higher rank may use every lower rank's models."""
        return _TIER_ORDER.index(self)


_TIER_ORDER = (AiTier.FREE, AiTier.LOW, AiTier.MEDIUM, AiTier.HIGH)


class BlockReason(enum.StrEnum):
    """Why the AI did not answer; each reason has a fallback text (or sends nothing)."""

    GLOBAL_AI_OFF = "GLOBAL_AI_OFF"
    GLOBAL_WHATSAPP_OFF = "GLOBAL_WHATSAPP_OFF"
    TENANT_AI_OFF = "TENANT_AI_OFF"
    TENANT_WHATSAPP_OFF = "TENANT_WHATSAPP_OFF"
    TENANT_SUSPENDED = "TENANT_SUSPENDED"
    TENANT_ARCHIVED = "TENANT_ARCHIVED"
    MODEL_NOT_ALLOWED = "MODEL_NOT_ALLOWED"
    RATE_LIMITED = "RATE_LIMITED"
    DAILY_LIMIT = "DAILY_LIMIT"
    MONTHLY_LIMIT = "MONTHLY_LIMIT"
    LLM_FAILURE = "LLM_FAILURE"
    GUARDRAIL = "GUARDRAIL"
    LOW_CONFIDENCE = "LOW_CONFIDENCE"

    @property
    def silent(self) -> bool:
        """True when nothing at all may be sent to the customer, not even a fallback."""
        return self in _SILENT

    @property
    def code(self) -> str:
        """The stable ``<area>.<reason>`` error code for this reason."""
        return _CODES.get(self, f"ai.{self.value.lower()}")


# WhatsApp switched off means no outbound message at all; an archived tenant is gone.
_SILENT = frozenset(
    {BlockReason.GLOBAL_WHATSAPP_OFF, BlockReason.TENANT_WHATSAPP_OFF, BlockReason.TENANT_ARCHIVED}
)
_CODES = {
    BlockReason.DAILY_LIMIT: "quota.daily_exceeded",
    BlockReason.MONTHLY_LIMIT: "quota.monthly_exceeded",
    BlockReason.RATE_LIMITED: "limit.rate_exceeded",
}


def _non_negative_int(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.InvalidInput(
            f"{attribute.name} must be a non-negative integer", code="ai.bad_number"
        )


def _model_name(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not value or value != value.strip() or len(value) > _MAX_MODEL_NAME:
        raise errors.InvalidInput(
            f"model name must be 1 to {_MAX_MODEL_NAME} characters without edge spaces",
            code="ai.bad_model_name",
        )


def _currency(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not _CURRENCY.match(value):
        raise errors.InvalidInput(
            f"currency must be a 3-letter ISO 4217 code, got {value!r}", code="ai.bad_currency"
        )


@attrs.frozen
class ModelSpec:
    """One LLM the platform offers: its tier and its prices per 1K tokens.

    Prices are integer micro-units (millionths of one unit of ``currency``): 150 means
    0.000150 USD per 1K tokens. Floats never appear.
    """

    name: str = attrs.field(validator=_model_name)
    tier: AiTier
    input_price_micro_per_1k: int = attrs.field(default=0, validator=_non_negative_int)
    output_price_micro_per_1k: int = attrs.field(default=0, validator=_non_negative_int)
    currency: str = attrs.field(default="USD", validator=_currency)

    def cost_micro(self, input_tokens: int, output_tokens: int) -> int:
        """Estimated cost of one call in micro-units, rounded UP to a whole micro-unit.

        ``ceil((input_tokens * input_price + output_tokens * output_price) / 1000)``: the sum is
        taken before the single division, so multiples of 1K tokens cost exactly the list
        price and an estimate never understates the spend.
        """
        for count in (input_tokens, output_tokens):
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise errors.InvalidInput(
                    "token counts must be non-negative integers", code="ai.bad_tokens"
                )
        numerator = (
            input_tokens * self.input_price_micro_per_1k
            + output_tokens * self.output_price_micro_per_1k
        )
        return -(-numerator // TOKENS_PER_PRICE_UNIT)


def _to_specs(value: Iterable[ModelSpec]) -> tuple[ModelSpec, ...]:
    return tuple(value)


def _to_defaults(value: Mapping[AiTier, str]) -> dict[AiTier, str]:
    return dict(value)


@attrs.frozen
class ModelCatalog:
    """The models on offer and the default model of each tier (configurable)."""

    models: tuple[ModelSpec, ...] = attrs.field(converter=_to_specs)
    default_by_tier: Mapping[AiTier, str] = attrs.field(factory=dict, converter=_to_defaults)

    def __attrs_post_init__(self) -> None:
        names = [spec.name for spec in self.models]
        if not names or len(set(names)) != len(names):
            raise errors.InvalidInput(
                "the catalog needs at least one model and unique names", code="ai.bad_catalog"
            )
        for tier, name in self.default_by_tier.items():
            spec = self.get(name)
            if spec is None or spec.tier.rank > tier.rank:
                raise errors.InvalidInput(
                    f"default model {name!r} of tier {tier.value} is unknown or above the tier",
                    code="ai.bad_catalog",
                )

    def get(self, name: str) -> ModelSpec | None:
        """The model with this exact name, or None."""
        return next((spec for spec in self.models if spec.name == name), None)

    def default_for(self, tier: AiTier) -> ModelSpec:
        """The configured default of ``tier``; else its best allowed model (catalog order).

        Raises:
            errors.NotConfigured: ``ai.no_model_for_tier`` when no model is allowed for the tier.
        """
        configured = self.default_by_tier.get(tier)
        if configured is not None:
            spec = self.get(configured)
            assert spec is not None  # checked in __attrs_post_init__
            return spec
        allowed = [spec for spec in self.models if spec.tier.rank <= tier.rank]
        if not allowed:
            raise errors.NotConfigured(
                f"no model is available to tier {tier.value}", code="ai.no_model_for_tier"
            )
        return max(allowed, key=lambda spec: spec.tier.rank)


OFFLINE_MODEL = ModelSpec(name="catalog-responder", tier=AiTier.FREE)


def default_catalog() -> ModelCatalog:
    """The catalog of a deployment with no LLM configured: the free offline responder."""
    return ModelCatalog(models=(OFFLINE_MODEL,))


@attrs.frozen
class UsageRecord:
    """One AI call or refusal, as written to the usage log.

    ``blocked`` is True exactly when ``reason`` is set. A refusal before the LLM has zero tokens
    and zero cost; a call refused afterwards (low confidence, guardrail) keeps its tokens.
    """

    id: UsageRecordId
    tenant_id: ids.TenantId
    at: datetime = attrs.field(converter=time.ensure_utc)
    model: str
    tier: AiTier
    input_tokens: int = attrs.field(validator=_non_negative_int)
    output_tokens: int = attrs.field(validator=_non_negative_int)
    cost_micro: int = attrs.field(validator=_non_negative_int)
    currency: str = attrs.field(validator=_currency)
    latency_ms: int = attrs.field(validator=_non_negative_int)
    reason: BlockReason | None = None
    conversation_id: ids.ConversationId | None = None

    @property
    def blocked(self) -> bool:
        """Whether the customer got a fallback (or nothing) instead of the AI's reply."""
        return self.reason is not None

    @classmethod
    def for_call(
        cls,
        record_id: UsageRecordId,
        tenant_id: ids.TenantId,
        at: datetime,
        spec: ModelSpec,
        tier: AiTier,
        *,
        input_tokens: int = 0,
        output_tokens: int = 0,
        latency_ms: int = 0,
        reason: BlockReason | None = None,
        conversation_id: ids.ConversationId | None = None,
    ) -> UsageRecord:
        """A record whose cost is estimated from ``spec``'s catalog prices."""
        return cls(
            id=record_id,
            tenant_id=tenant_id,
            at=at,
            model=spec.name,
            tier=tier,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_micro=spec.cost_micro(input_tokens, output_tokens),
            currency=spec.currency,
            latency_ms=latency_ms,
            reason=reason,
            conversation_id=conversation_id,
        )
