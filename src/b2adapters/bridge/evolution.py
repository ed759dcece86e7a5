"""The Channel and ChannelSessions ports over Evolution API, a WhatsApp Web (Baileys) bridge.

Calls: ``POST /message/sendText/{instance}`` (and sendMedia, sendWhatsAppAudio),
``/chat/sendPresence/{instance}``, ``/chat/markMessageAsRead/{instance}``; instances through
``/instance/connectionState``, ``/instance/connect`` (the QR), ``/instance/create`` and
``/instance/logout``. The API key goes in the ``apikey`` header.
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

PROVIDER = "Evolution API"
KEY_HEADER = "apikey"
JID_SUFFIX = "@s.whatsapp.net"
TYPING_MS = 1000  # Evolution holds the call open this long while "typing..." shows
STATES = {
    "open": channel.SessionState.CONNECTED,
    "connecting": channel.SessionState.SCAN_QR,
    "close": channel.SessionState.STOPPED,
}


def message_id_of(body: object) -> str:
    """The sent message's id: ``{"key": {"id": ...}}``."""
    key = body.get("key") if isinstance(body, dict) else None
    found = key.get("id") if isinstance(key, dict) else None
    if isinstance(found, str) and found:
        return found
    raise channel.ChannelUnavailable("Evolution API accepted the message but returned no id")


@attrs.frozen
class EvolutionChannel:
    """One Evolution instance as a Channel; sends with a key happen once per process."""

    bridge: transport.BridgeHttp
    instance: str
    sent: expiring.SentKeys = attrs.field(factory=expiring.SentKeys, eq=False, repr=False)

    async def send_text(
        self, customer_id: str, text: str, *, idempotency_key: str | None = None
    ) -> str:
        """Send a text message; return the message key's id."""
        body = {"number": jids.digits(customer_id), "text": text}
        path = f"message/sendText/{self.instance}"
        return await self.sent.once(idempotency_key, lambda: self._send(path, body))

    async def send_template(
        self, customer_id: str, template: channel.Template, *, idempotency_key: str | None = None
    ) -> str:
        """Refuse (``channel.unsupported_message``): send the template's rendered text."""
        raise common.templates_unsupported(PROVIDER)

    async def send_media(
        self, customer_id: str, media: channel.Media, *, idempotency_key: str | None = None
    ) -> str:
        """Send media by URL (``channel.unsupported_message`` for any other handle)."""
        url = common.media_url(media)
        number = jids.digits(customer_id)
        if media.type is channel.MediaType.AUDIO:
            path, body = (
                f"message/sendWhatsAppAudio/{self.instance}",
                {"number": number, "audio": url},
            )
        else:
            path = f"message/sendMedia/{self.instance}"
            body = {"number": number, "mediatype": media.type.value.lower(), "media": url}
            for name, value in (
                ("mimetype", media.mime_type),
                ("caption", media.caption),
                ("fileName", media.filename),
            ):
                if value:
                    body[name] = value
        return await self.sent.once(idempotency_key, lambda: self._send(path, body))

    async def show_typing(self, customer_id: str, *, in_reply_to: str | None = None) -> None:
        """Show "typing..." for a second."""
        body = {"number": jids.digits(customer_id), "presence": "composing", "delay": TYPING_MS}
        await self.bridge.call("POST", f"chat/sendPresence/{self.instance}", body=body)

    async def mark_read(self, customer_id: str, provider_message_id: str) -> None:
        """Send the read receipt for the customer's message."""
        chat = jids.to_jid(customer_id, JID_SUFFIX)
        read = {"remoteJid": chat, "fromMe": False, "id": provider_message_id}
        path = f"chat/markMessageAsRead/{self.instance}"
        await self.bridge.call("POST", path, body={"readMessages": [read]})

    async def _send(self, path: str, body: Mapping[str, Any]) -> str:
        answer = await self.bridge.call("POST", path, body=dict(body))
        return message_id_of(answer.body)


@attrs.frozen
class EvolutionSessions:
    """The instances of one Evolution server; ``names`` maps channel ids to instance names."""

    bridge: transport.BridgeHttp
    names: Mapping[str, str]
    qr: expiring.ExpiringMap[str] = attrs.field(
        factory=lambda: expiring.ExpiringMap[str](expiring.QR_TTL_S), eq=False, repr=False
    )

    async def start(self, channel_id: ids.ChannelId) -> channel.SessionStatus:
        """Connect the instance (creating it when the bridge has none); its QR is kept."""
        name = common.session_name(self.names, channel_id)
        found = await self._state(name)
        if found is None:
            body = {"instanceName": name, "qrcode": True, "integration": "WHATSAPP-BAILEYS"}
            created = await self.bridge.call("POST", "instance/create", body=body)
            qrcode = created.body.get("qrcode") if isinstance(created.body, dict) else None
            self._keep_qr(channel_id, qrcode)
        elif found.state is not channel.SessionState.CONNECTED:
            connected = await self.bridge.call("GET", f"instance/connect/{name}")
            self._keep_qr(channel_id, connected.body)
        return await self.status(channel_id)

    async def stop(self, channel_id: ids.ChannelId) -> None:
        """Log the instance out; a closed or unknown one is left as it is."""
        name = common.session_name(self.names, channel_id)
        self.qr.drop(channel_id)
        found = await self._state(name)
        if found is not None and found.state is not channel.SessionState.STOPPED:
            await self.bridge.call("DELETE", f"instance/logout/{name}")

    async def status(self, channel_id: ids.ChannelId) -> channel.SessionStatus:
        """Where the instance stands (``channel.not_found`` when the bridge does not know it)."""
        found = await self._state(common.session_name(self.names, channel_id))
        if found is None:
            raise common.unknown_session()
        if found.state is not channel.SessionState.SCAN_QR:
            self.qr.drop(channel_id)
        return found

    async def qr_code(self, channel_id: ids.ChannelId) -> str | None:
        """The QR payload while the instance waits for a scan (kept 60 s), else None."""
        kept = self.qr.get(channel_id)
        if kept is not None:
            return kept
        if (await self.status(channel_id)).state is not channel.SessionState.SCAN_QR:
            return None
        name = common.session_name(self.names, channel_id)
        answer = await self.bridge.call("GET", f"instance/connect/{name}")
        return self._keep_qr(channel_id, answer.body)

    async def pairing_code(self, channel_id: ids.ChannelId, phone_number: str) -> str:
        """A code to type on the phone instead of scanning the QR."""
        name = common.session_name(self.names, channel_id)
        params = {"number": jids.digits(phone_number)}
        answer = await self.bridge.call("GET", f"instance/connect/{name}", params=params)
        code = answer.body.get("pairingCode") if isinstance(answer.body, dict) else None
        if not isinstance(code, str) or not code:
            raise channel.ChannelUnavailable("Evolution API gave no pairing code")
        return code

    async def _state(self, name: str) -> channel.SessionStatus | None:
        answer = await self.bridge.call("GET", f"instance/connectionState/{name}", missing_ok=True)
        if answer.status == 404:
            return None
        instance = answer.body.get("instance") if isinstance(answer.body, dict) else None
        raw = instance.get("state") if isinstance(instance, dict) else None
        state = STATES.get(str(raw))
        if state is None:
            detail = f"unknown Evolution state {raw!r}"
            return channel.SessionStatus(channel.SessionState.FAILED, detail)
        return channel.SessionStatus(state)

    def _keep_qr(self, channel_id: str, body: object) -> str | None:
        code = body.get("code") if isinstance(body, dict) else None
        if not isinstance(code, str) or not code:
            return None
        self.qr.put(channel_id, code)
        return code


if TYPE_CHECKING:
    _channel: type[ports.Channel] = EvolutionChannel
    _sessions: type[ports.ChannelSessions] = EvolutionSessions
