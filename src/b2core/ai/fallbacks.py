"""Fallback texts: what the customer reads when the AI does not answer, per block reason."""

from __future__ import annotations

from collections.abc import Mapping

from b2core.ai import model

_TEAM_WILL_REPLY = "Thanks for your message! A member of our team will get back to you shortly."

# Texts never tell the customer about the tenant's plan, limits or configuration: those are
# the business's affairs. Each one says a person will follow up, because one will.
DEFAULT_FALLBACKS: Mapping[model.BlockReason, str] = {
    model.BlockReason.GLOBAL_AI_OFF: _TEAM_WILL_REPLY,
    model.BlockReason.TENANT_AI_OFF: _TEAM_WILL_REPLY,
    model.BlockReason.DAILY_LIMIT: _TEAM_WILL_REPLY,
    model.BlockReason.MONTHLY_LIMIT: _TEAM_WILL_REPLY,
    model.BlockReason.MODEL_NOT_ALLOWED: _TEAM_WILL_REPLY,
    model.BlockReason.RATE_LIMITED: (
        "We're receiving a lot of messages right now. A member of our team will reply as soon "
        "as possible."
    ),
    model.BlockReason.LLM_FAILURE: (
        "Sorry, we're having a technical problem. A member of our team will reply shortly."
    ),
    model.BlockReason.GUARDRAIL: (
        "I can't help with that here, but a member of our team will follow up with you."
    ),
    model.BlockReason.LOW_CONFIDENCE: (
        "Let me pass you to a member of our team who can help with that. They'll reply shortly."
    ),
    model.BlockReason.TENANT_SUSPENDED: (
        "Sorry, we can't reply to messages here at the moment. Please try again later."
    ),
}


def fallback_text(
    reason: model.BlockReason, overrides: Mapping[model.BlockReason, str] | None = None
) -> str | None:
    """The text to send for ``reason``: the tenant's override, else the default.

    A blank override (empty or whitespace only) is ignored. Silent reasons (WhatsApp off,
    tenant archived) return None: nothing at all may be sent then.
    """
    if reason.silent:
        return None
    override = (overrides or {}).get(reason, "").strip()
    return override or DEFAULT_FALLBACKS[reason]
