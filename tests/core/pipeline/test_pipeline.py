"""The inbound pipeline end to end on memory adapters: replies, blocks, handoffs, orders."""

from __future__ import annotations

import asyncio

import pytest

from b2core.ai import model as ai_model
from b2core.ai import ports as ai_ports
from b2core.ai import quotas
from b2core.conversations import model as conversation_model
from b2core.orders import model as order_model
from b2core.pipeline.results import Outcome
from b2core.shared import errors
from tests.core.pipeline.conftest import make_shop

R = ai_model.BlockReason


async def _outbound(shop):
    return [m for m in await shop.table("messages") if m.direction.value == "OUTBOUND"]


async def test_a_question_gets_a_catalog_answer_with_the_catalog_price(shop):
    result = await shop.say("Tell me about the chocolate cake")
    assert result.outcome is Outcome.REPLIED
    (reply,) = await _outbound(shop)
    assert reply.from_ai
    assert "Chocolate Cake: PKR 2,500" in reply.text
    (usage,) = await shop.table("ai_usage")
    assert usage.reason is None
    assert usage.input_tokens > 0
    actions = [e.action for e in await shop.table("audit_logs")]
    assert "ai.replied" in actions


async def test_a_repeated_delivery_is_answered_once(shop):
    first = await shop.say("hello", provider_id="wamid.same")
    again = await shop.say("hello", provider_id="wamid.same")
    assert first.outcome is Outcome.REPLIED
    assert again.outcome is Outcome.DUPLICATE
    assert len(await _outbound(shop)) == 1
    assert len([m for m in await shop.table("messages") if m.direction.value == "INBOUND"]) == 1


async def test_an_order_becomes_a_pending_draft_priced_from_the_catalog(shop):
    result = await shop.say("I want to order 2 croissant")
    assert result.outcome is Outcome.REPLIED
    (order,) = await shop.table("orders")
    assert order.status is order_model.OrderStatus.PENDING_APPROVAL
    assert order.total.amount_minor == 60000
    (reply,) = await _outbound(shop)
    assert "awaiting approval" in reply.text
    assert "PKR 600" in reply.text


async def test_exhausted_daily_quota_sends_the_fallback_and_hands_over(shop):
    await shop.ai_settings(daily_limit=1)
    assert (await shop.say("hello", customer="a")).outcome is Outcome.REPLIED
    blocked = await shop.say("hello", customer="b")
    assert blocked.outcome is Outcome.BLOCKED
    assert blocked.reason is R.DAILY_LIMIT
    conversations = {c.customer_id: c for c in await shop.table("conversations")}
    assert conversations["b"].needs_human
    assert not conversations["a"].needs_human
    reasons = [u.reason for u in await shop.table("ai_usage")]
    assert reasons.count(R.DAILY_LIMIT) == 1


@pytest.mark.parametrize(
    ("switch", "reason"),
    [({"global_ai_enabled": False}, R.GLOBAL_AI_OFF)],
)
async def test_the_global_kill_switch_blocks(shop, switch, reason):
    await shop.switches(**switch)
    result = await shop.say("hello")
    assert result.reason is reason
    (reply,) = await _outbound(shop)
    assert not reply.from_ai


async def test_the_tenant_switch_blocks_and_whatsapp_off_sends_nothing(shop):
    await shop.ai_settings(ai_enabled=False)
    assert (await shop.say("hello", customer="a")).reason is R.TENANT_AI_OFF
    await shop.ai_settings(ai_enabled=True, whatsapp_enabled=False)
    silent = await shop.say("hello", customer="b")
    assert silent.reason is R.TENANT_WHATSAPP_OFF
    assert silent.reply_id is None


async def test_low_confidence_hands_over(shop):
    result = await shop.say("my washing machine makes a strange noise")
    assert result.reason is R.LOW_CONFIDENCE
    (conversation,) = await shop.table("conversations")
    assert conversation.needs_human
    assert conversation.status is conversation_model.ConversationStatus.OPEN


async def test_after_a_handoff_the_ai_stays_quiet(shop):
    await shop.say("my washing machine makes a strange noise")
    again = await shop.say("hello?")
    assert again.outcome is Outcome.HUMAN
    assert len(await _outbound(shop)) == 1


async def test_a_guardrail_hit_sends_the_fallback(shop):
    await shop.ai_settings(prohibited_phrases=("chocolate",))
    result = await shop.say("Tell me about the chocolate cake")
    assert result.reason is R.GUARDRAIL
    (reply,) = await _outbound(shop)
    assert "chocolate" not in reply.text.lower()


class _BrokenModel:
    async def complete(self, request):
        raise errors.Unavailable("model down", code="llm.unavailable")


async def test_an_llm_failure_refunds_the_unit_and_hands_over():
    shop = await make_shop(model=_BrokenModel())
    await shop.ai_settings(daily_limit=1)
    assert (await shop.say("hello", customer="a")).reason is R.LLM_FAILURE
    # The unit came back: the next customer is not refused by the quota.
    assert (await shop.say("hello", customer="b")).reason is R.LLM_FAILURE


async def test_a_person_holding_the_conversation_silences_the_ai(shop):
    await shop.say("hello")
    (conversation,) = await shop.table("conversations")
    owner = next(u for u in await shop.table("users"))
    async with await shop.tx() as tx:
        await tx.conversations.save(conversation.assign(owner.id, shop.app.clock.now()))
        await tx.commit()
    assert (await shop.say("are you there?")).outcome is Outcome.HUMAN


class _HangingModel:
    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def complete(self, request):
        self.started.set()
        await asyncio.sleep(3600)


async def test_a_cancelled_call_gives_its_unit_back_exactly_once():
    model = _HangingModel()
    shop = await make_shop(model=model)
    task = asyncio.create_task(shop.say("hello"))
    await model.started.wait()
    ledger = shop.app.container.resolve(ai_ports.QuotaLedger)
    windows = quotas.QuotaWindows.at(shop.app.clock.now())
    assert (await ledger.usage(shop.tenant_id, windows)).daily == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await ledger.usage(shop.tenant_id, windows)).daily == 0
    # The inbound message was stored before the model was called.
    assert len(await shop.table("messages")) == 1
