"""OpenAiCompatibleClient through the real openai SDK against the local fake server."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import openai
import pytest

from b2adapters.llm.openai_client import DEFAULT_TEMPERATURE, OpenAiCompatibleClient
from b2core.ai import llm
from b2core.shared import errors, ids
from tests.support.fake_openai import FakeOpenAI

API_KEY = "sk-test-DO-NOT-LOG-4f2a"
ANSWER = {
    "text": "A haircut is PKR 500.00.",
    "confidence": 91,
    "intent": "ANSWER",
    "service_name": "Haircut",
    "quantity": None,
    "contact": {},
}
REQUEST = llm.CompletionRequest(
    tenant_id=ids.TenantId("tenant-1"),
    model="gpt-test-mini",
    system_prompt="You are the assistant of Salon X. Reply in JSON.",
    history=(llm.ChatMessage("user", "hi"), llm.ChatMessage("assistant", "Hello!")),
    customer_text="How much is a haircut?",
    max_output_tokens=321,
)


@asynccontextmanager
async def client_for(fake: FakeOpenAI, **options: Any) -> AsyncIterator[OpenAiCompatibleClient]:
    settings: dict[str, Any] = {"timeout_s": 2.0, "max_retries": 3, "backoff_s": 0.001}
    settings.update(options)
    client = OpenAiCompatibleClient(fake.base_url, API_KEY, max_backoff_s=0.01, **settings)
    try:
        yield client
    finally:
        await client.aclose()


async def test_happy_path_parses_the_reply_and_reports_usage(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply(ANSWER, prompt_tokens=120, completion_tokens=30)
    async with client_for(fake_openai) as client:
        completion = await client.complete(REQUEST)

    assert completion.reply == llm.StructuredReply(
        text="A haircut is PKR 500.00.",
        confidence=91,
        intent=llm.Intent.ANSWER,
        service_name="Haircut",
    )
    assert (completion.input_tokens, completion.output_tokens) == (120, 30)
    assert completion.model == "gpt-test-mini"
    assert completion.latency_ms >= 0


async def test_the_request_carries_model_prompt_history_and_json_mode(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.reply(ANSWER)
    async with client_for(fake_openai) as client:
        await client.complete(REQUEST)

    (seen,) = fake_openai.requests
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["authorization"] == f"Bearer {API_KEY}"
    assert seen.body["model"] == "gpt-test-mini"
    assert seen.body["response_format"] == {"type": "json_object"}
    assert seen.body["temperature"] == DEFAULT_TEMPERATURE
    assert seen.body["max_tokens"] == 321
    assert seen.messages == [
        {"role": "system", "content": REQUEST.system_prompt},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "How much is a haircut?"},
    ]


async def test_a_rate_limit_is_retried_then_succeeds(fake_openai: FakeOpenAI) -> None:
    fake_openai.fail(429)
    fake_openai.reply(ANSWER)
    async with client_for(fake_openai) as client:
        completion = await client.complete(REQUEST)

    assert completion.reply.text == ANSWER["text"]
    assert len(fake_openai.requests) == 2


async def test_retry_after_from_the_server_is_honoured(fake_openai: FakeOpenAI) -> None:
    fake_openai.fail(503, headers={"retry-after-ms": "5"})
    fake_openai.reply(ANSWER)
    async with client_for(fake_openai, backoff_s=5.0) as client:
        completion = await client.complete(REQUEST)

    # A 5 s own backoff would have been capped to max_backoff_s anyway; the point is that the
    # header's 5 ms was accepted and the call went through on the second request.
    assert completion.reply.confidence == 91
    assert len(fake_openai.requests) == 2


@pytest.mark.parametrize("max_retries", [0, 1, 3])
async def test_server_errors_give_up_after_exactly_max_retries_plus_one_requests(
    fake_openai: FakeOpenAI, max_retries: int
) -> None:
    fake_openai.fail(500, times=max_retries + 2)  # one more than may be used
    async with client_for(fake_openai, max_retries=max_retries) as client:
        with pytest.raises(errors.Unavailable) as raised:
            await client.complete(REQUEST)

    assert raised.value.code == "llm.unavailable"
    assert isinstance(raised.value.__cause__, openai.InternalServerError)
    assert len(fake_openai.requests) == max_retries + 1
    assert fake_openai.pending == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_other_client_errors_are_not_retried(fake_openai: FakeOpenAI, status: int) -> None:
    fake_openai.fail(status, times=2)
    async with client_for(fake_openai) as client:
        with pytest.raises(errors.Unavailable) as raised:
            await client.complete(REQUEST)

    assert raised.value.code == "llm.unavailable"
    assert isinstance(raised.value.__cause__, openai.APIStatusError)
    assert len(fake_openai.requests) == 1


async def test_a_timeout_is_retried_then_unavailable(fake_openai: FakeOpenAI) -> None:
    fake_openai.stall(30, times=2)  # stop() wakes the stalled answers at teardown
    async with client_for(fake_openai, timeout_s=0.3, max_retries=1) as client:
        with pytest.raises(errors.Unavailable) as raised:
            await client.complete(REQUEST)

    assert raised.value.code == "llm.unavailable"
    assert isinstance(raised.value.__cause__, openai.APITimeoutError)
    assert len(fake_openai.requests) == 2


async def test_a_refused_connection_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the client connects
    client = OpenAiCompatibleClient(
        f"http://127.0.0.1:{port}/v1", API_KEY, max_retries=1, backoff_s=0.001
    )
    try:
        with pytest.raises(errors.Unavailable) as raised:
            await client.complete(REQUEST)
    finally:
        await client.aclose()
    assert isinstance(raised.value.__cause__, openai.APIConnectionError)


@pytest.mark.parametrize(
    "content",
    [
        "not json at all",
        '{"text": "cut off',
        '{"confidence": 90}',
        "",
        '{"text": "x", "intent": 3}',
    ],
)
async def test_malformed_content_becomes_the_unreadable_reply(
    fake_openai: FakeOpenAI, content: str
) -> None:
    fake_openai.reply(content, prompt_tokens=50, completion_tokens=9)
    async with client_for(fake_openai) as client:
        completion = await client.complete(REQUEST)

    assert completion.reply == llm.UNREADABLE_REPLY
    assert (completion.input_tokens, completion.output_tokens) == (50, 9)  # still counted
    assert len(fake_openai.requests) == 1  # an answer, not a failure: never retried


async def test_a_fenced_answer_with_prose_is_read(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply(
        'Sure! Here it is:\n```json\n{"text": "Booked?", "confidence": "88%", '
        '"intent": "collect_info"}\n```\nAnything else?'
    )
    async with client_for(fake_openai) as client:
        completion = await client.complete(REQUEST)

    assert completion.reply.intent is llm.Intent.COLLECT_INFO
    assert completion.reply.confidence == 88


async def test_missing_usage_is_estimated_from_characters(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply(ANSWER, prompt_tokens=None)
    async with client_for(fake_openai) as client:
        completion = await client.complete(REQUEST)

    assert completion.input_tokens > 0
    assert completion.output_tokens > 0


async def test_a_response_that_is_not_a_chat_completion_is_unavailable(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.raw(200, b"<html>Welcome to nginx</html>", content_type="text/html")
    async with client_for(fake_openai) as client:
        with pytest.raises(errors.Unavailable) as raised:
            await client.complete(REQUEST)

    assert raised.value.code == "llm.unavailable"
    assert len(fake_openai.requests) == 1


async def test_the_api_key_is_never_logged_nor_shown(
    fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    # The server even echoes the key in its error, as some providers do.
    fake_openai.fail(500, times=2, message=f"bad key {API_KEY}")
    fake_openai.fail(401, message=f"Incorrect API key provided: {API_KEY}")
    caplog.set_level(logging.DEBUG)
    async with client_for(fake_openai, max_retries=2) as client:
        with pytest.raises(errors.Unavailable) as raised:
            await client.complete(REQUEST)
        shown = repr(client)

    assert len(fake_openai.requests) == 3
    assert "retry 2 of 2" in caplog.text  # the retries were logged...
    assert API_KEY not in caplog.text  # ...without the key
    assert API_KEY not in str(raised.value)
    assert API_KEY not in shown
    assert fake_openai.base_url in shown


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        OpenAiCompatibleClient("http://127.0.0.1:1/v1", None, max_retries=-1)
    with pytest.raises(ValueError, match="timeout_s"):
        OpenAiCompatibleClient("http://127.0.0.1:1/v1", None, timeout_s=0)
