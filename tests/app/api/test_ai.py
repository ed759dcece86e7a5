"""AI settings and usage through HTTP, and each governance block end to end with its fallback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest

from b2app import settings
from b2core.ai import fallbacks, llm
from b2core.ai import model as ai_model
from b2core.ai import settings as ai_settings
from b2core.ai.handlers import AiUoW
from b2core.shared import errors, ids
from tests.support import http_app
from tests.support.http_app import HttpApp, Session, assert_error

CAKE = {
    "name": "Chocolate Cake",
    "description": "A rich chocolate cake for 8 people.",
    "price_minor": 250000,
    "currency": "PKR",
    "active": True,
}
R = ai_model.BlockReason


def fallback(reason: ai_model.BlockReason) -> str:
    return fallbacks.DEFAULT_FALLBACKS[reason]


class _BrokenModel:
    async def complete(self, request: llm.CompletionRequest) -> llm.Completion:
        raise errors.Unavailable("the model is down", code="llm.unavailable")


@pytest.fixture
async def api(api_config: settings.Settings) -> AsyncIterator[HttpApp]:
    config = attrs.evolve(api_config, in_process_worker=True)
    async with http_app.running_app(config) as running:
        yield running


async def _shop(api: HttpApp) -> Session:
    admin = await api.tenant_admin()
    created = await api.client.post("/api/v1/services", json=CAKE, headers=admin.headers)
    assert created.status_code == 201, created.text
    return admin


async def _say(api: HttpApp, admin: Session, customer: str, text: str) -> dict[str, Any]:
    before = await _outbox(api, admin)
    sent = await api.client.post(
        "/api/v1/channels/simulator/inbound",
        json={"customer_id": customer, "text": text},
        headers=admin.headers,
    )
    assert sent.status_code == 202, sent.text
    for _ in range(200):
        items = await _outbox(api, admin)
        if len(items) > len(before):
            return items[-1]
        await asyncio.sleep(0.05)
    raise AssertionError("no reply reached the outbox")


async def _outbox(api: HttpApp, admin: Session) -> list[dict[str, Any]]:
    response = await api.client.get("/api/v1/channels/simulator/outbox", headers=admin.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _conversation(api: HttpApp, admin: Session, customer: str) -> dict[str, Any]:
    listed = await api.client.get("/api/v1/conversations", headers=admin.headers)
    assert listed.status_code == 200, listed.text
    return next(c for c in listed.json()["items"] if c["customer_id"] == customer)


async def _patch(api: HttpApp, admin: Session, **body: Any) -> dict[str, Any]:
    response = await api.client.patch("/api/v1/ai/settings", json=body, headers=admin.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_settings_round_trip_and_staff_is_kept_out(api: HttpApp) -> None:
    admin = await _shop(api)
    shown = await api.client.get("/api/v1/ai/settings", headers=admin.headers)
    assert shown.json()["confidence_threshold"] == 85
    changed = await _patch(api, admin, confidence_threshold=70, prohibited_phrases=["cheap"])
    assert changed["confidence_threshold"] == 70
    assert changed["prohibited_phrases"] == ["cheap"]
    assert_error(
        await api.client.patch(
            "/api/v1/ai/settings", json={"confidence_threshold": 101}, headers=admin.headers
        ),
        422,
        "ai.bad_threshold",
    )
    staff = await api.member(admin)
    refused = await api.client.get("/api/v1/ai/settings", headers=staff.headers)
    assert_error(refused, 403, "auth.forbidden")


async def test_a_reply_is_counted_in_usage_and_audited(api: HttpApp) -> None:
    admin = await _shop(api)
    reply = await _say(api, admin, "c1", "Tell me about the chocolate cake")
    assert "Chocolate Cake: PKR 2,500" in reply["text"]
    usage = (await api.client.get("/api/v1/ai/usage", headers=admin.headers)).json()
    assert usage["daily"]["used"] == 1
    assert usage["daily"]["limit"] == 50
    assert usage["monthly"]["limit"] == 1000
    (record,) = usage["items"]
    assert record["blocked"] is False
    assert record["input_tokens"] > 0


async def test_the_tenant_kill_switch_answers_with_the_fallback_and_hands_over(
    api: HttpApp,
) -> None:
    admin = await _shop(api)
    await _patch(api, admin, ai_enabled=False)
    reply = await _say(api, admin, "c1", "hello")
    assert reply["text"] == fallback(R.TENANT_AI_OFF)
    assert (await _conversation(api, admin, "c1"))["needs_human"] is True


async def test_a_guardrail_hit_answers_with_the_fallback(api: HttpApp) -> None:
    admin = await _shop(api)
    await _patch(api, admin, prohibited_phrases=["chocolate"])
    reply = await _say(api, admin, "c1", "Tell me about the chocolate cake")
    assert reply["text"] == fallback(R.GUARDRAIL)
    assert (await _conversation(api, admin, "c1"))["needs_human"] is True


async def test_low_confidence_answers_with_the_fallback(api: HttpApp) -> None:
    admin = await _shop(api)
    reply = await _say(api, admin, "c1", "my washing machine is making noises")
    assert reply["text"] == fallback(R.LOW_CONFIDENCE)
    assert (await _conversation(api, admin, "c1"))["needs_human"] is True


async def test_an_exhausted_quota_answers_with_the_fallback(api: HttpApp) -> None:
    admin = await _shop(api)
    tenant_id = ids.TenantId(admin.tenant_id)
    uow: AiUoW = api.container.resolve(AiUoW)
    async with uow.tenant(tenant_id) as tx:
        await tx.ai_settings.save(ai_settings.AiSettings(tenant_id, daily_limit=1))
        await tx.commit()
    await _say(api, admin, "c1", "hello")
    reply = await _say(api, admin, "c2", "hello")
    assert reply["text"] == fallback(R.DAILY_LIMIT)
    assert (await _conversation(api, admin, "c2"))["needs_human"] is True
    usage = (await api.client.get("/api/v1/ai/usage", headers=admin.headers)).json()
    assert usage["daily"]["used"] == 1
    assert [r["reason"] for r in usage["items"]].count("DAILY_LIMIT") == 1


async def test_an_llm_failure_answers_with_the_fallback(api_config: settings.Settings) -> None:
    config = attrs.evolve(api_config, in_process_worker=True)
    async with http_app.running_app(config, overrides={llm.LlmClient: _BrokenModel()}) as api:
        admin = await _shop(api)
        reply = await _say(api, admin, "c1", "hello")
        assert reply["text"] == fallback(R.LLM_FAILURE)
        assert (await _conversation(api, admin, "c1"))["needs_human"] is True
        usage = (await api.client.get("/api/v1/ai/usage", headers=admin.headers)).json()
        assert usage["daily"]["used"] == 0  # the unit was given back
