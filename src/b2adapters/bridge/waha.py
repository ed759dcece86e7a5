"""The Channel and ChannelSessions ports over WAHA (WhatsApp HTTP API), a WhatsApp Web bridge.

Calls: ``POST /api/sendText`` (and sendImage/sendVoice/sendVideo/sendFile), ``/api/startTyping``,
``/api/sendSeen``; sessions under ``/api/sessions/{name}`` and the QR at
``GET /api/{name}/auth/qr?format=raw``. The API key goes in ``X-Api-Key``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from b2adapters.bridge import common, expiring, jids, transport
from b2core.conversations import channel
from b2core.shared import ids

if TYPE_CHECKING:
    from b2core.conversations import ports

PROVIDER = "WAHA"
KEY_HEADER = "X-Api-Key"
CHAT_SUFFIX = "@c.us"
STATES = {
    "STOPPED": channel.SessionState.STOPPED,
    "STARTING": channel.SessionState.STARTING,
    "SCAN_QR_CODE": channel.SessionState.SCAN_QR,
    "WORKING": channel.SessionState.CONNECTED,
    "FAILED": channel.SessionState.FAILED,
}
_MEDIA_PATHS = {
    channel.MediaType.IMAGE: "api/sendImage",
    channel.MediaType.AUDIO: "api/sendVoice",
    channel.MediaType.VIDEO: "api/sendVideo",
    channel.MediaType.DOCUMENT: "api/sendFile",
}


def message_id_of(body: object) -> str:
    """The sent message's id, in the shape of whichever WAHA engine answered."""
    if isinstance(body, dict):
        found: Any = body.get("id")
        if isinstance(found, dict):
            found = found.get("_serialized")
        if not isinstance(found, str) or not found:
            key = body.get("key")
            found = key.get("id") if isinstance(key, dict) else None
        if isinstance(found, str) and found:
            return found
    raise channel.ChannelUnavailable("WAHA accepted the message but returned no id")


@attrs.frozen
class WahaChannel:
    """One WAHA session as a Channel; sends with an idempotency key happen once per process."""

    bridge: transport.BridgeHttp
    session: str
    sent: expiring.SentKeys = attrs.field(factory=expiring.SentKeys, eq=False, repr=False)

    async def send_text(
        self, customer_id: str, text: str, *, idempotency_key: str | None = None
    ) -> str:
        """Send a text message; return WAHA's message id."""
        body = {"session": self.session, "chatId": self._chat(customer_id), "text": text}
        return await self.sent.once(idempotency_key, lambda: self._send("api/sendText", body))

    async def send_template(
        self, customer_id: str, template: channel.Template, *, idempotency_key: str | None = None
    ) -> str:
        """Refuse (``channel.unsupported_message``): send the template's rendered text."""
        raise common.templates_unsupported(PROVIDER)

    async def send_media(
        self, customer_id: str, media: channel.Media, *, idempotency_key: str | None = None
    ) -> str:
        """Send media by URL (``channel.unsupported_message`` for any other handle)."""
        file: dict[str, Any] = {"url": common.media_url(media)}
        if media.mime_type:
            file["mimetype"] = media.mime_type
        if media.filename:
            file["filename"] = media.filename
        body: dict[str, Any] = {
            "session": self.session,
            "chatId": self._chat(customer_id),
            "file": file,
        }
        if media.caption and media.type is not channel.MediaType.AUDIO:
            body["caption"] = media.caption
        path = _MEDIA_PATHS[media.type]
        return await self.sent.once(idempotency_key, lambda: self._send(path, body))

    async def show_typing(self, customer_id: str, *, in_reply_to: str | None = None) -> None:
        """Show "typing..." in the chat (WAHA clears it when the reply is sent)."""
        body = {"session": self.session, "chatId": self._chat(customer_id)}
        await self.bridge.call("POST", "api/startTyping", body=body)

    async def mark_read(self, customer_id: str, provider_message_id: str) -> None:
        """Send the read receipt for the customer's message."""
        body = {
            "session": self.session,
            "chatId": self._chat(customer_id),
            "messageIds": [provider_message_id],
        }
        await self.bridge.call("POST", "api/sendSeen", body=body)

    def _chat(self, customer_id: str) -> str:
        return jids.to_jid(customer_id, CHAT_SUFFIX)

    async def _send(self, path: str, body: dict[str, Any]) -> str:
        answer = await self.bridge.call("POST", path, body=body)
        return message_id_of(answer.body)


@attrs.frozen
class WahaSessions:
    """The sessions of one WAHA server; ``names`` maps channel ids to session names."""

    bridge: transport.BridgeHttp
    names: Mapping[str, str]
    qr: expiring.ExpiringMap[str] = attrs.field(
        factory=lambda: expiring.ExpiringMap[str](expiring.QR_TTL_S), eq=False, repr=False
    )

    async def start(self, channel_id: ids.ChannelId) -> channel.SessionStatus:
        """Start the session, creating it on the bridge when it does not exist yet."""
        name = common.session_name(self.names, channel_id)
        found = await self.bridge.call("GET", f"api/sessions/{name}", missing_ok=True)
        if found.status == 404:
            await self.bridge.call("POST", "api/sessions", body={"name": name, "start": True})
        elif _state(found.body).state in (
            channel.SessionState.STOPPED,
            channel.SessionState.FAILED,
        ):
            await self.bridge.call("POST", f"api/sessions/{name}/start")
        return await self.status(channel_id)

    async def stop(self, channel_id: ids.ChannelId) -> None:
        """Stop the session; a stopped or unknown one is left as it is."""
        name = common.session_name(self.names, channel_id)
        self.qr.drop(channel_id)
        current = await self.bridge.call("GET", f"api/sessions/{name}", missing_ok=True)
        if current.status != 404 and _state(current.body).state is not channel.SessionState.STOPPED:
            await self.bridge.call("POST", f"api/sessions/{name}/stop")

    async def status(self, channel_id: ids.ChannelId) -> channel.SessionStatus:
        """Where the session stands (``channel.not_found`` when the bridge does not know it)."""
        name = common.session_name(self.names, channel_id)
        found = await self.bridge.call("GET", f"api/sessions/{name}", missing_ok=True)
        if found.status == 404:
            raise common.unknown_session()
        status = _state(found.body)
        if status.state is not channel.SessionState.SCAN_QR:
            self.qr.drop(channel_id)
        return status

    async def qr_code(self, channel_id: ids.ChannelId) -> str | None:
        """The QR payload while the session waits for a scan (kept 60 s), else None."""
        kept = self.qr.get(channel_id)
        if kept is not None:
            return kept
        if (await self.status(channel_id)).state is not channel.SessionState.SCAN_QR:
            return None
        name = common.session_name(self.names, channel_id)
        answer = await self.bridge.call("GET", f"api/{name}/auth/qr", params={"format": "raw"})
        value = answer.body.get("value") if isinstance(answer.body, dict) else None
        if not isinstance(value, str) or not value:
            return None
        self.qr.put(channel_id, value)
        return value

    async def pairing_code(self, channel_id: ids.ChannelId, phone_number: str) -> str:
        """A code to type on the phone instead of scanning the QR (WAHA ``request-code``)."""
        name = common.session_name(self.names, channel_id)
        body = {"phoneNumber": jids.digits(phone_number)}
        answer = await self.bridge.call("POST", f"api/{name}/auth/request-code", body=body)
        code = answer.body.get("code") if isinstance(answer.body, dict) else None
        if not isinstance(code, str) or not code:
            raise channel.ChannelUnavailable("WAHA gave no pairing code")
        return code


def _state(body: object) -> channel.SessionStatus:
    raw = body.get("status") if isinstance(body, dict) else None
    state = STATES.get(str(raw))
    if state is None:
        return channel.SessionStatus(channel.SessionState.FAILED, f"unknown WAHA status {raw!r}")
    return channel.SessionStatus(state)


if TYPE_CHECKING:
    _channel: type[ports.Channel] = WahaChannel
    _sessions: type[ports.ChannelSessions] = WahaSessions
