"""One HTTP call to a bridge, its failures turned into the Channel port's typed errors.

The API key travels only in a header; it is kept out of reprs, logs and error messages (error
messages are built from our own words and the status, never from the bridge's body).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import attrs
import httpx

from b2core.conversations import channel

DEFAULT_RETRY_AFTER = timedelta(seconds=30)
# What WAHA and Evolution say when the number is not on WhatsApp or the chat id is not valid.
_RECIPIENT_WORDS = (
    '"exists":false',
    "not registered",
    "not on whatsapp",
    "invalid jid",
    "invalid wid",
    "chat not found",
    "no lid for user",
    "number does not exist",
)


class UnsupportedMessage(channel.InvalidRecipient):
    """What a bridge cannot send at all (a Cloud API template, media without a URL).

    A subclass of ``InvalidRecipient`` so that the send job gives up at once instead of
    retrying something that can never succeed; its own code says why.
    """

    code = "channel.unsupported_message"


@attrs.frozen
class Answer:
    """A bridge's answer: the HTTP status and the decoded JSON body (None when not JSON)."""

    status: int
    body: Any


def retry_after_from(headers: Mapping[str, str]) -> timedelta:
    """The wait a 429 asks for (``Retry-After`` in seconds), or the default."""
    raw = headers.get("retry-after")
    try:
        seconds = float(raw) if raw is not None else -1.0
    except ValueError:
        seconds = -1.0
    return timedelta(seconds=seconds) if 0 < seconds <= 86_400 else DEFAULT_RETRY_AFTER


def _said(body: object) -> str:
    """The body as compact lower-case text, to look for the bridge's words in."""
    try:
        text = json.dumps(body, separators=(",", ":")) if body is not None else ""
    except (TypeError, ValueError):
        text = str(body)
    return text.lower()[:2000]


def error_for(provider: str, status: int, body: object, headers: Mapping[str, str]) -> Exception:
    """The channel error for a refused call: rate limit, bad recipient, or unavailable."""
    if status == 429:
        return channel.RateLimited(
            f"{provider} asks to slow down", retry_after=retry_after_from(headers)
        )
    if status >= 500:
        return channel.ChannelUnavailable(f"{provider} is unavailable (HTTP {status})")
    if any(word in _said(body) for word in _RECIPIENT_WORDS):
        return channel.InvalidRecipient(f"{provider}: the recipient is not on WhatsApp")
    if status in (401, 403):
        return channel.ChannelUnavailable(f"{provider} refused the API key (HTTP {status})")
    if status == 404:
        return channel.ChannelUnavailable(f"{provider} does not know this session")
    if status in (409, 422):
        return channel.ChannelUnavailable(f"the {provider} session is not connected")
    # Anything else (a bad parameter, an old bridge version) may be fixed by an operator.
    return channel.ChannelUnavailable(f"{provider} refused the call (HTTP {status})")


@attrs.frozen
class BridgeHttp:
    """Calls one bridge server at ``base_url`` with its API key in ``key_header``."""

    http: httpx.AsyncClient = attrs.field(repr=False)
    provider: str
    base_url: str
    key_header: str
    api_key: str = attrs.field(repr=False)

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        params: Mapping[str, str] | None = None,
        missing_ok: bool = False,
    ) -> Answer:
        """Call ``path``; a 404 comes back as an Answer when ``missing_ok``, else it raises.

        Raises:
            channel.RateLimited, channel.InvalidRecipient, channel.ChannelUnavailable.
        """
        url = f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"
        headers = {self.key_header: self.api_key} if self.api_key else {}
        try:
            response = await self.http.request(
                method, url, json=body, params=params, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise channel.ChannelUnavailable(f"{self.provider} did not answer in time") from exc
        except httpx.HTTPError as exc:
            # The exception's text names no header, so the key cannot leak through it.
            reason = type(exc).__name__
            raise channel.ChannelUnavailable(
                f"{self.provider} could not be reached ({reason})"
            ) from exc
        answer = Answer(response.status_code, _json_or_none(response))
        if response.is_success or (missing_ok and response.status_code == 404):
            return answer
        raise error_for(self.provider, answer.status, answer.body, response.headers)


def _json_or_none(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None
