"""HandleInboundMessage: store, govern, ask the model, check, reply or hand over."""

from __future__ import annotations

import asyncio

import attrs

from b2core.ai import llm, plans, policy, quotas
from b2core.ai import model as ai_model
from b2core.ai import ports as ai_ports
from b2core.conversations import media_jobs
from b2core.conversations import ports as conversation_ports
from b2core.pipeline import commands, config, loading, ports, replying
from b2core.pipeline.context import MessageContext
from b2core.pipeline.results import Outcome, Result
from b2core.platform import ports as platform_ports
from b2core.shared import ids, time


@attrs.frozen
class HandleInboundMessageHandler:
    """The hot path. The inbound message is committed before anything else can fail."""

    uow: ports.PipelineUoW
    gate: ai_ports.GovernanceGate
    ledger: ai_ports.QuotaLedger
    limiter: ai_ports.RateLimiter
    model_client: llm.LlmClient
    outbound: conversation_ports.OutboundQueue
    settings: config.PipelineConfig
    clock: time.Clock
    id_generator: ids.IdGenerator
    system_settings: platform_ports.SystemSettingsReader
    # Enqueues the media fetch the recording wrote to the outbox; the reply never waits for it.
    media_fetch: media_jobs.MediaFetchQueue = attrs.field(
        factory=media_jobs.SweepOnlyMediaFetchQueue
    )

    async def __call__(self, cmd: commands.HandleInboundMessage) -> Result:
        ctx = await loading.load(self.uow, cmd.inbound, self.id_generator, self.system_settings)
        if ctx is None:
            return Result(Outcome.DUPLICATE)
        if ctx.message.media is not None and ctx.message.media.stored_key is None:
            await self.media_fetch.enqueue_fetch(ctx.tenant.id, ctx.message.id)
        if not ctx.conversation.ai_may_reply:
            return Result(Outcome.HUMAN)
        spec = plans.select_model(self.settings.catalog, ctx.tier, ctx.settings.pinned_model)
        reason, reservation = await self._govern(ctx, spec)
        if reservation is None:
            return await self._reply().block(ctx, reason or ai_model.BlockReason.RATE_LIMITED, spec)
        try:
            completion = await self.model_client.complete(self._request(ctx, spec))
        except BaseException as failure:
            # CancelledError is a BaseException: the unit must come back in every case.
            await asyncio.shield(self.ledger.refund(reservation))
            if not isinstance(failure, Exception):
                raise
            return await self._reply().block(ctx, ai_model.BlockReason.LLM_FAILURE, spec)
        return await self._reply().answer(ctx, completion, spec)

    async def _govern(
        self, ctx: MessageContext, spec: ai_model.ModelSpec
    ) -> tuple[ai_model.BlockReason | None, quotas.Reservation | None]:
        """The governance decision; a reservation only when the AI may answer."""
        snapshot = policy.GovernanceSnapshot(
            switches=loading.switches(ctx),
            tenant_status=ctx.tenant.status,
            tier=ctx.tier,
            requested_model=spec.name,
            pinned_model=ctx.settings.pinned_model,
        )
        early = policy.precheck(snapshot, self.settings.catalog)
        if early is not None:
            return early, None
        customer = loading.customer_key(ctx, self.settings.customer_rule)
        allowed, _ = await self.limiter.hit(customer, self.settings.customer_rule)
        if not allowed:
            return ai_model.BlockReason.RATE_LIMITED, None
        admission = await self.gate.admit(
            ctx.tenant.id,
            self.settings.plans.policy(ctx.settings.plan).burst,
            quotas.QuotaWindows.at(self.clock.now(), ctx.settings.billing_anchor_day),
            plans.effective_limits(self.settings.plans, ctx.settings.plan, ctx.settings),
        )
        decided = policy.GovernanceSnapshot(
            switches=snapshot.switches,
            tenant_status=snapshot.tenant_status,
            tier=snapshot.tier,
            requested_model=snapshot.requested_model,
            pinned_model=snapshot.pinned_model,
            burst=admission.verdicts,
            quota=admission.quota,
        )
        decision = policy.decide(decided, self.settings.catalog)
        if decision.allowed and isinstance(admission.quota, quotas.Reservation):
            return None, admission.quota
        return decision.reason, None

    def _request(self, ctx: MessageContext, spec: ai_model.ModelSpec) -> llm.CompletionRequest:
        window = self.settings.history.select(replying.history_turns(ctx))
        return llm.CompletionRequest(
            tenant_id=ctx.tenant.id,
            model=spec.name,
            system_prompt=replying.system_prompt(ctx, self.settings.business_language_hint),
            history=llm.messages_from_turns(window[:-1]),
            customer_text=window[-1].text if window else (ctx.message.text or ""),
        )

    def _reply(self) -> replying.Replier:
        return replying.Replier(
            self.uow, self.outbound, self.settings, self.clock, self.id_generator
        )
