"""Any OpenAI-compatible chat endpoint (OpenAI, OpenRouter, vLLM, Ollama) as the LlmClient."""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from typing import TYPE_CHECKING

import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

from b2core.ai import llm
from b2core.shared import errors

log = logging.getLogger("b2.llm")

DEFAULT_TEMPERATURE = 0.2  # low: answers should follow the catalog, not improvise
# Local servers (Ollama, vLLM) need no key, but the SDK refuses to start without one.
_NO_KEY = "not-needed"
_CHARS_PER_TOKEN = 4  # the usual rough estimate, used only when a server reports no usage
_JITTER = 0.25  # each backoff is shortened by up to a quarter, so clients do not march in step


class OpenAiCompatibleClient:
    """Chat completions in JSON mode through the official ``openai`` SDK.

    Each call sends the system prompt, the history and the customer's message with
    ``response_format={"type": "json_object"}``, a low temperature and
    ``max_tokens=request.max_output_tokens``; the answer is read by
    :func:`llm.parse_structured_reply`, so an unreadable one becomes
    :data:`llm.UNREADABLE_REPLY` rather than an error.

    Retries are this class's own (the SDK's are switched off) so that their number and rule
    are explicit: a call is tried at most ``max_retries + 1`` times; it is retried after a
    429, a 5xx, a connection error or a timeout, never after another 4xx. The wait before
    retry ``n`` (0-based) is ``min(max_backoff_s, backoff_s * 2**n)`` less up to 25% jitter,
    or the server's ``Retry-After`` (capped the same way). When no attempt succeeds,
    ``errors.Unavailable`` (``llm.unavailable``) is raised from the last SDK error.

    A response that is not a chat completion at all (no ``choices``) is the endpoint failing
    and raises ``llm.unavailable`` without retry. ``latency_ms`` covers the whole call,
    retries and waits included. Token counts come from the response's ``usage``, or are
    estimated at 4 characters a token when it is missing. The API key is given to the SDK
    and never logged or shown in ``repr``.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        timeout_s: float = 20.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        temperature: float = DEFAULT_TEMPERATURE,
    ) -> None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError("max_retries must be a non-negative integer")
        if not timeout_s > 0 or backoff_s < 0 or max_backoff_s < 0:
            raise ValueError("timeout_s must be positive and the backoffs non-negative")
        self._base_url = base_url
        self._max_retries = max_retries
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._temperature = temperature
        self._sdk = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key or _NO_KEY, timeout=timeout_s, max_retries=0
        )

    def __repr__(self) -> str:
        return (
            f"OpenAiCompatibleClient(base_url={self._base_url!r}, max_retries={self._max_retries})"
        )

    @property
    def max_retries(self) -> int:
        """How many times a failed call is tried again (so at most this plus one requests)."""
        return self._max_retries

    async def aclose(self) -> None:
        """Close the connection pool; the client cannot be used afterwards."""
        await self._sdk.close()

    async def complete(self, request: llm.CompletionRequest) -> llm.Completion:
        """Answer ``request`` (see the class docstring for retries and errors)."""
        started = time.perf_counter()
        messages = _messages(request)
        response = await self._create(request, messages)
        latency_ms = round((time.perf_counter() - started) * 1000)
        content = _content(response)
        usage = getattr(response, "usage", None)
        prompt_chars = sum(len(str(message.get("content") or "")) for message in messages)
        answered_by = getattr(response, "model", None)
        return llm.Completion(
            reply=llm.parse_structured_reply(content),
            model=answered_by if isinstance(answered_by, str) and answered_by else request.model,
            input_tokens=_tokens(getattr(usage, "prompt_tokens", None), prompt_chars),
            output_tokens=_tokens(getattr(usage, "completion_tokens", None), len(content)),
            latency_ms=latency_ms,
        )

    async def _create(
        self, request: llm.CompletionRequest, messages: list[ChatCompletionMessageParam]
    ) -> ChatCompletion:
        attempt = 0
        while True:
            try:
                return await self._sdk.chat.completions.create(
                    model=request.model,
                    messages=messages,
                    response_format={"type": "json_object"},
                    temperature=self._temperature,
                    max_tokens=request.max_output_tokens,
                )
            except openai.OpenAIError as exc:
                if not _retryable(exc) or attempt >= self._max_retries:
                    raise errors.Unavailable(
                        f"the language model is unavailable ({_describe(exc)}) after "
                        f"{attempt + 1} attempt(s)",
                        code="llm.unavailable",
                    ) from exc
                delay = self._delay(attempt, exc)
                attempt += 1
                log.warning(
                    "llm call failed (%s), retry %d of %d in %.2fs",
                    _describe(exc),
                    attempt,
                    self._max_retries,
                    delay,
                )
                await asyncio.sleep(delay)

    def _delay(self, attempt: int, exc: openai.OpenAIError) -> float:
        told = _retry_after(exc)
        if told is not None:
            return min(told, self._max_backoff_s)
        backoff = min(self._max_backoff_s, self._backoff_s * 2.0**attempt)
        return backoff * (1 - _JITTER * random.random())  # noqa: S311  (jitter, not a secret)


def _retryable(exc: openai.OpenAIError) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # timeouts included
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return False


def _describe(exc: openai.OpenAIError) -> str:
    """A short, secret-free description: the status or the kind, never the server's text."""
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection error"
    return type(exc).__name__


def _retry_after(exc: openai.OpenAIError) -> float | None:
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            seconds = float(headers.get(name, "")) * scale
        except ValueError:
            continue  # absent, or an HTTP date: fall back to our own backoff
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    return None


def _message(role: llm.Role, content: str) -> ChatCompletionMessageParam:
    if role == "system":
        return {"role": "system", "content": content}
    if role == "assistant":
        return {"role": "assistant", "content": content}
    return {"role": "user", "content": content}


def _messages(request: llm.CompletionRequest) -> list[ChatCompletionMessageParam]:
    return [
        _message("system", request.system_prompt),
        *(_message(turn.role, turn.content) for turn in request.history),
        _message("user", request.customer_text),
    ]


def _content(response: object) -> str:
    """The first choice's text; "" when it has none (a refusal, say: it reads as unreadable).

    Raises:
        errors.Unavailable: ``llm.unavailable`` when the response is no chat completion at
            all (an HTML page from a wrong URL, say): that is the endpoint failing, not the
            model answering badly.
    """
    choices = getattr(response, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise errors.Unavailable(
            "the endpoint did not return a chat completion", code="llm.unavailable"
        )
    content = getattr(getattr(choices[0], "message", None), "content", None)
    return content if isinstance(content, str) else ""


def _tokens(reported: object, chars: int) -> int:
    if isinstance(reported, int) and not isinstance(reported, bool) and reported >= 0:
        return reported
    return -(-chars // _CHARS_PER_TOKEN)


if TYPE_CHECKING:
    _: type[llm.LlmClient] = OpenAiCompatibleClient
