"""SimulatorChannel: a Channel that records what it would have sent, per tenant."""

from __future__ import annotations

import collections
import threading
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from b2core.conversations import channel
from b2core.shared import errors, ids, time

if TYPE_CHECKING:
    from b2core.conversations import ports

CHANNEL_ID = ids.ChannelId("simulator")
KEEP_PER_TENANT = 500


@attrs.frozen
class SentMessage:
    """One message the simulator 'sent' to a customer."""

    provider_message_id: str
    customer_id: str
    kind: str  # text | template | media
    text: str | None
    sent_at: datetime


class SimulatorOutbox:
    """What was sent, per tenant, newest last; sends with the same idempotency key count once.

    It lives in the process that sends: the API process in embedded mode, where the workers
    run in process too.
    """

    def __init__(self, clock: time.Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._sent: dict[str, collections.deque[SentMessage]] = {}
        self._by_key: dict[str, str] = {}

    def record(
        self, tenant_id: str, customer_id: str, kind: str, text: str | None, key: str | None
    ) -> str:
        """Store one send and return its provider id (the same one for a repeated key)."""
        with self._lock:
            if key is not None and key in self._by_key:
                return self._by_key[key]
            box = self._sent.setdefault(tenant_id, collections.deque(maxlen=KEEP_PER_TENANT))
            provider_id = f"sim.{tenant_id[:8]}.{len(self._by_key) + len(box) + 1}"
            if key is not None:
                provider_id = f"sim.{key}"
                self._by_key[key] = provider_id
            box.append(SentMessage(provider_id, customer_id, kind, text, self._clock.now()))
            return provider_id

    def sent(self, tenant_id: str) -> list[SentMessage]:
        """Every recorded send of ``tenant_id``, oldest first."""
        with self._lock:
            return list(self._sent.get(tenant_id, ()))


@attrs.frozen
class SimulatorChannel:
    """The simulator as one tenant's channel."""

    outbox: SimulatorOutbox
    tenant_id: ids.TenantId

    async def send_text(
        self, customer_id: str, text: str, *, idempotency_key: str | None = None
    ) -> str:
        return self.outbox.record(self.tenant_id, customer_id, "text", text, idempotency_key)

    async def send_template(
        self, customer_id: str, template: channel.Template, *, idempotency_key: str | None = None
    ) -> str:
        text = f"[template {template.name}]"
        return self.outbox.record(self.tenant_id, customer_id, "template", text, idempotency_key)

    async def send_media(
        self, customer_id: str, media: channel.Media, *, idempotency_key: str | None = None
    ) -> str:
        text = media.caption
        return self.outbox.record(self.tenant_id, customer_id, "media", text, idempotency_key)

    async def show_typing(self, customer_id: str, *, in_reply_to: str | None = None) -> None:
        return None  # nobody watches a simulated phone type

    async def mark_read(self, customer_id: str, provider_message_id: str) -> None:
        return None


@attrs.frozen
class SimulatorDirectory:
    """Every tenant has the simulator channel; no other channel is connected."""

    outbox: SimulatorOutbox

    async def channel_for(
        self, tenant_id: ids.TenantId, channel_id: ids.ChannelId
    ) -> SimulatorChannel:
        if channel_id != CHANNEL_ID:
            raise errors.NotFound("this channel is not connected", code="channel.not_found")
        return SimulatorChannel(self.outbox, tenant_id)


if TYPE_CHECKING:
    _c: type[ports.Channel] = SimulatorChannel
    _d: type[ports.ChannelDirectory] = SimulatorDirectory
