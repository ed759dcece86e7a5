"""The last step: write the reply (or the fallback), the usage record and the audit entry."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from b2core.ai import fallbacks, history, llm, policy
from b2core.ai import model as ai_model
from b2core.conversations import messages
from b2core.conversations import outbound as outbound_jobs
from b2core.conversations import ports as conversation_ports
from b2core.orders import catalog
from b2core.orders import model as order_model
from b2core.pipeline import config, ports
from b2core.pipeline.context import MessageContext
from b2core.pipeline.results import Outcome, Result
from b2core.shared import audit, errors, ids, time

CONFLICT_RETRIES = 3


def system_prompt(ctx: MessageContext, language_hint: str) -> str:
    """The catalog prompt. The model never quotes prices: the pipeline adds catalog prices."""
    profile = ctx.tenant.profile
    lines = [profile.description, profile.phone and f"Phone: {profile.phone}"]
    lines.append(profile.address and f"Address: {profile.address}")
    text = "\n".join(line for line in lines if line)
    return llm.build_system_prompt(
        ctx.tenant.name, text, ctx.services, language_hint, quote_prices=False
    )


def history_turns(ctx: MessageContext) -> list[history.Turn]:
    """The conversation as the history window reads it, oldest first, text messages only."""
    result = []
    for message in reversed(ctx.recent):
        text = message.searchable_text.strip()
        if not text:
            continue
        if message.direction is messages.Direction.INBOUND:
            speaker = history.Speaker.CUSTOMER
        else:
            speaker = history.Speaker.ASSISTANT if message.from_ai else history.Speaker.AGENT
        result.append(history.Turn(speaker, text))
    return result


def with_catalog_price(text: str, service: catalog.Service | None) -> str:
    """The reply plus the service's price, taken from the catalog, never from the model."""
    if service is None:
        return text
    return f"{text}\n\n{service.name}: {llm.format_money(service.price)}"


def order_text(order: order_model.Order) -> str:
    """What the customer is told once the AI has put an order up for approval."""
    lines = [f"- {item.quantity} x {item.name}" for item in order.items]
    total = f"Total: {llm.format_money(order.total)}"
    return "\n".join(["Thank you! I have noted your order:", *lines, total,
                      "It is awaiting approval: our team will confirm it shortly."])  # fmt: skip


def ask_which_service(services: Sequence[catalog.Service]) -> str:
    """When an order names nothing we sell: ask again, listing what there is."""
    names = ", ".join(s.name for s in services)
    if not names:
        return "Which service would you like? A member of our team will help you shortly."
    return f"Which of our services would you like? We offer: {names}."


@attrs.frozen
class Draft:
    """What the final transaction writes."""

    text: str | None
    reason: ai_model.BlockReason | None = None
    handoff: bool = False
    order: order_model.Order | None = None
    completion: llm.Completion | None = None


@attrs.frozen
class Replier:
    """Turns a decision into stored effects, in one transaction, then queues the send."""

    uow: ports.PipelineUoW
    outbound: conversation_ports.OutboundQueue
    settings: config.PipelineConfig
    clock: time.Clock
    id_generator: ids.IdGenerator

    async def block(
        self,
        ctx: MessageContext,
        reason: ai_model.BlockReason,
        spec: ai_model.ModelSpec,
        completion: llm.Completion | None = None,
    ) -> Result:
        """Send the fallback for ``reason`` (nothing if it is silent) and hand over."""
        text = fallbacks.fallback_text(reason, ctx.settings.fallbacks)
        draft = Draft(text, reason=reason, handoff=True, completion=completion)
        return await self._write(ctx, draft, spec)

    async def answer(
        self, ctx: MessageContext, completion: llm.Completion, spec: ai_model.ModelSpec
    ) -> Result:
        """Check the model's reply and send it, or block it with the right reason."""
        reply = completion.reply
        threshold = ctx.settings.confidence_threshold
        if not policy.meets_confidence(reply.confidence, threshold):
            return await self.block(ctx, ai_model.BlockReason.LOW_CONFIDENCE, spec, completion)
        if reply.intent is llm.Intent.ORDER:
            return await self._write(ctx, self._order(ctx, reply, completion), spec)
        verdict = self.settings.guardrails.check(reply.text, ctx.settings.prohibited_phrases)
        if verdict.blocked or not reply.text.strip():
            return await self.block(ctx, ai_model.BlockReason.GUARDRAIL, spec, completion)
        service = catalog.match_service(ctx.services, reply.service_name or "")
        priced = reply.intent is llm.Intent.ANSWER and service is not None
        text = with_catalog_price(reply.text, service) if priced else reply.text
        handoff = reply.intent is llm.Intent.ESCALATE
        return await self._write(ctx, Draft(text, handoff=handoff, completion=completion), spec)

    def _order(
        self, ctx: MessageContext, reply: llm.StructuredReply, completion: llm.Completion
    ) -> Draft:
        contact = reply.contact
        customer = order_model.Customer(
            ctx.conversation.customer_id,
            contact.get("name") or ctx.conversation.contact.name,
            ctx.conversation.contact.phone,
            contact.get("email"),
        )
        try:
            order = order_model.draft_from_catalog(
                ids.OrderId(self.id_generator.new()), ctx.tenant.id, customer,
                [(reply.service_name or "", reply.quantity or 1)], ctx.services,
                self.clock.now(), conversation_id=ctx.conversation.id,
            )  # fmt: skip
        except errors.DomainError:
            return Draft(ask_which_service(ctx.services), completion=completion)
        submitted = order.submit(order.created_by, self.clock.now())
        return Draft(order_text(submitted), order=submitted, completion=completion)

    async def _write(self, ctx: MessageContext, draft: Draft, spec: ai_model.ModelSpec) -> Result:
        for attempt in range(CONFLICT_RETRIES):
            try:
                return await self._commit(ctx, draft, spec)
            except errors.ConcurrencyConflict:
                # Another message of this customer moved the conversation on: write again.
                if attempt == CONFLICT_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    async def _commit(self, ctx: MessageContext, draft: Draft, spec: ai_model.ModelSpec) -> Result:
        now = self.clock.now()
        async with self.uow.tenant(ctx.tenant.id) as tx:
            conversation = await tx.conversations.get(ctx.conversation.id) or ctx.conversation
            reply = None
            if draft.text is not None:
                reply = messages.Message.outbound_text(
                    ids.MessageId(self.id_generator.new()), conversation, draft.text, now,
                    ctx.reply_key, from_ai=draft.reason is None,
                    ai_confidence=_confidence(draft),
                )  # fmt: skip
                await tx.messages.add(reply)
                await tx.outbox.add(outbound_jobs.send_entry(ctx.tenant.id, reply.id, now))
                conversation = conversation.record_outbound(now)
            if draft.handoff and conversation.ai_may_reply:
                conversation = conversation.hand_off(now)
            await tx.conversations.save(conversation)
            if draft.order is not None:
                await tx.orders.add(draft.order)
            await tx.usage.add(self._usage(ctx, draft, spec))
            await tx.audit.append(self._audit(ctx, draft, reply))
            await tx.commit()
        if reply is not None:
            await self.outbound.enqueue_send(ctx.tenant.id, reply.id)
        outcome = Outcome.REPLIED if draft.reason is None else Outcome.BLOCKED
        return Result(outcome, draft.reason, reply.id if reply else None)

    def _usage(
        self, ctx: MessageContext, draft: Draft, spec: ai_model.ModelSpec
    ) -> ai_model.UsageRecord:
        done = draft.completion
        return ai_model.UsageRecord.for_call(
            ai_model.UsageRecordId(self.id_generator.new()), ctx.tenant.id, self.clock.now(),
            spec, ctx.tier,
            input_tokens=done.input_tokens if done else 0,
            output_tokens=done.output_tokens if done else 0,
            latency_ms=done.latency_ms if done else 0,
            reason=draft.reason, conversation_id=ctx.conversation.id,
        )  # fmt: skip

    def _audit(
        self, ctx: MessageContext, draft: Draft, reply: messages.Message | None
    ) -> audit.AuditEntry:
        action = "ai.replied" if draft.reason is None else "ai.blocked"
        metadata: dict[str, object] = {"handoff": draft.handoff}
        if draft.reason is not None:
            metadata["reason"] = draft.reason.value
        if draft.order is not None:
            metadata["order_id"] = draft.order.id
        target = ("message", reply.id) if reply else ("conversation", ctx.conversation.id)
        return audit.record(
            self.id_generator, self.clock, audit.Actor.ai(), action,
            tenant_id=ctx.tenant.id, target=target, metadata=metadata,
        )  # fmt: skip


def _confidence(draft: Draft) -> float | None:
    if draft.reason is not None or draft.completion is None:
        return None
    return draft.completion.reply.confidence / 100
