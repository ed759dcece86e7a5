"""AI governance: plans, tiers, quotas, limits, guardrails and the reply pipeline."""
