"""The deployment's pipeline settings: models, plans, history, guardrails, customer limit."""

from __future__ import annotations

import attrs

from b2core.ai import guardrails, history, limits, plans
from b2core.ai import model as ai_model


@attrs.frozen
class PipelineConfig:
    """Chosen once by the composition root; defaults fit the embedded offline responder."""

    catalog: ai_model.ModelCatalog = attrs.field(factory=ai_model.default_catalog)
    plans: plans.PlanTable = attrs.field(factory=plans.PlanTable.default)
    history: history.HistoryWindow = attrs.field(factory=history.HistoryWindow)
    guardrails: guardrails.Guardrails = attrs.field(factory=guardrails.Guardrails)
    customer_rule: limits.RateRule = limits.PER_CUSTOMER
    business_language_hint: str = "Answer in the customer's language."
