"""The governance decision: may the AI answer this message? One pure function, fixed precedence.

Precedence (the first failing check names the reason):

1. kill switches: GLOBAL_AI_OFF, GLOBAL_WHATSAPP_OFF, TENANT_AI_OFF, TENANT_WHATSAPP_OFF
   (platform before tenant; at each level AI before WhatsApp);
2. tenant status: TENANT_SUSPENDED, TENANT_ARCHIVED (only ACTIVE tenants use AI);
3. model allowlist: MODEL_NOT_ALLOWED;
4. burst and per-customer limits: RATE_LIMITED;
5. quota reservation: MONTHLY_LIMIT or DAILY_LIMIT (as the ledger refused).
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from b2core.ai import limits, model, plans, quotas
from b2core.tenants import model as tenants

PRECEDENCE: tuple[model.BlockReason, ...] = (
    model.BlockReason.GLOBAL_AI_OFF,
    model.BlockReason.GLOBAL_WHATSAPP_OFF,
    model.BlockReason.TENANT_AI_OFF,
    model.BlockReason.TENANT_WHATSAPP_OFF,
    model.BlockReason.TENANT_SUSPENDED,
    model.BlockReason.TENANT_ARCHIVED,
    model.BlockReason.MODEL_NOT_ALLOWED,
    model.BlockReason.RATE_LIMITED,
    model.BlockReason.MONTHLY_LIMIT,
    model.BlockReason.DAILY_LIMIT,
)

_QUOTA_REASONS = frozenset({model.BlockReason.DAILY_LIMIT, model.BlockReason.MONTHLY_LIMIT})
_STATUS_REASONS = {
    tenants.TenantStatus.SUSPENDED: model.BlockReason.TENANT_SUSPENDED,
    tenants.TenantStatus.ARCHIVED: model.BlockReason.TENANT_ARCHIVED,
}


@attrs.frozen
class KillSwitches:
    """The four switches; True means on. Defaults are all on."""

    global_ai: bool = True
    global_whatsapp: bool = True
    tenant_ai: bool = True
    tenant_whatsapp: bool = True

    def first_off(self) -> model.BlockReason | None:
        """The reason of the first switch that is off, in precedence order."""
        pairs = (
            (self.global_ai, model.BlockReason.GLOBAL_AI_OFF),
            (self.global_whatsapp, model.BlockReason.GLOBAL_WHATSAPP_OFF),
            (self.tenant_ai, model.BlockReason.TENANT_AI_OFF),
            (self.tenant_whatsapp, model.BlockReason.TENANT_WHATSAPP_OFF),
        )
        return next((reason for on, reason in pairs if not on), None)

    def channel_block(self) -> model.BlockReason | None:
        """Why nothing may be sent at all (a WhatsApp switch is off), checked before any send."""
        if not self.global_whatsapp:
            return model.BlockReason.GLOBAL_WHATSAPP_OFF
        if not self.tenant_whatsapp:
            return model.BlockReason.TENANT_WHATSAPP_OFF
        return None


def _check_quota(
    _: object,
    __: attrs.Attribute[quotas.Reservation | model.BlockReason | None],
    value: quotas.Reservation | model.BlockReason | None,
) -> None:
    if isinstance(value, model.BlockReason) and value not in _QUOTA_REASONS:
        raise ValueError(f"{value} is not a quota refusal")


def _to_verdicts(value: Iterable[limits.RateVerdict]) -> tuple[limits.RateVerdict, ...]:
    return tuple(value)


@attrs.frozen
class GovernanceSnapshot:
    """Everything the decision looks at, gathered (ideally in one round trip) beforehand.

    ``burst`` holds the verdicts of the tenant's burst rules and the per-customer rule.
    ``quota`` is the ledger's answer (a reservation, or DAILY_LIMIT / MONTHLY_LIMIT), or None
    while nothing has been reserved yet (see :func:`precheck`).
    """

    switches: KillSwitches
    tenant_status: tenants.TenantStatus
    tier: model.AiTier
    requested_model: str
    pinned_model: model.ModelSpec | None = None
    burst: tuple[limits.RateVerdict, ...] = attrs.field(default=(), converter=_to_verdicts)
    quota: quotas.Reservation | model.BlockReason | None = attrs.field(
        default=None, validator=_check_quota
    )


@attrs.frozen
class Decision:
    """Allowed with no reason, or blocked with exactly one reason."""

    allowed: bool
    reason: model.BlockReason | None

    def __attrs_post_init__(self) -> None:
        if self.allowed != (self.reason is None):
            raise ValueError("a decision is allowed without a reason or blocked with one")

    @classmethod
    def allow(cls) -> Decision:
        """The AI may answer."""
        return cls(allowed=True, reason=None)

    @classmethod
    def block(cls, reason: model.BlockReason) -> Decision:
        """The AI may not answer, because of ``reason``."""
        return cls(allowed=False, reason=reason)


def precheck(snapshot: GovernanceSnapshot, catalog: model.ModelCatalog) -> model.BlockReason | None:
    """The first blocking reason among the checks that come before the quota (1 to 4).

    A caller that reserves quota in a separate step calls this first and reserves only when
    it returns None, so that a blocked message never spends a unit.
    """
    switched_off = snapshot.switches.first_off()
    if switched_off is not None:
        return switched_off
    if snapshot.tenant_status is not tenants.TenantStatus.ACTIVE:
        # Any status other than ACTIVE blocks, including one added later.
        return _STATUS_REASONS.get(snapshot.tenant_status, model.BlockReason.TENANT_SUSPENDED)
    if not plans.model_allowed(
        catalog, snapshot.tier, snapshot.requested_model, snapshot.pinned_model
    ):
        return model.BlockReason.MODEL_NOT_ALLOWED
    if any(not verdict.allowed for verdict in snapshot.burst):
        return model.BlockReason.RATE_LIMITED
    return None


def decide(snapshot: GovernanceSnapshot, catalog: model.ModelCatalog) -> Decision:
    """The governance decision for one inbound message, following :data:`PRECEDENCE`.

    Raises:
        ValueError: when every earlier check passes but ``snapshot.quota`` is None: allowing
            without a reservation would let usage exceed the quota.
    """
    reason = precheck(snapshot, catalog)
    if reason is not None:
        return Decision.block(reason)
    if snapshot.quota is None:
        raise ValueError("the quota must be reserved before the decision can allow")
    if isinstance(snapshot.quota, model.BlockReason):
        return Decision.block(snapshot.quota)
    return Decision.allow()


def reservation_to_refund(
    decision: Decision, snapshot: GovernanceSnapshot
) -> quotas.Reservation | None:
    """The reservation to give back because the message was blocked after reserving."""
    if decision.allowed or not isinstance(snapshot.quota, quotas.Reservation):
        return None
    return snapshot.quota


def meets_confidence(confidence: int | None, threshold: int) -> bool:
    """Whether the model's confidence (0-100) lets its reply go out; otherwise a human answers.

    Missing, non-integer or out-of-range confidence never passes. A threshold of 0 lets every
    valid confidence pass; 100 only a confidence of exactly 100.
    """
    if isinstance(confidence, bool) or not isinstance(confidence, int):
        return False
    return 0 <= confidence <= 100 and confidence >= threshold


def confidence_decision(confidence: int | None, threshold: int) -> Decision:
    """Allowed when :func:`meets_confidence`, else blocked with LOW_CONFIDENCE."""
    if meets_confidence(confidence, threshold):
        return Decision.allow()
    return Decision.block(model.BlockReason.LOW_CONFIDENCE)
