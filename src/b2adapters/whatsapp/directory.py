"""Where a Cloud API webhook finds its channel: the tenant and the secrets that check it.

Stored channels with encrypted secrets belong to the channels feature; until it serves this
port, the in-memory directory (registered in the container) does.
"""

from __future__ import annotations

from typing import Protocol

import attrs

from b2core.shared import ids


@attrs.frozen
class WebhookChannel:
    """What the webhook needs to know about one connected Cloud API number.

    ``phone_number_id``, when known, limits a delivery to the changes addressed to this number.
    """

    tenant_id: ids.TenantId
    app_secret: str = attrs.field(repr=False)
    verify_token: str = attrs.field(repr=False)
    phone_number_id: str | None = None


class WhatsAppChannelDirectory(Protocol):
    """Finds a Cloud API channel by the id in its webhook URL."""

    async def lookup(self, channel_id: str) -> WebhookChannel | None:
        """The channel, or None when no tenant has connected it."""
        ...


@attrs.define
class InMemoryWhatsAppChannelDirectory:
    """Channels held in a dict: tests, demos and single-process setups."""

    channels: dict[str, WebhookChannel] = attrs.field(factory=dict)

    def add(self, channel_id: str, webhook_channel: WebhookChannel) -> None:
        """Connect (or replace) ``channel_id``."""
        self.channels[channel_id] = webhook_channel

    async def lookup(self, channel_id: str) -> WebhookChannel | None:
        """The channel, or None."""
        return self.channels.get(channel_id)
