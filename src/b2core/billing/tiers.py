"""The AI plan and tier names billing hands to the AI context, as plain strings.

Billing may not import ``b2core.ai`` (contexts talk only through the shared kernel), so the
names of ``ai.model.AiPlan`` and ``ai.model.AiTier`` are repeated here as strings and the
mapping of ``ai.plans.PLAN_TIERS`` with them. The edge converts them back with
``AiPlan(name)`` / ``AiTier(name)``; a test of the edge should compare both tables.
The limits of the FREE plan are the AI context's own defaults: billing never states them.
"""

from __future__ import annotations

from collections.abc import Mapping

from b2core.shared import errors

FREE = "FREE"

#: Commercial AI plans, in ascending order.
AI_PLANS: tuple[str, ...] = ("FREE", "PAID_BASIC", "PAID_PRO", "ENTERPRISE")

#: AI tiers, in ascending order: FREE < LOW < MEDIUM < HIGH.
AI_TIERS: tuple[str, ...] = ("FREE", "LOW", "MEDIUM", "HIGH")

PLAN_TIERS: Mapping[str, str] = {
    "FREE": "FREE",
    "PAID_BASIC": "LOW",
    "PAID_PRO": "MEDIUM",
    "ENTERPRISE": "HIGH",
}


def check_ai_plan(name: str) -> str:
    """Return ``name`` when it is one of :data:`AI_PLANS`, else raise ``plan.bad_ai_plan``."""
    if not isinstance(name, str) or name not in AI_PLANS:
        raise errors.InvalidInput(
            f"AI plan must be one of {', '.join(AI_PLANS)}", code="plan.bad_ai_plan"
        )
    return name


def tier_for(ai_plan: str) -> str:
    """The tier an AI plan buys: FREE->FREE, PAID_BASIC->LOW, PAID_PRO->MEDIUM, ENTERPRISE->HIGH."""
    return PLAN_TIERS[check_ai_plan(ai_plan)]
