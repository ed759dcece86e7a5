"""The Channel port over the WhatsApp Cloud API: ``POST {graph}/{phone_number_id}/messages``.

Graph errors become the port's typed channel errors (see :func:`error_for`). The access token
travels only in the ``Authorization`` header: it is kept out of reprs, logs and error messages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

import attrs
import httpx

from b2adapters.bridge import expiring
from b2core.conversations import channel, media_jobs

DEFAULT_RETRY_AFTER = timedelta(seconds=60)
DEFAULT_MEDIA_CAP = 100 * 1024 * 1024  # WhatsApp's largest file (a document)
RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131048, 131056})
WINDOW_CLOSED_CODES = frozenset({131047})
INVALID_RECIPIENT_CODES = frozenset({131026, 131021})
INVALID_PARAMETER = 100
_RECIPIENT_WORDS = ("recipient", "phone number", "'to'", '"to"', "wa_id", "user_id")


@attrs.frozen
class GraphError:
    """What a Graph API error body says (all optional: bodies are not always well formed)."""

    status: int
    code: int | None = None
    subcode: int | None = None
    title: str = ""
    details: str = ""

    @classmethod
    def from_response(cls, status: int, body: object) -> GraphError:
        """Read ``{"error": {"code", "error_subcode", "message", "error_data": {...}}}``."""
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return cls(status)
        data = error.get("error_data")
        details = data.get("details") if isinstance(data, dict) else None
        return cls(
            status,
            _int_or_none(error.get("code")),
            _int_or_none(error.get("error_subcode")),
            str(error.get("message") or error.get("title") or "")[:300],
            str(details or "")[:300],
        )


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def retry_after_from(headers: Mapping[str, str]) -> timedelta:
    """The wait a 429-like answer asks for (``Retry-After`` in seconds), or the default."""
    raw = headers.get("retry-after") or headers.get("Retry-After")
    try:
        seconds = float(raw) if raw is not None else -1.0
    except ValueError:
        seconds = -1.0
    return timedelta(seconds=seconds) if 0 < seconds <= 86_400 else DEFAULT_RETRY_AFTER


def error_for(error: GraphError, headers: Mapping[str, str]) -> Exception:
    """The channel error for a Graph error: rate limit, closed window, bad recipient, or down."""
    text = f"WhatsApp refused the message (code {error.code}): {error.title}".strip()
    if error.code in RATE_LIMIT_CODES or error.status == 429:
        return channel.RateLimited(text, retry_after=retry_after_from(headers))
    if error.code in WINDOW_CLOSED_CODES:
        return channel.WindowClosed(text)
    if error.code in INVALID_RECIPIENT_CODES or _is_bad_recipient(error):
        return channel.InvalidRecipient(text)
    if error.status >= 500:
        return channel.ChannelUnavailable(f"WhatsApp is unavailable (HTTP {error.status})")
    # Anything else (a refused token, a bad parameter) may be fixed by an operator: retry later.
    return channel.ChannelUnavailable(text)


def _is_bad_recipient(error: GraphError) -> bool:
    if error.code != INVALID_PARAMETER:
        return False
    said = f"{error.title} {error.details}".lower()
    return any(word in said for word in _RECIPIENT_WORDS)


@attrs.frozen
class CloudApiChannel:
    """One WhatsApp number (``phone_number_id``) on the Cloud API, sending through ``http``.

    The Graph API has no idempotency keys: the send job deduplicates before calling (see
    docs/pipeline.md), and ``sent``, when given (share one across the channels a process
    builds), replays the first success of an ``idempotency_key`` instead of sending again.
    """

    http: httpx.AsyncClient = attrs.field(repr=False)
    graph_url: str
    phone_number_id: str
    access_token: str = attrs.field(repr=False)
    sent: expiring.SentKeys | None = attrs.field(default=None, repr=False)

    async def _once(self, key: str | None, send: Callable[[], Awaitable[str]]) -> str:
        if self.sent is None:
            return await send()
        return await self.sent.once(key, send)

    @property
    def messages_url(self) -> str:
        """The messages endpoint of this number."""
        return f"{self.graph_url.rstrip('/')}/{self.phone_number_id}/messages"

    async def send_text(
        self, customer_id: str, text: str, *, idempotency_key: str | None = None
    ) -> str:
        """Send a text message; return the ``wamid``."""
        content = {"body": text, "preview_url": False}
        return await self._once(idempotency_key, lambda: self._send(customer_id, "text", content))

    async def send_template(
        self, customer_id: str, template: channel.Template, *, idempotency_key: str | None = None
    ) -> str:
        """Send a pre-approved template, its parameters filling the body's placeholders."""
        content: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
        if template.parameters:
            parameters = [{"type": "text", "text": value} for value in template.parameters]
            content["components"] = [{"type": "body", "parameters": parameters}]
        return await self._once(
            idempotency_key, lambda: self._send(customer_id, "template", content)
        )

    async def send_media(
        self, customer_id: str, media: channel.Media, *, idempotency_key: str | None = None
    ) -> str:
        """Send uploaded media by its Cloud API media id (audio takes no caption)."""
        kind = media.type.value.lower()
        content: dict[str, Any] = {"id": media.media_id}
        if media.caption is not None and media.type is not channel.MediaType.AUDIO:
            content["caption"] = media.caption
        if media.filename is not None and media.type is channel.MediaType.DOCUMENT:
            content["filename"] = media.filename
        return await self._once(idempotency_key, lambda: self._send(customer_id, kind, content))

    async def show_typing(self, customer_id: str, *, in_reply_to: str | None = None) -> None:
        """Mark ``in_reply_to`` read and show typing; the Cloud API needs a message to tie it to."""
        if in_reply_to is None:
            return
        body = {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": in_reply_to,
            "typing_indicator": {"type": "text"},
        }
        await self._post(body)

    async def mark_read(self, customer_id: str, provider_message_id: str) -> None:
        """Send the read receipt (blue ticks) for the customer's message."""
        body = {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": provider_message_id,
        }
        await self._post(body)

    async def download_media(
        self, media_id: str, *, max_bytes: int = DEFAULT_MEDIA_CAP
    ) -> media_jobs.DownloadedMedia:
        """The ``(bytes, mime_type, size)`` of an inbound ``media_id``, at most ``max_bytes``.

        Raises ``media.too_large`` before the whole body is read, ``media.not_found`` for an id
        the Graph API does not know, and the send path's channel errors otherwise.
        """
        from b2adapters.whatsapp import media as graph_media

        return await graph_media.download(self, media_id, max_bytes)

    async def upload_media(self, data: bytes, mime_type: str, filename: str) -> str:
        """Upload a file for sending (type and size checked first); return its media id."""
        from b2adapters.whatsapp import media as graph_media

        return await graph_media.upload(self, data, mime_type, filename)

    async def _send(self, customer_id: str, kind: str, content: dict[str, Any]) -> str:
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": customer_id,
            "type": kind,
            kind: content,
        }
        answer = await self._post(body)
        sent = answer.get("messages")
        if isinstance(sent, list) and sent and isinstance(sent[0], dict):
            message_id = sent[0].get("id")
            if isinstance(message_id, str) and message_id:
                return message_id
        raise channel.ChannelUnavailable("WhatsApp accepted the message but returned no id")

    async def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.access_token}"}
        try:
            response = await self.http.post(self.messages_url, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise channel.ChannelUnavailable("WhatsApp did not answer in time") from exc
        except httpx.HTTPError as exc:
            # The exception's text names no header, so the token cannot leak through it.
            reason = type(exc).__name__
            raise channel.ChannelUnavailable(f"WhatsApp could not be reached ({reason})") from exc
        parsed = _json_or_none(response)
        if response.is_success and isinstance(parsed, dict):
            return parsed
        if response.is_success:
            raise channel.ChannelUnavailable("WhatsApp answered with an unreadable body")
        error = GraphError.from_response(response.status_code, parsed)
        raise self._scrub(error_for(error, response.headers))

    def _scrub(self, exc: Exception) -> Exception:
        """Blank the token out of a message built from the provider's words, should it echo it."""
        message = getattr(exc, "message", None)
        if isinstance(message, str) and self.access_token and self.access_token in message:
            cleaned = message.replace(self.access_token, "***")
            exc.message = cleaned  # type: ignore[attr-defined]
            exc.args = (cleaned,)
        return exc


def _json_or_none(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None
